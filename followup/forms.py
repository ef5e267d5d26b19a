"""The relaunch message form, prefilled with a message an ARS can send as it is, and the ids of
a selection."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Campaign
from care_portal.formats import format_date
from care_portal.ids import IdListField
from establishments.models import Region
from followup.models import NotificationKind


class SelectionIdsForm(forms.Form):
    """The establishments ticked on the dashboard, as sent back by the selection's pages."""

    establishment = IdListField(
        error_messages={
            "invalid": gettext_lazy(
                "La sélection contient « %(value)s », qui n’est pas un identifiant "
                "d’établissement : revenez au tableau de bord et cochez de nouveau les "
                "établissements."
            ),
        },
    )


class RelaunchForm(forms.Form):
    subject = forms.CharField(
        label=gettext_lazy("Objet"),
        max_length=200,
        error_messages={"required": gettext_lazy("Indiquez l’objet du message.")},
    )
    message = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "Envoyé tel quel aux RSSI des établissements sélectionnés, avec le lien vers leur "
            "auto-évaluation."
        ),
        error_messages={"required": gettext_lazy("Écrivez le message à envoyer.")},
    )

    def clean_subject(self) -> str:
        subject = " ".join(self.cleaned_data["subject"].split())
        if not subject:
            raise forms.ValidationError(_("Indiquez l’objet du message."))
        return subject

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(_("Écrivez le message à envoyer."))
        return message


def default_relaunch(*, region: Region, campaign: Campaign | None, sender=None) -> dict[str, str]:
    """The subject and message the form starts with, signed by the sender.

    The e-mail itself greets each RSSI by name: the message does not greet again.
    """
    year = campaign.year if campaign else ""
    closing = ""
    if campaign and campaign.closes_on:
        closing = _(" La campagne se clôt le %(date)s.") % {
            "date": format_date(campaign.closes_on, long=True)
        }
    return {
        "subject": _("Campagne CaRE %(year)s : votre auto-évaluation est attendue")
        % {"year": year},
        "message": _(
            "Sauf erreur de notre part, l’auto-évaluation CaRE %(year)s de votre établissement "
            "n’a pas encore été transmise.%(closing)s\n\n"
            "Nous vous remercions de la compléter et de la transmettre à votre direction pour "
            "validation dans les meilleurs délais. Vos réponses permettent de suivre "
            "l’avancement du programme CaRE dans la région et d’orienter les financements.\n\n"
            "L’équipe de l’ARS %(region)s reste à votre disposition pour toute question.\n\n"
            "Cordialement,\n"
            "%(signature)sARS %(region)s"
        )
        % {
            "year": year,
            "closing": closing,
            "region": region.name,
            "signature": f"{sender.get_full_name()}\n" if sender and sender.get_full_name() else "",
        },
    }


class EmailPreferencesForm(forms.Form):
    """Which kinds of notification also come by e-mail (all of them stay in the portal)."""

    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Recevoir aussi par courriel"),
        help_text=gettext_lazy("Décochez ce que vous ne voulez plus recevoir par courriel."),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
