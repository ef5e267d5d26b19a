"""The regulatory status of an establishment: NIS2 entity category and OSE designation.

Health providers are a sector of high criticality under the NIS2 directive (annex I). Its size
rules (taken from the EU definition of enterprises) sort them:

- a large entity — at least 250 staff, or a turnover above 50 M€ *and* a balance sheet above
  43 M€ — is an **essential** entity;
- a medium entity — 50 to 249 staff — is an **important** entity.

Only these criteria are applied, and only to health establishments (ES): whatever else
(a medico-social establishment, a smaller entity, a size not known) is **to be determined**
until the ARS sets the status, with a reason. A status the ARS sets stands until it hands it
back to the size rule. OSE designation is never derived: the ARS records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action as AuditAction
from audit.services import record_event
from establishments.models import Establishment, Kind, Nis2Status, StatusOrigin, User

LARGE_STAFF = 250
MEDIUM_STAFF = 50
LARGE_TURNOVER_MEUR = Decimal("50")
LARGE_BALANCE_MEUR = Decimal("43")
REASON_MAX_LENGTH = 500


def derived_nis2_status(
    *,
    kind: str,
    staff_count: int | None,
    turnover_meur: Decimal | None,
    balance_sheet_meur: Decimal | None,
) -> str:
    """The NIS2 status the size rule gives (see the module's docstring)."""
    if kind != Kind.ES:
        return Nis2Status.TO_DETERMINE
    large_by_money = (
        turnover_meur is not None
        and balance_sheet_meur is not None
        and turnover_meur > LARGE_TURNOVER_MEUR
        and balance_sheet_meur > LARGE_BALANCE_MEUR
    )
    if (staff_count is not None and staff_count >= LARGE_STAFF) or large_by_money:
        return Nis2Status.ESSENTIAL
    if staff_count is not None and staff_count >= MEDIUM_STAFF:
        return Nis2Status.IMPORTANT
    return Nis2Status.TO_DETERMINE


@dataclass(frozen=True)
class RegulatoryChange:
    """What the ARS records; `nis2_status` None hands the status back to the size rule."""

    staff_count: int | None
    turnover_meur: Decimal | None
    balance_sheet_meur: Decimal | None
    nis2_status: str | None
    is_ose: bool
    reason: str


FIELDS = (
    "staff_count",
    "turnover_meur",
    "balance_sheet_meur",
    "nis2_status",
    "nis2_origin",
    "is_ose",
    "regulatory_reason",
    "regulatory_set_by",
    "regulatory_set_at",
)


@transaction.atomic
def set_regulatory_status(
    *, establishment: Establishment, change: RegulatoryChange, user: User, request=None
) -> Establishment:
    """Record the size facts and the status of one establishment, with who, when and why.

    A status set by hand, or an OSE designation changed, needs a reason (ValidationError
    otherwise, nothing written). One audit event, in the same transaction.
    """
    reason = (change.reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("Le motif dépasse %(max)d caractères.") % {"max": REASON_MAX_LENGTH}}
        )
    locked = Establishment.objects.select_for_update().get(pk=establishment.pk)
    manual = change.nis2_status is not None
    if (manual or change.is_ose != locked.is_ose) and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "Un motif est obligatoire pour fixer le statut NIS2 ou la désignation OSE "
                    "(par exemple la référence de la décision)."
                )
            }
        )
    before = {name: str(getattr(locked, name)) for name in ("nis2_status", "is_ose")}
    locked.staff_count = change.staff_count
    locked.turnover_meur = change.turnover_meur
    locked.balance_sheet_meur = change.balance_sheet_meur
    if manual:
        locked.nis2_status = change.nis2_status
        locked.nis2_origin = StatusOrigin.ARS
    else:
        locked.nis2_status = derived_nis2_status(
            kind=locked.kind,
            staff_count=change.staff_count,
            turnover_meur=change.turnover_meur,
            balance_sheet_meur=change.balance_sheet_meur,
        )
        locked.nis2_origin = StatusOrigin.DERIVED
    locked.is_ose = change.is_ose
    locked.regulatory_reason = reason
    locked.regulatory_set_by = user
    locked.regulatory_set_at = timezone.now()
    locked.save(update_fields=[*FIELDS, "updated_at"])
    record_event(
        actor=user,
        action=AuditAction.REGULATORY_STATUS,
        establishment=locked,
        request=request,
        target=locked.finess,
        detail={
            "before": before,
            "after": {"nis2_status": locked.nis2_status, "is_ose": str(locked.is_ose)},
            "origin": locked.nis2_origin,
            **({"reason": reason} if reason else {}),
        },
    )
    return locked


def regulatory_label(establishment) -> str:
    """One line for covers and lists: « Entité essentielle (NIS2) · OSE »."""
    label = _("%(status)s (NIS2)") % {
        "status": Nis2Status(establishment.nis2_status).label,
    }
    if establishment.is_ose:
        label += " · " + _("OSE")
    return label
