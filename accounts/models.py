"""Service accounts and their API tokens: what regional tools use instead of a person's token.

A service account is a user of its own (scoped like a person by its role assignments, never able
to sign in to the portal) with a name. Its tokens expire, are stored as a hash only, and stop
working when the account or its owner is deactivated or changes password.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Every service token starts with this, so the API tells it from a personal token at a glance.
SERVICE_TOKEN_PREFIX = "care_svc_"  # noqa: S105  (a prefix, not a secret)


def hash_token(key: str) -> str:
    """The stored form of a token: tokens are long random strings, so a plain SHA-256 suffices."""
    return hashlib.sha256(key.encode()).hexdigest()


class ServiceAccount(models.Model):
    """A named account for a program (a regional tool), not for a person."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="service_account",
        verbose_name=_("utilisateur"),
    )
    name = models.SlugField(_("nom"), max_length=64, unique=True)
    can_write = models.BooleanField(
        _("écriture autorisée"),
        default=False,
        help_text=_("Sans cette case, ses jetons ne font que lire (403 sur toute écriture)."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_service_accounts",
        verbose_name=_("responsable"),
        help_text=_(
            "La personne qui répond de ce compte : ses jetons s'arrêtent si elle change de mot "
            "de passe ou si son compte est désactivé."
        ),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("compte de service")
        verbose_name_plural = _("comptes de service")

    def __str__(self) -> str:
        return self.name


class ServiceTokenQuerySet(models.QuerySet):
    def unrevoked(self) -> ServiceTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ServiceToken(models.Model):
    """One API token of a service account. Only its hash is kept."""

    class RevokedBecause(models.TextChoices):
        RENEWED = "renewed", _("remplacé par un nouveau jeton")
        ADMIN = "admin", _("révoqué par un administrateur")
        PASSWORD = "password", _("mot de passe changé")
        DEACTIVATED = "deactivated", _("compte désactivé")

    account = models.ForeignKey(
        ServiceAccount,
        on_delete=models.CASCADE,
        related_name="tokens",
        verbose_name=_("compte de service"),
    )
    key_hash = models.CharField(_("empreinte du jeton"), max_length=64, unique=True)
    hint = models.CharField(
        _("début du jeton"), max_length=24, help_text=_("Pour reconnaître le jeton sans le garder.")
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    # Ties the token to the passwords of the account and its owner at issue time.
    credentials_fingerprint = models.CharField(max_length=64, editable=False)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("motif de révocation"), max_length=16, choices=RevokedBecause.choices, blank=True
    )

    objects = ServiceTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("jeton de service")
        verbose_name_plural = _("jetons de service")

    def __str__(self) -> str:
        return f"{self.account.name} — {self.hint}…"

    def refusal(self, now=None) -> tuple[str, str] | None:
        """Why this token no longer opens the API, as (reason, French message), or None."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return self.revoked_reason or "revoked", str(_("Jeton de service révoqué."))
        if self.expires_at <= now:
            return "expired", str(_("Jeton de service expiré : faites-le renouveler."))
        user = self.account.user
        owner = self.account.owner
        if not user.is_active or (owner is not None and not owner.is_active):
            return self.RevokedBecause.DEACTIVATED, str(
                _("Compte de service ou responsable désactivé : jeton révoqué.")
            )
        if not hmac.compare_digest(self.credentials_fingerprint, credentials_fingerprint(self)):
            return self.RevokedBecause.PASSWORD, str(
                _("Mot de passe changé depuis l'émission du jeton : jeton révoqué.")
            )
        return None

    @property
    def status_label(self) -> str:
        refusal = self.refusal()
        if refusal is None:
            return str(_("actif"))
        reason, _message = refusal
        if reason == "expired":
            return str(_("expiré"))
        labels = dict(self.RevokedBecause.choices)
        return str(_("révoqué (%(why)s)") % {"why": labels.get(reason, reason)})


def credentials_fingerprint(token: ServiceToken) -> str:
    """A keyed digest of the passwords of the service account and its owner, as they are now."""
    account = token.account
    owner_password = account.owner.password if account.owner is not None else ""
    message = f"{account.user_id}:{account.user.password}:{account.owner_id}:{owner_password}"
    return hmac.new(
        settings.SECRET_KEY.encode(), message.encode(), digestmod=hashlib.sha256
    ).hexdigest()
