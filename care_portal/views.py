"""The home page (what each person should do next, by role) and the accessibility statement."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

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
