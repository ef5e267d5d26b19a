"""Template context shared by every page: the navigation of the signed-in person's role."""

import functools

import rules
from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext as _

from accounts.middleware import awaits_second_factor
from establishments.models import Role
from followup.models import Notification


@functools.lru_cache(maxsize=1024)
def _reversed(urlconf, prefix: str, name: str, args: tuple) -> str | None:
    """The URL of `name` for `args` in `urlconf` under the script prefix `prefix` (the URLs do
    not change while the process runs: each is worked out once)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _url(name: str, *args) -> str | None:
    return _reversed(
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
        name,
        tuple(str(arg) for arg in args),
    )


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if awaits_second_factor(request):
        # Nothing of the portal before the code is given: only signing out.
        return {"nav_items": [], "second_factor_pending": True}
    items = [(_("Accueil"), _url("home"))]
    if user.scope.establishment_ids:
        items.append((_("Mes auto-évaluations"), _url("assessments:mine")))
    if rules.has_perm("dashboards.view_national", user):
        items.append((_("Tableau de bord national"), _url("dashboards:national")))
    for assignment in user.assignments:
        if assignment.role == Role.ARS:
            items.append(
                (_("Tableau de bord régional"), _url("dashboards:region", assignment.region_id))
            )
            items.append((_("Inviter une personne"), _url("accounts:invite", assignment.region_id)))
        elif assignment.role == Role.GHT:
            items.append((_("Tableau de bord du GHT"), _url("dashboards:ght", assignment.ght.code)))
    items.append((_("Établissements"), _url("establishments:list")))
    items.append((_("Référentiel"), _url("referential:index")))
    if rules.has_perm("audit.view_log", user):
        items.append((_("Journal d'audit"), _url("audit:list")))
    if user.is_staff:
        items.append((_("Administration"), _url("admin:index")))
    current = request.path
    counted: list[int] = []

    def unread_notifications() -> int:
        """Counted once, when the header first shows it (it is shown twice: desktop, phone)."""
        if not counted:
            counted.append(Notification.unread_count(user.pk))
        return counted[0]

    return {
        "unread_notifications": unread_notifications,
        "nav_items": [
            {
                "label": label,
                "url": url,
                "active": url == current or (url != "/" and current.startswith(url)),
            }
            for label, url in items
            if url
        ],
    }
