"""Second factor and session lifetime, enforced on every request."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.oidc import PROVIDER_SECOND_FACTOR_SESSION_KEY
from accounts.two_factor import has_two_factor, requires_two_factor

SIGNED_IN_AT_SESSION_KEY = "care_signed_in_at"

# Pages a signed-in person reaches before the second factor: the two-factor steps and sign-out.
_OPEN_URL_NAMES = ["login", "logout", "accounts:verify", "accounts:setup"]


def passed_second_factor(request) -> bool:
    """Whether this session passed the second factor, read from the session alone.

    Either a code of the person's own device (only `django_otp.login` writes its key), or a
    sign-in through an identity provider whose ID token says two factors were used
    (`Provider.is_second_factor`, written by the provider callback only). Sessions live on the
    server, so no query is needed on every request. To cut off a session after a device is
    lost, change the person's password: every session of theirs ends.
    """
    return (
        DEVICE_ID_SESSION_KEY in request.session
        or request.session.get(PROVIDER_SECOND_FACTOR_SESSION_KEY) is True
    )


def awaits_second_factor(request) -> bool:
    """Whether this signed-in session must still pass the second factor (type a code of the
    person's device, or enrol one when their role requires it) before the portal opens."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or passed_second_factor(request):
        return False
    return has_two_factor(user) or requires_two_factor(user)


class SessionLifetimeMiddleware:
    """Sign people out a fixed time after they signed in, however active they have been since.

    Django's own expiry slides with every change to the session; this one does not.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT_SESSION_KEY)
            if started is None:
                request.session[SIGNED_IN_AT_SESSION_KEY] = time.time()
            elif time.time() - started > settings.SESSION_COOKIE_AGE:
                logout(request)
                if request.path_info.startswith("/api/"):
                    response = JsonResponse({"detail": _("Votre session a expiré.")}, status=401)
                    response["WWW-Authenticate"] = "Token"
                    return response
                messages.info(request, _("Votre session a expiré : connectez-vous à nouveau."))
                return redirect(
                    f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
                )
        return self.get_response(request)


class TwoFactorMiddleware:
    """Nothing but the two-factor steps until a person with a second factor has used it.

    People who must use a second factor (ARS, national, administration) and have none yet are
    sent to enrol; people who have one (required or chosen) are sent to type a code.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not awaits_second_factor(request):
            return self.get_response(request)
        request_path = request.path_info
        if request_path in {reverse(name) for name in _OPEN_URL_NAMES}:
            return self.get_response(request)
        target = "accounts:verify" if has_two_factor(request.user) else "accounts:setup"
        if request_path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Double authentification requise : connectez-vous sur le portail.")},
                status=403,
            )
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
