"""A dashboard's figures, rendered once for each state of what they show.

The figures of a dashboard page (key figures, targets, action plans, GHT-level targets, the
regions or the map, progress, distribution and breakdowns) are a function of a few inputs only:
the campaign summary's rows of the dashboard's scope, the action plans' counts, the GHT-level
counts, the referential version's targets and funding calls, the names of the regions,
departments and GHTs (and a GHT's support establishment), the day, the language, the page's
choices (campaign, compared target, map order, as resolved) and the code and templates that
draw them.
Every page reads those inputs — the cheap part — and keeps the rendered HTML in the cache under
a digest of them: while nothing changes, the rollups, charts and tables are not computed again;
any change to an input (a save in the scope, an agreed plan, a renamed GHT, the next day, a
deployment) gives another digest, so the page is never stale.

The establishment list between them is drawn from those inputs too, plus the page's own: its
filters, sort and page as asked, the list's length and the rows of the page as just read. It is
kept under a digest of all of them: the rows are read on every request (one query), and any
change to one of them (a score, a status, a name) gives another digest.

Before a campaign's summary is built, figures are counted live and rendered each time.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from dashboards.dashboard import Dashboard
from dashboards.maps import BY_VALUE, chosen_target_index

TOP = "dashboards/includes/figures_top.html"
BOTTOM = "dashboards/includes/figures_bottom.html"
# The templates the fragments are drawn with (those they include too).
TEMPLATES = (
    TOP,
    BOTTOM,
    "dashboards/includes/key_figures.html",
    "dashboards/includes/ght_targets.html",
    "dashboards/includes/targets.html",
    "dashboards/includes/plans.html",
    "dashboards/includes/ght_level_summary.html",
    "dashboards/includes/regions.html",
    "dashboards/includes/map.html",
    "dashboards/includes/map_body.html",
    "dashboards/includes/progress.html",
    "dashboards/includes/distribution.html",
    "dashboards/includes/breakdowns.html",
    "dashboards/includes/export_links.html",
    # The establishment list.
    "dashboards/includes/establishments.html",
    "followup/includes/dashboard_actions.html",
    "followup/includes/selection_form.html",
    "followup/includes/select_header.html",
    "includes/pagination.html",
)
LIST = "dashboards/includes/establishments.html"
# The code that computes and draws the figures: a deployment changing any gives new digests.
MODULES = (
    "dashboards",
    "actions/figures.py",
    "assessments/target_units.py",
    "assessments/scoring/model.py",
    "care_portal/charts.py",
    "care_portal/formats.py",
    "care_portal/template_formats.py",
    "establishments/geography.py",
    "establishments/map_grid.py",
    "establishments/models.py",
    "establishments/names.py",
    "establishments/templatetags",
    "followup/selection.py",
    "followup/templatetags",
    "referential/headlines.py",
    "referential/targets.py",
)
# Kept this long at most (a digest no longer asked for is simply left to expire).
TIMEOUT = 3600
# The page's parameters besides the list's filters; a list asked with any other is drawn but
# not kept (nobody fills the cache with made-up queries), nor one searched by name.
PAGE_PARAMS = frozenset({"campaign", "page", "compare", "order"})

logger = logging.getLogger(__name__)


def _kept(key: str):
    """What the cache holds under `key`, None when absent or the cache is unreachable (the
    page is then drawn afresh)."""
    try:
        return cache.get(key)
    except Exception:
        logger.warning("Shared cache unreachable: %s drawn afresh", key.partition(":")[0])
        return None


def _keep(key: str, value) -> None:
    try:
        cache.set(key, value, TIMEOUT)
    except Exception:
        logger.warning("Shared cache unreachable: %s not kept", key.partition(":")[0])


def _drawn(key: str | None, draw: Callable[[], Any]) -> Any:
    """What `draw()` gives, kept under `key` and found there again while the key is the
    same; None: drawn each time, not kept."""
    if key is not None and (found := _kept(key)) is not None:
        return found
    value = draw()
    if key is not None:
        _keep(key, value)
    return value


@dataclass(frozen=True)
class Fragments:
    top: SafeString
    bottom: SafeString
    # Establishments counted in the scope (the unfiltered list's length).
    total: int
    # The digest they are kept under; None when counted live (not kept).
    key: str | None = None


@functools.cache
def code_version() -> str:
    """A digest of the templates and code the fragments come from, as deployed."""
    digest = hashlib.blake2b(digest_size=16)
    # The framework draws parts too (form widgets, messages).
    digest.update(django.get_version().encode())
    for name in TEMPLATES:
        digest.update(Path(get_template(name).origin.name).read_bytes())  # type: ignore[attr-defined]
    root = Path(__file__).resolve().parent.parent
    for module in MODULES:
        path = root / module
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(source.read_bytes())
    return digest.hexdigest()


def state_key(request: HttpRequest, dashboard: Dashboard, extra: dict) -> str | None:
    """The digest of everything the figures of this page are drawn from; None when they are
    counted live (no summary built), hence not kept."""
    stored, campaign = dashboard.stored_rows, dashboard.campaign
    if stored is None or campaign is None:
        return None
    digest = hashlib.blake2b(digest_size=20)

    def feed(*parts) -> None:
        digest.update(repr(parts).encode())
        digest.update(b"\x00")

    feed(
        code_version(),
        dashboard.level,
        dashboard.region.code if dashboard.region else None,
        dashboard.ght.pk if dashboard.ght else None,
        campaign.pk,
        campaign.year,
        campaign.referential_id,
        str(dashboard.today),
        get_language(),
        # The page's choices as resolved (the list's filters, sort and page do not count).
        chosen_target_index(dashboard) if dashboard.targets else None,
        request.GET.get("order") == BY_VALUE,
        extra.get("export_url"),
    )
    digest.update("\x1e".join("\x1f".join(map(str, row)) for row in stored).encode())
    feed(dashboard.targets, dashboard.funding_sources)
    if dashboard.ght is not None:
        support = dashboard.ght.support_establishment
        feed(dashboard.ght.name, support.pk if support else None, support.name if support else None)
    feed(sorted(dashboard.plan_by_department_code.items()))
    feed(dashboard.unit_rows)
    feed([(r.code, r.name) for r in dashboard.regions])
    feed([(code, d.name, d.region_id) for code, d in dashboard.departments.items()])
    # The region's GHTs and those of members whose GHT lies elsewhere (the breakdown's rows).
    feed([(g.pk, g.code, g.name) for g in dashboard.ght_names.values()])
    # GHT-level requirements (version 1) and targets (version 2) as their tables show them.
    feed(
        dashboard.ght_unit_targets,
        [
            (
                r.code,
                r.label,
                r.care_action,
                r.national_target_share,
                r.national_target_population,
                r.deadline_label,
            )
            for r in dashboard.ght_requirements
        ],
    )
    feed(
        [
            (item.get("met"), item.get("total"), item.get("status"))
            for item in extra.get("ght_level_figures") or []
        ]
    )
    feed(
        [
            (str(item["status"]), getattr(item["assessment"], "pk", None))
            for item in extra.get("ght_targets") or []
        ]
    )
    return f"dashboard-figures:{digest.hexdigest()}"


def figures(
    request: HttpRequest, dashboard: Dashboard, extra: dict, context: Callable[[], dict]
) -> Fragments:
    """The page's figures, from the cache when their inputs are unchanged; `context` builds
    what the templates draw (called only when they must be drawn)."""
    key = state_key(request, dashboard, extra)

    def draw() -> tuple[str, str, int]:
        drawn = {**context(), **extra}
        # Drawn from their own context alone (no context processor: nothing of the person).
        return (
            render_to_string(TOP, drawn),
            render_to_string(BOTTOM, drawn),
            dashboard.total.total,
        )

    top, bottom, total = _drawn(key, draw)
    return Fragments(mark_safe(top), mark_safe(bottom), total, key)  # noqa: S308 - rendered here


def list_key(
    request: HttpRequest, figures_key: str | None, form, page, rows: list[dict]
) -> str | None:
    """The digest of everything the establishment list of this page is drawn from: the
    figures' inputs, the page's query (as asked: its links repeat it), the list's length, the
    page and its rows as read. None (drawn, not kept) when the figures are not kept, or the
    query holds a parameter the page does not know or a search by name."""
    query = request.GET
    if (
        figures_key is None
        or query.get("q")
        or any(name not in form.fields and name not in PAGE_PARAMS for name in query)
    ):
        return None
    digest = hashlib.blake2b(digest_size=20)
    digest.update(figures_key.encode())
    digest.update(repr(list(query.lists())).encode())
    digest.update(repr((page.number, page.paginator.count, rows)).encode())
    return f"dashboard-list:{digest.hexdigest()}"


def establishment_list(
    request: HttpRequest, figures_key: str | None, form, page, context: Callable[[], dict]
) -> SafeString:
    """The establishment list of the page (`page` holds its rows as read), from the cache
    while its inputs (see :func:`list_key`) are unchanged; `context` gives what the template
    draws."""
    key = list_key(request, figures_key, form, page, page.object_list)
    # Drawn from its own context alone: nothing of the person but the query they asked.
    drawn = _drawn(key, lambda: render_to_string(LIST, {**context(), "request": request}))
    return mark_safe(drawn)  # noqa: S308 - rendered here
