"""Second-factor pages: verification at sign-in, enrolment, recovery codes, account security."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login

from accounts.forms import CodeForm, IdentityForm
from accounts.middleware import passed_second_factor
from accounts.two_factor import (
    confirm_enrolment,
    confirm_identity,
    disable_two_factor,
    has_two_factor,
    locked_until,
    manual_key,
    pending_device,
    qr_code_svg,
    recently_authenticated,
    recovery_codes_left,
    regenerate_recovery_codes,
    requires_two_factor,
    verify_code,
)
from audit.models import Action
from audit.services import record_sign_in_event


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


WRONG_IDENTITY = gettext_lazy("Mot de passe ou code incorrect : rien n’a été modifié.")


def _identity_form(request: HttpRequest) -> IdentityForm | None:
    """The re-authentication a change to the second factor needs, or None if recent enough."""
    if recently_authenticated(request):
        return None
    return IdentityForm(
        request.POST if request.method == "POST" else None,
        has_device=has_two_factor(request.user),
    )


def _identity_confirmed(request: HttpRequest, identity: IdentityForm | None) -> bool:
    """Whether the change may go ahead; a wrong password or code is added to the form."""
    if identity is None:
        return True
    if not identity.is_valid():
        return False
    if confirm_identity(request, identity.cleaned_data["confirmation"]):
        return True
    identity.add_error("confirmation", WRONG_IDENTITY)
    return False


def _lock_message(until) -> str:
    return _("Trop de codes erronés : réessayez après %(time)s.") % {
        "time": time_format(timezone.localtime(until), "H:i:s")
    }


def verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in: a code from the application, or a recovery code."""
    user = request.user
    next_url = _next_url(request)
    if passed_second_factor(request):
        return redirect(next_url)
    if not has_two_factor(user):
        return redirect(f"{reverse('accounts:setup')}?{urlencode({'next': next_url})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        until = locked_until(user)
        if until is not None and until > timezone.now():
            form.add_error("code", _lock_message(until))
        else:
            device = verify_code(user=user, token=form.cleaned_data["code"])
            if device is not None:
                otp_login(request, device)
                return redirect(next_url)
            record_sign_in_event(user=user, action=Action.TWO_FACTOR_FAILED, request=request)
            form.add_error("code", _("Code incorrect ou expiré : saisissez le code affiché."))
    return render(
        request,
        "accounts/verify.html",
        {"page_title": _("Vérification en deux étapes"), "form": form, "next": next_url},
    )


def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator application: QR code or manual key, then a first code.

    Replacing a device, or enrolling long after signing in, also takes the password or a current
    code (`RECENT_AUTHENTICATION`).
    """
    user = request.user
    next_url = _next_url(request)
    if has_two_factor(user) and not passed_second_factor(request):
        return redirect(f"{reverse('accounts:verify')}?{urlencode({'next': next_url})}")
    device = pending_device(user)
    form = CodeForm(request.POST or None)
    identity = _identity_form(request)
    valid = request.method == "POST" and all(
        [form.is_valid(), identity is None or identity.is_valid()]
    )
    # Who is asking is settled first: a wrong password leaves the new code unused.
    if valid and _identity_confirmed(request, identity):
        identity = None
        codes = confirm_enrolment(user=user, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            record_sign_in_event(user=user, action=Action.TWO_FACTOR_ENABLED, request=request)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"page_title": _("Codes de secours"), "codes": codes, "next": next_url},
            )
        form.add_error(
            "code",
            _(
                "Code incorrect : vérifiez l’heure de votre téléphone et saisissez le code "
                "à six chiffres affiché pour le portail CaRE."
            ),
        )
    return render(
        request,
        "accounts/setup.html",
        {
            "page_title": _("Activer la double authentification"),
            "form": form,
            "identity": identity,
            "replacing": has_two_factor(user),
            "next": next_url,
            "required": requires_two_factor(user),
            "qr_svg": qr_code_svg(device, title=_("QR code à scanner avec votre application")),
            "manual_key": manual_key(device),
        },
    )


def security(request: HttpRequest) -> HttpResponse:
    """Sécurité du compte: whether a second factor is on, and what to do about it."""
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "page_title": _("Sécurité du compte"),
            "enabled": has_two_factor(user),
            "required": requires_two_factor(user),
            "codes_left": recovery_codes_left(user),
            "session_hours": settings.SESSION_COOKIE_AGE // 3600,
            "form": CodeForm(),
            "identity": _identity_form(request),
        },
    )


def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once; the password or a current code confirms, unless recent."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = request.user
    if not has_two_factor(user):
        return redirect("accounts:security")
    identity = _identity_form(request)
    if not _identity_confirmed(request, identity):
        for error in identity.errors["confirmation"]:
            messages.error(request, error)
        return redirect("accounts:security")
    codes = regenerate_recovery_codes(user=user)
    record_sign_in_event(user=user, action=Action.RECOVERY_CODES, request=request)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"page_title": _("Codes de secours"), "codes": codes, "next": reverse("accounts:security")},
    )


def disable(request: HttpRequest) -> HttpResponse:
    """Turn the second factor off, for people who chose it; a current code confirms."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = request.user
    if requires_two_factor(user):
        messages.error(request, _("La double authentification est obligatoire pour votre rôle."))
        return redirect("accounts:security")
    form = CodeForm(request.POST)
    if form.is_valid() and verify_code(user=user, token=form.cleaned_data["code"]):
        disable_two_factor(user=user)
        record_sign_in_event(user=user, action=Action.TWO_FACTOR_DISABLED, request=request)
        messages.success(request, _("La double authentification est désactivée."))
    else:
        messages.error(request, _("Code incorrect : la double authentification reste activée."))
    return redirect("accounts:security")
