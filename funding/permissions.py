"""Who may do what to a candidacy: the one set of predicates the service, views and API use.

Seeing a candidacy at all is decided by `Candidacy.objects.for_user`; these rules decide the
moves on a candidacy already in scope (`funding.workflow` checks them before any change).
"""

import rules

from establishments.models import Role
from establishments.permissions import holds_role


def may_prepare_for(user, establishment, ght) -> bool:
    """The RSSI of the filing establishment, or the GHT lead for a GHT's candidacy."""
    if holds_role(user, Role.RSSI, establishment_id=establishment.pk):
        return True
    return ght is not None and holds_role(user, Role.GHT, ght_id=ght.pk)


@rules.predicate
def prepares(user, candidacy) -> bool:
    return may_prepare_for(user, candidacy.establishment, candidacy.ght)


@rules.predicate
def directs(user, candidacy) -> bool:
    """The director of the applying entity (the filing establishment)."""
    return holds_role(user, Role.DIRECTOR, establishment_id=candidacy.establishment_id)


@rules.predicate
def is_ars_of(user, candidacy) -> bool:
    return holds_role(user, Role.ARS, region_id=candidacy.region_id)


# The filing establishment's RSSI (or the GHT lead) prepares and declares, attaches documents.
rules.add_perm("funding.prepare", prepares)
# The director of the applying entity signs the declaration, or sends it back.
rules.add_perm("funding.sign", directs)
# The ARS of the region validates or refuses, records controls and payments, forces a date.
rules.add_perm("funding.instruct", is_ars_of)
