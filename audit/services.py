"""Writing to the audit log: the one function every feature calls."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser

from audit.models import Action, AuditEvent
from audit.request_info import client_ip
from establishments.models import Establishment, Region, Role, RoleAssignment, User


def home_region_code(user: User) -> str | None:
    """The one region all of a person's roles lie in, or None (national, several regions, none)."""
    codes: set[str | None] = set()
    for assignment in user.assignments:
        if assignment.role == Role.NATIONAL:
            return None
        target = assignment.establishment or assignment.ght or assignment.region
        codes.add(target.pk if isinstance(target, Region) else getattr(target, "region_id", None))
    return codes.pop() if len(codes) == 1 else None


def home_establishment(user: User) -> Establishment | None:
    """The establishment of a person whose roles are all on that one establishment."""
    targets = {(a.role in (Role.RSSI, Role.DIRECTOR), a.establishment_id) for a in user.assignments}
    if len(targets) != 1:
        return None
    is_establishment_role, _ = next(iter(targets))
    return user.assignments[0].establishment if is_establishment_role else None


def record_event(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    establishment: Establishment | None = None,
    detail: dict[str, Any] | None = None,
    request=None,
    target: str = "",
    region: Region | str | None = None,
) -> AuditEvent:
    """Add one event to the audit log.

    `establishment` (or, failing it, `region`) decides which ARS reads the event; when neither is
    given, the event is filed under the actor's own region when all their roles lie in one.
    Called inside the caller's transaction, so an act that rolls back leaves no event behind.
    """
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    if actor is not None and not actor.is_authenticated:
        actor = None
    region_code = region.pk if isinstance(region, Region) else region
    if establishment is not None:
        region_code = establishment.region_id
    elif region_code is None and actor is not None:
        region_code = home_region_code(actor)
    if not target and establishment is not None:
        target = f"{establishment.name} ({establishment.finess})"
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=actor.email if actor is not None else "",
        action=action,
        target=target[:255],
        establishment=establishment,
        region_id=region_code,
        detail=detail or {},
        ip=client_ip(request),
    )


def record_sign_in_event(*, user: User, action: str, request=None, detail=None) -> AuditEvent:
    """A sign-in, sign-out or second-factor event, filed under the person's establishment."""
    return record_event(
        actor=user,
        action=action,
        establishment=home_establishment(user),
        request=request,
        target=user.email,
        detail=detail,
    )


def record_sign_in_failure(*, address: str, request=None, detail=None) -> AuditEvent:
    """A failed sign-in aimed at `address` (already in the accounts' one spelling).

    Nobody is known to be behind a failed attempt: the account aimed at is the target, and the
    event is filed under its establishment; an address no account has is marked so.
    """
    user = User.objects.filter(email=address).first() if address else None
    detail = dict(detail or {})
    if address and user is None:
        detail["unknown_account"] = True
    return record_event(
        actor=None,
        action=Action.SIGN_IN_FAILED,
        establishment=home_establishment(user) if user else None,
        region=home_region_code(user) if user else None,
        request=request,
        target=address,
        detail=detail,
    )


def record_role_change(
    *, actor, assignment: RoleAssignment, change: str, request=None, source: str = ""
) -> AuditEvent:
    """A role `granted` to, `revoked` from, or `changed` for a person."""
    scope_region = (
        assignment.region_id
        or (assignment.ght.region_id if assignment.ght_id else None)
        or (assignment.establishment.region_id if assignment.establishment_id else None)
    )
    return record_event(
        actor=actor,
        action=Action.ROLE_CHANGE,
        establishment=assignment.establishment if assignment.establishment_id else None,
        region=scope_region,
        request=request,
        target=assignment.user.email,
        detail={
            "change": change,
            "role": assignment.role,
            "scope": str(assignment.scope_label),
            "source": source,
        },
    )


ADMIN_RIGHTS_FIELDS = ("is_active", "is_staff", "is_superuser")


def record_admin_rights_change(*, actor: User, user: User, form, request=None) -> AuditEvent | None:
    """Administration rights or activation changed on a person's account (from the admin)."""
    changed = [name for name in ADMIN_RIGHTS_FIELDS if name in form.changed_data]
    if not changed:
        return None
    return record_event(
        actor=actor,
        action=Action.ROLE_CHANGE,
        request=request,
        target=user.email,
        detail={"change": "account_rights", **{name: getattr(user, name) for name in changed}},
    )
