"""The small forms around an assessment: transitions, evidence, exercises, import, carry-over.

They only parse what was typed; the rules (who may, what is accepted) live in the services.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from assessments.evidence import ACCEPT_ATTRIBUTE, NOTE_MAX_LENGTH
from assessments.exercises import SCENARIO_MAX_LENGTH
from assessments.models import TITLE_MAX_LENGTH, CrisisExercise
from assessments.workflow import COMMENT_MAX_LENGTH


class PortalForm(DsfrBaseForm):
    """Fields in DSFR markup, required ones marked as django-dsfr does by default."""

    def get_context(self) -> dict:
        # django-dsfr warns on every render until its next major version changes the marking.
        return forms.Form.get_context(self)

    def set_help_text(self, name: str, text: str) -> None:
        """Change a field's hint after creation (django-dsfr has already bound the fields)."""
        self.fields[name].help_text = text
        self[name].help_text = text


class VersionForm(PortalForm):
    """Carries the version the page was read at, so a stale action is refused."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class CommentForm(PortalForm):
    comment = forms.CharField(
        label=_("Commentaire"),
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, required: bool = False, prefix: str | None = None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.fields["comment"].required = required
        if required:
            self.set_help_text("comment", _("Dites ce qui doit être repris, et pourquoi."))


def _upload_widget() -> forms.FileInput:
    widget = forms.FileInput(attrs={"class": "fr-upload", "accept": ACCEPT_ATTRIBUTE})
    widget.group_class = "fr-upload-group"
    return widget


class EvidenceFileForm(PortalForm):
    title = forms.CharField(
        label=_("Titre"),
        max_length=TITLE_MAX_LENGTH,
        required=False,
        help_text=_(
            "Ce que le document prouve, par exemple « Procédure de sauvegarde v3 ». "
            "Sans titre, le nom du fichier est affiché."
        ),
    )
    file = forms.FileField(label=_("Fichier"), widget=_upload_widget())

    def __init__(self, *args, formats_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.set_help_text("file", formats_text)


class EvidenceLinkForm(PortalForm):
    url = forms.CharField(
        label=_("Adresse du lien"),
        max_length=500,
        help_text=_("Une page de votre intranet ou de votre gestion documentaire (https://…)."),
        widget=forms.URLInput,
    )
    note = forms.CharField(label=_("Description"), max_length=200, required=False)


class EvidenceNoteForm(PortalForm):
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Où la preuve est conservée, qui la détient, sa référence…"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CrisisExerciseForm(PortalForm):
    held_on = forms.DateField(
        label=_("Date de l'exercice"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Saisissez une date valide (jj/mm/aaaa).")},
    )
    kind = forms.ChoiceField(
        label=_("Type d'exercice"),
        choices=CrisisExercise.Kind.choices,
        widget=forms.RadioSelect,
    )
    scenario = forms.CharField(
        label=_("Scénario joué"),
        max_length=SCENARIO_MAX_LENGTH,
        help_text=_("Par exemple : rançongiciel sur le dossier patient, panne de la messagerie."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lessons_learned = forms.BooleanField(
        label=_("Le retour d'expérience (RETEX) a été rédigé"), required=False
    )
    actions = forms.CharField(
        label=_("Actions décidées"),
        max_length=SCENARIO_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ImportForm(VersionForm):
    file = forms.FileField(
        label=_("Fichier JSON de réponses"),
        help_text=_("Un fichier exporté depuis cette page (format JSON, 2 Mo au plus)."),
        widget=_upload_widget(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".json,application/json"


class ReportedIncidentForm(PortalForm):
    reported_on = forms.DateField(
        label=_("Date du signalement sur le portail national"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Saisissez une date valide (jj/mm/aaaa).")},
    )
    reference = forms.CharField(
        label=_("Référence du signalement"),
        max_length=40,
        help_text=_("La référence que le portail de signalement a donnée."),
    )
    degraded_care = forms.BooleanField(
        label=_("Les soins ont fonctionné en mode dégradé"), required=False
    )
    description = forms.CharField(
        label=_("Description courte"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    affected = forms.MultipleChoiceField(
        label=_("Exigences dont la réponse est à revoir (facultatif)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leur réouverture vous sera proposée après l'enregistrement."),
    )

    def __init__(self, *args, requirements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["affected"].choices = [(r.code, f"{r.code} — {r.label}") for r in requirements]
