"""Sign-in through OpenID Connect identity providers: ProConnect and Pro Santé Connect.

The protocol is mozilla-django-oidc's: its backend exchanges the code for tokens, checks the ID
token's signature against the provider's published keys (JWKS) and its nonce, and reads the
userinfo, verifying it too when the provider signs it (`application/jwt`). The library reads one
provider from the settings; `ProviderBackend` gives it one provider's configuration instead, so
each provider keeps its own endpoints, client and keys.

Who gets in is decided here, not by the provider: only an existing, active account whose e-mail
address (normalised with `normalize_address`, the one rule) is the one the provider vouches for.
Nobody is created.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from establishments.models import User, normalize_address

StrOrPromise = str | Promise

# Every request to a provider gives up after this long (seconds).
HTTP_TIMEOUT = 10
# How long a provider's discovery document is reused before it is read again (seconds).
DISCOVERY_CACHE_SECONDS = 3600
# ProConnect's requirement, and the library's default: state and nonce of 32 characters or more.
STATE_LENGTH = 32
NONCE_LENGTH = 32
PROCONNECT_DISCOVERY_PATH = "/api/v2/.well-known/openid-configuration"

# Session keys: which provider signed the person in, the ID token to hand back at sign-out, and
# whether that sign-in counts as the second factor.
PROVIDER_SESSION_KEY = "care_oidc_provider"
ID_TOKEN_SESSION_KEY = "care_oidc_id_token"  # noqa: S105 - a session key, not a secret
PROVIDER_SECOND_FACTOR_SESSION_KEY = "care_oidc_second_factor"
LOGOUT_STATE_SESSION_KEY = "care_oidc_logout_state"


@dataclass(frozen=True)
class Preset:
    """What the portal knows of a provider beyond what the environment sets."""

    name: str
    about_url: str
    about_label: StrOrPromise
    scopes: str
    acr_values: str
    two_factor_acr: str
    two_factor_amr: str
    userinfo_signed: bool
    request_amr: bool
    discovery_path: str = ""


PRESETS = {
    # ProConnect (DINUM): acr eidas1 is one factor, eidas2/eidas3 two (substantial/high); the amr
    # claim, when asked for, lists "mfa" after a second factor.
    "proconnect": Preset(
        name="ProConnect",
        about_url="https://www.proconnect.gouv.fr/",
        about_label=_("Qu’est-ce que ProConnect ?"),
        scopes="openid email given_name usual_name uid siret",
        acr_values="",
        two_factor_acr="eidas2 eidas3",
        two_factor_amr="mfa",
        userinfo_signed=True,
        request_amr=True,
        discovery_path=PROCONNECT_DISCOVERY_PATH,
    ),
    # Pro Santé Connect (ANS): people authenticate with a CPS card or the e-CPS application, both
    # two factors (eIDAS substantial), which the provider reports as acr eidas1.
    "prosanteconnect": Preset(
        name="Pro Santé Connect",
        about_url="https://industriels.esante.gouv.fr/produits-et-services/pro-sante-connect",
        about_label=_("Qu’est-ce que Pro Santé Connect ?"),
        scopes="openid scope_all",
        acr_values="eidas1",
        two_factor_acr="eidas1",
        two_factor_amr="",
        userinfo_signed=False,
        request_amr=False,
    ),
}


@dataclass(frozen=True)
class Provider:
    slug: str
    name: str
    about_url: str
    about_label: str
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str
    acr_values: str
    two_factor_acr: frozenset[str]
    two_factor_amr: frozenset[str]
    userinfo_signed: bool
    request_amr: bool
    sign_algo: str = "RS256"
    extra: dict = field(default_factory=dict)

    def metadata(self) -> dict:
        """The provider's discovery document (its endpoints), read once an hour."""
        key = f"care-oidc-discovery:{self.discovery_url}"
        document = cache.get(key)
        if document is None:
            response = requests.get(self.discovery_url, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
            document = response.json()
            missing = {"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"} - set(
                document
            )
            if missing:
                raise SuspiciousOperation(f"discovery document without {sorted(missing)}")
            cache.set(key, document, DISCOVERY_CACHE_SECONDS)
        return document

    def authorization_params(self) -> dict:
        """What the authorisation request asks for besides the protocol's own parameters."""
        params = {}
        if self.acr_values:
            params["acr_values"] = self.acr_values
        if self.request_amr:
            params["claims"] = json.dumps(
                {"id_token": {"amr": {"essential": True}, "acr": {"essential": True}}}
            )
        return params

    def is_second_factor(self, id_claims: dict) -> bool:
        """Whether the ID token says the person used two factors (its acr or amr)."""
        acr = id_claims.get("acr")
        amr = id_claims.get("amr") or []
        if isinstance(amr, str):
            amr = amr.split()
        return (isinstance(acr, str) and acr in self.two_factor_acr) or bool(
            self.two_factor_amr & {value for value in amr if isinstance(value, str)}
        )

    def end_session_url(self, *, id_token: str, post_logout_redirect_uri: str, state: str):
        """Where to send the browser so the provider ends its session too, or None."""
        endpoint = self.metadata().get("end_session_endpoint")
        if not endpoint:
            return None
        query = urlencode(
            {
                "id_token_hint": id_token,
                "state": state,
                "post_logout_redirect_uri": post_logout_redirect_uri,
            }
        )
        return f"{endpoint}?{query}"


def _words(value: str) -> frozenset[str]:
    return frozenset(value.replace(",", " ").split())


def get_provider(slug: str) -> Provider | None:
    """The provider configured under `slug` (CARE_OIDC_PROVIDERS), or None."""
    config = getattr(settings, "CARE_OIDC_PROVIDERS", {}).get(slug)
    preset = PRESETS.get(slug)
    if not config or preset is None or not config.get("client_id"):
        return None
    discovery_url = config.get("discovery_url", "")
    if preset.discovery_path and not discovery_url.rstrip("/").endswith(preset.discovery_path):
        raise ImproperlyConfigured(
            f"The {preset.name} discovery URL must end with {preset.discovery_path}."
        )
    return Provider(
        slug=slug,
        name=preset.name,
        about_url=preset.about_url,
        about_label=str(preset.about_label),
        discovery_url=discovery_url,
        client_id=config["client_id"],
        client_secret=config.get("client_secret", ""),
        scopes=config.get("scopes", preset.scopes),
        acr_values=config.get("acr_values", preset.acr_values),
        two_factor_acr=_words(config.get("two_factor_acr", preset.two_factor_acr)),
        two_factor_amr=_words(config.get("two_factor_amr", preset.two_factor_amr)),
        userinfo_signed=preset.userinfo_signed,
        request_amr=preset.request_amr,
        sign_algo=config.get("sign_algo", "RS256"),
    )


def configured_providers() -> list[Provider]:
    """The providers offered on the sign-in page, in a fixed order."""
    return [provider for slug in PRESETS if (provider := get_provider(slug)) is not None]


class SignInRefused(Exception):
    """A provider sign-in that does not open a session; `message` is shown to the person."""

    def __init__(self, message: str, *, reason: str, email: str = ""):
        super().__init__(message)
        self.message = message
        self.reason = reason
        self.email = email


@dataclass(frozen=True)
class ProviderSignIn:
    """A person the provider vouched for, and how they authenticated there."""

    user: User
    id_token: str
    id_claims: dict
    userinfo: dict

    @property
    def acr(self) -> str:
        return str(self.id_claims.get("acr") or "")

    @property
    def amr(self) -> list[str]:
        amr = self.id_claims.get("amr") or []
        return amr.split() if isinstance(amr, str) else [str(value) for value in amr]


class ProviderBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend bound to one provider instead of the global settings.

    It is not listed in AUTHENTICATION_BACKENDS: the callback view calls `sign_in` itself, and
    the session it opens is then kept by Django's model backend like any other.
    """

    def __init__(self, provider: Provider):
        self.provider = provider
        metadata = provider.metadata()
        self.issuer = metadata["issuer"]
        self.OIDC_OP_TOKEN_ENDPOINT = metadata["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = metadata.get("userinfo_endpoint", "")
        self.OIDC_OP_JWKS_ENDPOINT = metadata["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = provider.sign_algo
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = User

    def get_settings(self, attr, *args):
        """The library's settings, answered for this provider."""
        own = {
            "OIDC_TIMEOUT": HTTP_TIMEOUT,
            "OIDC_VERIFY_SSL": True,
            "OIDC_USE_NONCE": True,
            "OIDC_CREATE_USER": False,
            "OIDC_RP_SCOPES": self.provider.scopes,
            "OIDC_STORE_ID_TOKEN": False,
            "OIDC_STORE_ACCESS_TOKEN": False,
            "OIDC_ALLOW_UNSECURED_JWT": False,
            "OIDC_VERIFY_KID": True,
            "OIDC_TOKEN_USE_BASIC_AUTH": False,
        }
        if attr in own:
            return own[attr]
        return super().get_settings(attr, *args)

    def _check_issued_for_us(self, claims: dict, *, what: str) -> None:
        if claims.get("iss") != self.issuer:
            raise SuspiciousOperation(f"{what}: unexpected issuer")
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.provider.client_id not in audiences:
            raise SuspiciousOperation(f"{what}: not issued for this client")

    def get_userinfo(self, access_token, id_token, payload):
        response = requests.get(
            self.OIDC_OP_USER_ENDPOINT,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=HTTP_TIMEOUT,
        )
        response.raise_for_status()
        signed = response.headers.get("content-type", "").lower().startswith("application/jwt")
        if self.provider.userinfo_signed and not signed:
            raise SuspiciousOperation("userinfo not signed")
        claims = self.verify_token(response.text) if signed else response.json()
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo for another subject")
        return claims

    def sign_in(
        self, request, *, code: str, nonce: str, code_verifier: str | None, redirect_uri: str
    ) -> ProviderSignIn:
        """Exchange the code and return who signed in; raises `SignInRefused` otherwise."""
        name = self.provider.name
        try:
            token_payload = {
                "client_id": self.OIDC_RP_CLIENT_ID,
                "client_secret": self.OIDC_RP_CLIENT_SECRET,
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
            }
            if code_verifier:
                token_payload["code_verifier"] = code_verifier
            tokens = self.get_token(token_payload)
            id_token = tokens.get("id_token") or ""
            id_claims = self.verify_token(id_token, nonce=nonce)
            self._check_issued_for_us(id_claims, what="ID token")
            userinfo = self.get_userinfo(tokens.get("access_token"), id_token, id_claims)
        except (requests.RequestException, SuspiciousOperation, jwt.PyJWTError, ValueError) as exc:
            raise SignInRefused(
                _(
                    "La connexion avec %(provider)s n’a pas pu être vérifiée : rien n’a été "
                    "ouvert. Réessayez ; si cela se reproduit, connectez-vous avec votre mot de "
                    "passe."
                )
                % {"provider": name},
                reason=f"{type(exc).__name__}: {exc}"[:200],
            ) from exc
        email = userinfo.get("email")
        if not isinstance(email, str) or not email.strip():
            raise SignInRefused(
                _(
                    "%(provider)s n’a pas transmis d’adresse électronique : le portail ne peut "
                    "pas retrouver votre compte."
                )
                % {"provider": name},
                reason="no_email",
            )
        email = normalize_address(email)[:254]
        user = User.objects.filter(email=email, is_active=True).first()
        if user is None:
            raise SignInRefused(
                _(
                    "Aucun compte du portail CaRE n’est ouvert à l’adresse %(email)s. Un compte "
                    "est créé par votre ARS ou par l’équipe nationale : demandez-leur de vous "
                    "inviter, puis connectez-vous de nouveau avec %(provider)s."
                )
                % {"email": email, "provider": name},
                reason="unknown_account",
                email=email,
            )
        siret = userinfo.get("siret")
        siret = siret.replace(" ", "") if isinstance(siret, str) else ""
        if (
            len(siret) == 14
            and siret.isascii()
            and siret.isdigit()
            and siret != user.provider_siret
        ):
            user.provider_siret = siret
            user.save(update_fields=["provider_siret"])
        return ProviderSignIn(user=user, id_token=id_token, id_claims=id_claims, userinfo=userinfo)
