"""Service accounts and their tokens: issue, renew, revoke, check. Every change is audited."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import (
    SERVICE_TOKEN_PREFIX,
    ServiceAccount,
    ServiceToken,
    credentials_fingerprint,
    hash_token,
)
from audit.models import Action
from audit.services import home_region_code, record_event, record_role_change
from establishments.models import RoleAssignment, User
from establishments.roles import grant_role

DEFAULT_DAYS = 90
MAX_DAYS = 366
# Service accounts get an address of their own under a reserved domain that never receives mail.
SERVICE_EMAIL_DOMAIN = "service.invalid"


def service_email(name: str) -> str:
    return f"{name}@{SERVICE_EMAIL_DOMAIN}"


def _clean_name(name: str) -> str:
    cleaned = slugify(name or "")
    if not cleaned or cleaned != name or len(cleaned) > 64:
        raise ValidationError(
            _(
                "Nom de compte de service invalide « %(name)s » : lettres minuscules, chiffres et "
                "tirets seulement (64 caractères au plus), par exemple « outil-ars-84 »."
            )
            % {"name": name}
        )
    return cleaned


def _audit(action: str, *, token: ServiceToken, actor=None, request=None, **detail) -> None:
    account = token.account
    record_event(
        actor=actor,
        action=action,
        request=request,
        target=account.name,
        region=home_region_code(account.user),
        detail={
            "token": token.hint,
            "role": ", ".join(sorted(account.user.roles)),
            "write": account.can_write,
            "expires_at": token.expires_at.isoformat(),
            **detail,
        },
    )


@transaction.atomic
def issue_service_token(
    *,
    name: str,
    role: str,
    scope: str | None = None,
    days: int = DEFAULT_DAYS,
    can_write: bool = False,
    owner: User | None = None,
    actor: User | None = None,
    request=None,
) -> tuple[ServiceAccount, ServiceToken, str]:
    """Create or renew the service account `name` with exactly this role, and a new token.

    Renewing revokes the account's earlier tokens and replaces its role if it changed. Returns
    (account, token, key): the key is shown once and never stored.
    """
    name = _clean_name(name)
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(
            _("Durée de validité invalide : entre 1 et %(max)s jours.") % {"max": MAX_DAYS}
        )
    existing = ServiceAccount.objects.select_for_update().filter(name=name).first()
    email = service_email(name)
    if existing is None and User.objects.filter(email=email).exists():
        raise ValidationError(_("L'adresse %(email)s est déjà prise.") % {"email": email})
    user, assignment, _created = grant_role(
        email=email, role=role, scope=scope, actor=actor, source="service_token"
    )
    # A service account holds exactly the role it was last given.
    for other in RoleAssignment.objects.filter(user=user).exclude(pk=assignment.pk):
        record_role_change(actor=actor, assignment=other, change="revoked", source="service_token")
        other.delete()
    if not user.first_name:
        user.first_name = name
        user.last_name = str(_("compte de service"))
        user.save(update_fields=["first_name", "last_name"])
    user.__dict__.pop("assignments", None)
    user.__dict__.pop("roles", None)
    user.__dict__.pop("scope", None)
    if existing is None:
        account = ServiceAccount.objects.create(
            user=user, name=name, can_write=can_write, owner=owner
        )
    else:
        account = existing
        account.can_write = can_write
        if owner is not None:
            account.owner = owner
        account.save(update_fields=["can_write", "owner"])
    renewed = []
    for old in account.tokens.unrevoked():
        renewed.append(old.hint)
        revoke_token(old, reason=ServiceToken.RevokedBecause.RENEWED, actor=actor, request=request)
    key = SERVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ServiceToken(
        account=account,
        key_hash=hash_token(key),
        hint=key[: len(SERVICE_TOKEN_PREFIX) + 6],
        expires_at=timezone.now() + timedelta(days=days),
        created_by=actor,
    )
    token.credentials_fingerprint = credentials_fingerprint(token)
    token.save()
    _audit(
        Action.SERVICE_TOKEN_RENEWED if existing is not None else Action.SERVICE_TOKEN_CREATED,
        token=token,
        actor=actor,
        request=request,
        replaces=renewed,
    )
    return account, token, key


def revoke_token(token: ServiceToken, *, reason: str, actor=None, request=None) -> bool:
    """Revoke one token (audited); False when it was already revoked."""
    updated = ServiceToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )
    if not updated:
        return False
    token.refresh_from_db()
    _audit(Action.SERVICE_TOKEN_REVOKED, token=token, actor=actor, request=request, reason=reason)
    return True


def end_tokens_after_credentials_change(user: User) -> int:
    """The account's password changed or it was deactivated: its tokens end.

    Service tokens of the account, or owned by it, are revoked (the API already refuses them,
    see `ServiceToken.refusal`; this records it for the admin and the audit log); the account's
    personal token is deleted. Returns the number of service tokens revoked.
    """
    from rest_framework.authtoken.models import Token

    count = 0
    tokens = ServiceToken.objects.unrevoked().select_related("account__user", "account__owner")
    for token in tokens.filter(Q(account__user=user) | Q(account__owner=user)):
        refusal = token.refusal()
        if refusal is not None and refusal[0] != "expired":
            count += revoke_token(token, reason=refusal[0])
    Token.objects.filter(user=user).delete()
    return count


def find_service_token(key: str) -> ServiceToken | None:
    return (
        ServiceToken.objects.select_related("account__user", "account__owner")
        .filter(key_hash=hash_token(key))
        .first()
    )
