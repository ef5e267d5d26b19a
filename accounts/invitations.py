"""An ARS agent invites a person of its region: the account is created (or found) with the
role, and the person is told by e-mail how to sign in.

The roles an ARS may give are those of its region's establishments and GHTs: RSSI or director
of an establishment of the region, lead of a GHT of the region; never ARS, national or
administration rights. A new account has no password: the person signs in through ProConnect or
Pro Santé Connect (linked by e-mail address), or sets a password through a one-time link (the
token of Django's password reset: it stops working once a password is set, and after
PASSWORD_RESET_TIMEOUT). Each role given is in the audit log (source "invitation").
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

import rules
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.oidc import configured_providers
from establishments.models import (
    GHT,
    Establishment,
    Region,
    Role,
    RoleAssignment,
    User,
    normalize_address,
)
from establishments.permissions import holds_role
from establishments.roles import grant_role

INVITABLE_ROLES = (Role.RSSI, Role.DIRECTOR, Role.GHT)


@rules.predicate
def is_ars_of_region(user, region) -> bool:
    return region is not None and holds_role(user, Role.ARS, region_id=region.pk)


rules.add_perm("accounts.invite_people", is_ars_of_region)


@dataclass
class Invitation:
    user: User
    assignment: RoleAssignment
    new_account: bool
    link_sent: bool


def _scope(region: Region, role: str, scope: str) -> str:
    """The role's scope identifier, checked to be of `region`."""
    scope = scope.strip().upper()
    if role in (Role.RSSI, Role.DIRECTOR):
        if not Establishment.objects.filter(finess=scope, region=region).exists():
            raise ValidationError(
                {
                    "scope": _(
                        "Aucun établissement de FINESS ET « %(scope)s » dans la région "
                        "%(region)s : indiquez le numéro FINESS ET (9 caractères) d’un "
                        "établissement de votre région."
                    )
                    % {"scope": scope, "region": region.name}
                }
            )
        return scope
    ght = GHT.objects.filter(code__iexact=scope, region=region).first()
    if ght is None:
        raise ValidationError(
            {
                "scope": _(
                    "Aucun GHT de code « %(scope)s » dans la région %(region)s : indiquez le "
                    "code d’un GHT de votre région."
                )
                % {"scope": scope, "region": region.name}
            }
        )
    return ght.code


def set_password_link(user: User) -> str:
    """The one-time link by which `user` chooses a password."""
    path = reverse(
        "accounts:set_password",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    return urljoin(settings.CARE_BASE_URL, path)


@transaction.atomic
def invite_person(
    *,
    actor: User,
    region: Region,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    scope: str,
) -> Invitation:
    """Give `role` on `scope` to the person at `email`, creating their account if needed.

    Raises ValidationError (per field, in French) when the actor may not, the role is not one an
    ARS gives, the scope is not of the region, the account is deactivated or already holds that
    role; nothing is written then.
    """
    if not rules.has_perm("accounts.invite_people", actor, region):
        raise ValidationError(_("Seule l’ARS de la région peut y inviter des personnes."))
    if role not in INVITABLE_ROLES:
        raise ValidationError(
            {"role": _("Une ARS peut donner les rôles RSSI, direction d’établissement ou "
                       "responsable de GHT, et aucun autre.")}
        )  # fmt: skip
    scope = _scope(region, role, scope)
    existing = User.objects.filter(email=normalize_address(email)).first()
    if existing is not None and not existing.is_active:
        raise ValidationError(
            {"email": _("Ce compte est désactivé : seul un administrateur peut le réactiver.")}
        )
    user, assignment, created = grant_role(
        email=email,
        role=role,
        scope=scope,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        actor=actor,
        source="invitation",
    )
    if not created:
        raise ValidationError(
            {"email": _("Cette personne a déjà ce rôle : aucune invitation n’est envoyée.")}
        )
    link_sent = not user.has_usable_password()
    context = {
        "user": user,
        "assignment": assignment,
        "actor": actor,
        "region": region,
        "link": set_password_link(user) if link_sent else "",
        "sign_in": urljoin(settings.CARE_BASE_URL, reverse("login")),
        "providers": [provider.name for provider in configured_providers()],
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    transaction.on_commit(
        lambda: send_mail(
            subject=_("Votre accès au portail CaRE : %(role)s")
            % {"role": assignment.get_role_display()},
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    )
    return Invitation(user, assignment, existing is None, link_sent)
