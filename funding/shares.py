"""The GHT lead types each member's share of the GHT's activity (the funding calls' GHT rule)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from establishments.models import GHT, GHTMember, Role
from establishments.permissions import holds_role


class SharesError(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def parse_share(text: str) -> Decimal | None:
    """A percentage as typed ("42,5"); None for an empty field; ValueError when not one."""
    text = (text or "").strip().removesuffix("%").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite() or not 0 <= value <= 100 or value != value.quantize(Decimal("0.01")):
        raise ValueError(text)
    return value


def set_activity_shares(ght: GHT, *, user, values: dict[str, str]) -> int:
    """Record the shares typed for the GHT's members ({FINESS EJ: text}); all or nothing."""
    if not holds_role(user, Role.GHT, ght_id=ght.pk):
        raise SharesError([_("Seul le responsable du GHT saisit les parts d'activité.")])
    members = {member.finess_ej: member for member in GHTMember.objects.filter(ght=ght)}
    errors, shares = [], {}
    for ej, text in values.items():
        if ej not in members:
            errors.append(_("%(ej)s n'est pas membre du GHT.") % {"ej": str(ej)[:9]})
            continue
        try:
            shares[ej] = parse_share(text)
        except ValueError:
            errors.append(
                _(
                    "%(ej)s : « %(value)s » n'est pas un pourcentage de 0 à 100 (deux décimales au plus)."
                )
                % {"ej": ej, "value": str(text)[:20]}
            )
    total = sum((value or Decimal(0)) for value in shares.values())
    total += sum((m.activity_share or Decimal(0)) for ej, m in members.items() if ej not in shares)
    if total > 100:
        errors.append(
            _("Les parts d'activité dépassent 100 %% (%(total)s %%).") % {"total": f"{total:g}"}
        )
    if errors:
        raise SharesError(errors)
    with transaction.atomic():
        for ej, value in shares.items():
            members[ej].activity_share = value
        GHTMember.objects.bulk_update([members[ej] for ej in shares], ["activity_share"])
    return len(shares)
