"""The forms of the action plan pages: they read what is typed; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from actions.funding import funding_choices
from actions.gaps import assessment_gaps, requirements_by_code
from actions.models import Action
from actions.services import NOTE_MAX, OWNER_MAX, REASON_MAX, TITLE_MAX, owner_accounts
from assessments.answer_fields import AmountField
from assessments.models import Assessment
from establishments.models import User


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=TITLE_MAX)
    gaps = forms.MultipleChoiceField(
        label=_("Écarts que l'action corrige"), widget=forms.CheckboxSelectMultiple
    )
    owner_name = forms.CharField(
        label=_("Porteur (nom et fonction)"), max_length=OWNER_MAX, required=False
    )
    owner_account = forms.ModelChoiceField(
        label=_("Compte du porteur dans le portail"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Aucun (porteur hors du portail)"),
        help_text=_("Un compte ayant un rôle dans l'établissement."),
    )
    due_on = forms.DateField(
        label=_("Date cible"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    cost_investment = AmountField(label=_("Coût d'investissement estimé (€)"))
    cost_operating = AmountField(label=_("Coût de fonctionnement annuel estimé (€)"))
    funding = forms.ChoiceField(label=_("Financement"), required=False)
    status = forms.ChoiceField(label=_("Statut"), choices=Action.Status.choices)
    abandon_reason = forms.CharField(
        label=_("Raison de l'abandon"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Obligatoire si l'action est abandonnée."),
    )

    def __init__(self, *args, assessment: Assessment, action: Action | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        by_code = requirements_by_code(assessment)
        codes = [gap.requirement for gap in assessment_gaps(assessment)]
        if action is not None:
            codes += [r.code for r in action.gaps.all() if r.code not in codes]
        self.fields["gaps"].choices = [
            (code, f"{code} — {by_code[code].label}") for code in codes if code in by_code
        ]
        self.fields["funding"].choices = funding_choices(assessment.campaign.referential)
        self.fields["owner_account"].queryset = owner_accounts(assessment)
        if action is None:
            del self.fields["status"], self.fields["abandon_reason"]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note d'avancement"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[("agree", _("Agréer le plan")), ("ask_changes", _("Demander des modifications"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obligatoire pour demander des modifications."),
    )
