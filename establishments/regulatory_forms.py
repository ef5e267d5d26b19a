"""The ARS's form for an establishment's regulatory status (NIS2, OSE)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from establishments.models import Nis2Status
from establishments.regulatory import REASON_MAX_LENGTH, RegulatoryChange

DERIVED = "derived"


class RegulatoryStatusForm(forms.Form):
    staff_count = forms.IntegerField(
        label=_("Effectif de l'entité juridique (ETP)"),
        required=False,
        min_value=0,
        max_value=1_000_000,
        help_text=_("Laissez vide s'il n'est pas connu."),
    )
    turnover_meur = forms.DecimalField(
        label=_("Chiffre d'affaires annuel (M€)"),
        required=False,
        min_value=0,
        max_value=9_999_999,
        max_digits=9,
        decimal_places=2,
    )
    balance_sheet_meur = forms.DecimalField(
        label=_("Total du bilan annuel (M€)"),
        required=False,
        min_value=0,
        max_value=9_999_999,
        max_digits=9,
        decimal_places=2,
    )
    nis2_status = forms.ChoiceField(
        label=_("Statut NIS2"),
        choices=[
            (DERIVED, _("Déduire de la taille (seuils NIS2 des prestataires de soins)")),
            *Nis2Status.choices,
        ],
        initial=DERIVED,
    )
    is_ose = forms.BooleanField(
        label=_("Désigné opérateur de services essentiels (OSE)"), required=False
    )
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Obligatoire pour fixer le statut à la main ou changer la désignation OSE "
            "(référence de la décision, courrier de l'ANSSI…)."
        ),
    )

    @classmethod
    def for_establishment(cls, establishment, data=None) -> RegulatoryStatusForm:
        initial = {
            "staff_count": establishment.staff_count,
            "turnover_meur": establishment.turnover_meur,
            "balance_sheet_meur": establishment.balance_sheet_meur,
            "nis2_status": (
                DERIVED if establishment.nis2_origin == DERIVED else establishment.nis2_status
            ),
            "is_ose": establishment.is_ose,
            "reason": establishment.regulatory_reason,
        }
        return cls(data, initial=initial)

    def change(self) -> RegulatoryChange:
        data = self.cleaned_data
        status = data["nis2_status"]
        return RegulatoryChange(
            staff_count=data.get("staff_count"),
            turnover_meur=data.get("turnover_meur"),
            balance_sheet_meur=data.get("balance_sheet_meur"),
            nis2_status=None if status == DERIVED else status,
            is_ose=data.get("is_ose", False),
            reason=data.get("reason", ""),
        )
