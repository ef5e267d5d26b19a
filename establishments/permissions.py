"""Who a person is, as the `rules` predicates every app's permissions are built from.

Each app declares the permissions on what it owns (`assessments.reopen`, `audit.view_log`,
`dashboards.view_national`…) in its own `permissions.py`, from these predicates; views, QuerySets
and templates ask the permission, never the roles themselves:

- on an object, `user.has_perm(name, obj)` or `{% has_perm name user obj as ok %}`;
- without one (may this person open the audit log, the national dashboard…),
  `rules.has_perm(name, user)`: `user.has_perm` would also look up Django's model permissions
  in the database, on every page for the menu. Each of these permissions includes the national
  level, which a superuser is.

What a person may *see* is their scope (`Scope`, `in_scope` in `establishments.models`); these
decide what they may *do* or open.
"""

from __future__ import annotations

import rules

from establishments.models import Role


def holds_role(user, role: str, **on) -> bool:
    """Whether `user` holds `role`, on the scope given (`establishment_id=`, `ght_id=`, `region_id=`).

    Without `on`, on any scope. A scope given as None matches no assignment of a role that
    needs one (an establishment outside any GHT has no GHT lead).
    """
    if not user.is_authenticated:
        return False
    return any(
        assignment.role == role
        and all(getattr(assignment, name) == value for name, value in on.items())
        for assignment in user.assignments
    )


@rules.predicate
def is_national(user) -> bool:
    """The national level (DNS/ANS) or a superuser."""
    return user.is_authenticated and user.is_national


@rules.predicate
def is_ars(user) -> bool:
    """Staff of the ARS of at least one region."""
    return holds_role(user, Role.ARS)


@rules.predicate
def is_ars_of_establishment(user, establishment) -> bool:
    return holds_role(user, Role.ARS, region_id=establishment.region_id)


# The regulatory status (NIS2, OSE) is set by the ARS of the establishment's region, or the
# national level.
rules.add_perm("establishments.set_regulatory_status", is_ars_of_establishment | is_national)
