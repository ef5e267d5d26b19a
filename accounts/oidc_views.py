"""Sign-in page, sign-out, and the OpenID Connect round trip with an identity provider."""

from __future__ import annotations

from urllib.parse import urlencode

import requests
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare, get_random_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from mozilla_django_oidc.utils import (
    add_state_and_verifier_and_nonce_to_session,
    generate_code_challenge,
)

from accounts.forms import SignInForm
from accounts.oidc import (
    ID_TOKEN_SESSION_KEY,
    LOGOUT_STATE_SESSION_KEY,
    NONCE_LENGTH,
    PROVIDER_SECOND_FACTOR_SESSION_KEY,
    PROVIDER_SESSION_KEY,
    STATE_LENGTH,
    Provider,
    ProviderBackend,
    SignInRefused,
    configured_providers,
    get_provider,
)
from audit.services import record_sign_in_failure

NEXT_SESSION_KEY = "care_oidc_next"
# The session opened after a provider sign-in is kept by Django's own backend (it loads the
# person by id, refusing inactive accounts), as after a password sign-in.
SESSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


class SignInView(auth_views.LoginView):
    """E-mail and password, and a button per configured identity provider."""

    authentication_form = SignInForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["identity_providers"] = configured_providers()
        return context


class SignOutView(auth_views.LogoutView):
    """Sign out of the portal, then of the identity provider the person signed in with."""

    def post(self, request, *args, **kwargs):
        provider = get_provider(request.session.get(PROVIDER_SESSION_KEY) or "")
        id_token = request.session.get(ID_TOKEN_SESSION_KEY)
        response = super().post(request, *args, **kwargs)
        if provider is None or not id_token:
            return response
        state = get_random_string(STATE_LENGTH)
        try:
            url = provider.end_session_url(
                id_token=id_token,
                post_logout_redirect_uri=request.build_absolute_uri(
                    reverse("accounts:oidc_logged_out", args=[provider.slug])
                ),
                state=state,
            )
        except (requests.RequestException, SuspiciousOperation, ValueError):
            url = None
        if url is None:
            return response
        request.session[LOGOUT_STATE_SESSION_KEY] = state
        return HttpResponseRedirect(url)


def _provider_or_404(slug: str) -> Provider:
    provider = get_provider(slug)
    if provider is None:
        raise Http404(_("Ce fournisseur d’identité n’est pas configuré sur ce portail."))
    return provider


def _back_to_sign_in(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("login")


def _safe_next(request: HttpRequest) -> str:
    candidate = request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@login_not_required
@require_GET
def oidc_login(request: HttpRequest, provider: str) -> HttpResponse:
    """Send the browser to the provider, with a fresh state, nonce and PKCE challenge."""
    config = _provider_or_404(provider)
    try:
        endpoint = config.metadata()["authorization_endpoint"]
    except (requests.RequestException, SuspiciousOperation, ValueError):
        return _back_to_sign_in(
            request,
            _("%(provider)s ne répond pas : réessayez plus tard ou utilisez votre mot de passe.")
            % {"provider": config.name},
        )
    state = get_random_string(STATE_LENGTH)
    nonce = get_random_string(NONCE_LENGTH)
    code_verifier = get_random_string(64)
    params = {
        "response_type": "code",
        "scope": config.scopes,
        "client_id": config.client_id,
        "redirect_uri": request.build_absolute_uri(
            reverse("accounts:oidc_callback", args=[config.slug])
        ),
        "state": state,
        "nonce": nonce,
        "code_challenge": generate_code_challenge(code_verifier, "S256"),
        "code_challenge_method": "S256",
        **config.authorization_params(),
    }
    add_state_and_verifier_and_nonce_to_session(request, state, params, code_verifier)
    states = request.session["oidc_states"]
    states[state]["provider"] = config.slug
    request.session["oidc_states"] = states
    request.session[NEXT_SESSION_KEY] = _safe_next(request)
    return HttpResponseRedirect(f"{endpoint}?{urlencode(params)}")


def _refused(request: HttpRequest, provider: Provider, refusal: SignInRefused) -> HttpResponse:
    record_sign_in_failure(
        address=refusal.email or "",
        request=request,
        detail={"provider": provider.slug, "reason": refusal.reason}
        | ({"unknown_account": True} if refusal.reason == "unknown_account" else {}),
    )
    return _back_to_sign_in(request, refusal.message)


@login_not_required
@require_GET
def oidc_callback(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider sends the browser back here with a code: check it and open the session."""
    config = _provider_or_404(provider)
    state = request.GET.get("state", "")
    states = request.session.get("oidc_states") or {}
    pending = states.pop(state, None) if state else None
    request.session["oidc_states"] = states
    if request.GET.get("error"):
        return _back_to_sign_in(
            request,
            _("La connexion avec %(provider)s a été interrompue : rien n’a été ouvert.")
            % {"provider": config.name},
        )
    if pending is None or pending.get("provider") != config.slug:
        return _refused(
            request,
            config,
            SignInRefused(
                _(
                    "Cette réponse de %(provider)s ne correspond à aucune connexion en cours "
                    "(lien déjà utilisé ou expiré) : recommencez depuis la page de connexion."
                )
                % {"provider": config.name},
                reason="state",
            ),
        )
    code = request.GET.get("code", "")
    try:
        if not code:
            raise SignInRefused(
                _("%(provider)s n’a pas transmis de code de connexion : recommencez.")
                % {"provider": config.name},
                reason="no_code",
            )
        backend = ProviderBackend(config)
        signed_in = backend.sign_in(
            request,
            code=code,
            nonce=pending["nonce"],
            code_verifier=pending.get("code_verifier"),
            redirect_uri=request.build_absolute_uri(
                reverse("accounts:oidc_callback", args=[config.slug])
            ),
        )
    except SignInRefused as refusal:
        return _refused(request, config, refusal)
    except (requests.RequestException, SuspiciousOperation, ValueError, KeyError) as exc:
        return _refused(
            request,
            config,
            SignInRefused(
                _(
                    "%(provider)s ne répond pas : réessayez plus tard ou utilisez votre mot de passe."
                )
                % {"provider": config.name},
                reason=f"{type(exc).__name__}: {exc}"[:200],
            ),
        )
    second_factor = config.is_second_factor(signed_in.id_claims)
    next_url = request.session.get(NEXT_SESSION_KEY) or reverse("home")
    # Read by the audit log's sign-in record.
    request.care_sign_in_detail = {  # type: ignore[attr-defined]
        "provider": config.slug,
        "acr": signed_in.acr,
        "amr": signed_in.amr,
        "second_factor": second_factor,
    }
    login(request, signed_in.user, backend=SESSION_BACKEND)
    request.session[PROVIDER_SESSION_KEY] = config.slug
    request.session[ID_TOKEN_SESSION_KEY] = signed_in.id_token
    request.session[PROVIDER_SECOND_FACTOR_SESSION_KEY] = second_factor
    return redirect(next_url)


@login_not_required
@require_GET
def oidc_logged_out(request: HttpRequest, provider: str) -> HttpResponse:
    """Where the provider sends the browser back after its own sign-out."""
    config = _provider_or_404(provider)
    expected = request.session.pop(LOGOUT_STATE_SESSION_KEY, "")
    if expected and constant_time_compare(expected, request.GET.get("state", "")):
        messages.success(
            request,
            _("Vous êtes déconnecté du portail CaRE et de %(provider)s.")
            % {"provider": config.name},
        )
    return redirect("login")
