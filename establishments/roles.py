"""Writes on people and their roles."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_role_change
from establishments.models import (
    GHT,
    Establishment,
    Region,
    Role,
    RoleAssignment,
    User,
    normalize_address,
)


def _scope_for(role: str, scope: str | None) -> dict:
    """The scope object of a role from its command-line identifier."""
    if role in (Role.RSSI, Role.DIRECTOR):
        if not scope:
            raise ValidationError(
                _("Le rôle %(role)s demande un numéro FINESS ET.") % {"role": role}
            )
        establishment = Establishment.objects.filter(finess=scope.upper()).first()
        if establishment is None:
            raise ValidationError(_("Aucun établissement de FINESS %(scope)s.") % {"scope": scope})
        return {"establishment": establishment}
    if role == Role.GHT:
        ght = GHT.objects.filter(code=scope or "").first()
        if ght is None:
            raise ValidationError(_("Aucun GHT de code %(scope)s.") % {"scope": scope})
        return {"ght": ght}
    if role == Role.ARS:
        region = Region.objects.filter(code=scope or "").first()
        if region is None:
            raise ValidationError(_("Aucune région de code INSEE %(scope)s.") % {"scope": scope})
        return {"region": region}
    if role == Role.NATIONAL:
        if scope:
            raise ValidationError(_("Le rôle national ne prend pas de périmètre."))
        return {}
    raise ValidationError(
        _("Rôle inconnu « %(role)s » : choisissez parmi %(roles)s.")
        % {"role": role, "roles": ", ".join(Role.values)}
    )


@transaction.atomic
def grant_role(
    *,
    email: str,
    role: str,
    scope: str | None = None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    actor: User | None = None,
    source: str = "grant",
) -> tuple[User, RoleAssignment, bool]:
    """Create the person if needed and give them a role; returns (user, assignment, created)."""
    target = _scope_for(role, scope)
    email = normalize_address(email)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=password, first_name=first_name, last_name=last_name
        )
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user,
        role=role,
        establishment=target.get("establishment"),
        ght=target.get("ght"),
        region=target.get("region"),
    )
    if created:
        record_role_change(actor=actor, assignment=assignment, change="granted", source=source)
    return user, assignment, created
