"""Sign-in throttling (django-axes): whose attempts count together, and the French lockout page."""

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from audit.request_info import client_ip


def attempted_username(request, credentials) -> str:
    """Attempts count per account whatever the case or spaces typed (e-mail addresses)."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username")
    return str(raw or "").strip().lower()


def attempt_ip(request) -> str:
    return client_ip(request) or ""


def lockout_response(request, original_response=None, credentials=None):
    cooloff = settings.AXES_COOLOFF_TIME
    return render(
        request,
        "accounts/lockout.html",
        {
            "page_title": _("Connexion bloquée"),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(cooloff.total_seconds() // 60),
        },
        status=429,
    )
