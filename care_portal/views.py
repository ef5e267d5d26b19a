"""The home page (what each person should do next, by role) and the accessibility statement."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from establishments.models import Establishment, Role


def _link(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _next_steps(user) -> list[dict]:
    """One card per thing to do, in the order the person should do them."""
    steps: list[dict] = []
    for assignment in user.assignments:
        if assignment.role == Role.RSSI:
            steps.append(
                {
                    "title": _("Remplir l’auto-évaluation CaRE"),
                    "text": _(
                        "Renseignez les réponses et les preuves de %(name)s, puis transmettez "
                        "l’auto-évaluation à votre direction."
                    )
                    % {"name": assignment.establishment.name},
                    "url": _link("assessments:mine")
                    or _link("establishments:detail", assignment.establishment.finess),
                }
            )
        elif assignment.role == Role.DIRECTOR:
            steps.append(
                {
                    "title": _("Valider l’auto-évaluation transmise"),
                    "text": _(
                        "Lisez le rapport d’écarts de %(name)s, téléchargez-le en PDF et validez "
                        "l’auto-évaluation ou renvoyez-la avec un commentaire."
                    )
                    % {"name": assignment.establishment.name},
                    "url": _link("assessments:mine")
                    or _link("establishments:detail", assignment.establishment.finess),
                }
            )
        elif assignment.role == Role.GHT:
            steps.append(
                {
                    "title": _("Suivre le GHT %(code)s") % {"code": assignment.ght.code},
                    "text": _(
                        "Renseignez les exigences portées au niveau du GHT (RSSI, pilotage, "
                        "domaine 1) et suivez l’avancement des établissements membres."
                    ),
                    "url": _link("dashboards:ght", assignment.ght.code)
                    or _link("establishments:list") + f"?ght={assignment.ght.code}",
                }
            )
        elif assignment.role == Role.ARS:
            steps.append(
                {
                    "title": _("Suivre la région %(name)s") % {"name": assignment.region.name},
                    "text": _(
                        "Consultez l’atteinte des cibles CaRE dans votre région, relancez les "
                        "établissements en retard et exportez les listes."
                    ),
                    "url": _link("dashboards:region", assignment.region_id)
                    or _link("establishments:list") + f"?region={assignment.region_id}",
                }
            )
    if user.is_national:
        steps.append(
            {
                "title": _("Suivre le programme au niveau national"),
                "text": _(
                    "Comparez les 18 régions au regard des cibles nationales, ouvrez les "
                    "campagnes et publiez les versions du référentiel."
                ),
                "url": _link("dashboards:national") or _link("establishments:list"),
            }
        )
    return steps


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "home.html",
        {
            "page_title": _("Accueil"),
            "steps": _next_steps(user),
            "establishment_count": Establishment.objects.for_user(user).count(),
        },
    )


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (déclaration d’accessibilité), public like the sign-in page."""
    return render(request, "accessibility.html", {"page_title": _("Déclaration d’accessibilité")})
