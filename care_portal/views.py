"""The home page (what each person should do next, by role), the accessibility statement and the
legal pages."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from care_portal.db_router import PIN_COOKIE
from establishments.models import Establishment
from followup.home import tasks_for


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "home.html",
        {
            "page_title": _("Accueil"),
            "tasks": tasks_for(user),
            "has_role": bool(user.assignments) or user.is_national,
            "establishment_count": Establishment.objects.for_user(user).count(),
        },
    )


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (déclaration d’accessibilité), public like the sign-in page."""
    return render(request, "accessibility.html", {"page_title": _("Déclaration d’accessibilité")})


def legal_facts() -> dict[str, str]:
    """The deployment's legal facts (setting CARE_LEGAL), each one or the placeholder saying the
    operator has to give it: never an invented one."""
    missing = _("à compléter par l’exploitant")
    return {key: value.strip() or missing for key, value in settings.CARE_LEGAL.items()} | {
        "missing": missing
    }


@login_not_required
def legal_notice(request: HttpRequest) -> HttpResponse:
    """« Mentions légales »: publisher, director of publication, host; public."""
    return render(
        request,
        "legal_notice.html",
        {"page_title": _("Mentions légales"), "legal": legal_facts()},
    )


@login_not_required
def personal_data(request: HttpRequest) -> HttpResponse:
    """« Données personnelles »: what the portal keeps on people, why, how long, who to ask."""
    return render(
        request,
        "personal_data.html",
        {
            "page_title": _("Données personnelles"),
            "legal": legal_facts(),
            "session_hours": settings.SESSION_COOKIE_AGE // 3600,
            "bulk_report_days": settings.CARE_BULK_REPORT_DAYS,
            "lock_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "session_cookie": settings.SESSION_COOKIE_NAME,
            "csrf_cookie": settings.CSRF_COOKIE_NAME,
            "pin_cookie": PIN_COOKIE,
            "messages_cookie": CookieStorage.cookie_name,
            "pin_seconds": settings.CARE_REPLICA_PIN_SECONDS,
        },
    )
