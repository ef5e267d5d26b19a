"""API authentication by token: service tokens, and personal tokens of accounts allowed to use one.

One class reads `Authorization: Token <key>` for both kinds, so a regional tool and a person send
the same header. Being the first authentication class, it also gives unauthenticated callers a
401 with `WWW-Authenticate: Token`.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from accounts.models import SERVICE_TOKEN_PREFIX, ServiceAccount
from accounts.service_tokens import find_service_token
from accounts.two_factor import confirmed_devices, must_pass_second_factor
from care_portal.precompiled import PrecompiledQuery

# Every API call by personal token reads it: its SQL is built once (care_portal.precompiled).
_PERSONAL_TOKEN = PrecompiledQuery(
    Token,
    lambda key: (
        Token.objects.select_related("user")
        .annotate(
            of_service_account=Exists(ServiceAccount.objects.filter(user_id=OuterRef("user_id"))),
            has_device=Exists(confirmed_devices(OuterRef("user_id"))),
        )
        .filter(key=key)
    ),
    key="",
)


class PersonalTokenRefused(exceptions.PermissionDenied):
    default_code = "personal_token_refused"


class APITokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        if key.startswith(SERVICE_TOKEN_PREFIX):
            return self._service_credentials(key)
        user, token = self._personal_credentials(key)
        if token.of_service_account:
            raise PersonalTokenRefused(
                _(
                    "Un compte de service n'utilise que ses jetons de service "
                    "(manage.py service_token) : ce jeton personnel est refusé."
                )
            )
        if must_pass_second_factor(user, has_device=token.has_device):
            raise PersonalTokenRefused(
                _(
                    "Jeton personnel refusé : ce compte utilise la double authentification, "
                    "qu'un jeton permanent contournerait. Utilisez le portail, ou demandez à "
                    "l'administrateur un jeton de service à durée limitée pour votre outil."
                )
            )
        return user, token

    def _personal_credentials(self, key):
        """The token and its person, whether the account is a service account's and whether it
        has a confirmed device, in one query; refused as ``TokenAuthentication`` refuses, with
        its (translated) messages."""
        found = _PERSONAL_TOKEN.instances(key=key)
        if not found:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        (token,) = found
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token

    def _service_credentials(self, key):
        token = find_service_token(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Jeton de service inconnu."))
        refusal = token.refusal()
        if refusal is not None:
            raise exceptions.AuthenticationFailed(refusal[1])
        return token.account.user, token
