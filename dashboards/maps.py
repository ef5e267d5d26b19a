"""The dashboards' maps: the regions (national dashboard) or a region's departments (regional
dashboard) coloured by the share meeting one headline target, with the same values as text."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from care_portal import charts
from care_portal.formats import format_percent
from dashboards.dashboard import NATIONAL, REGION, Dashboard
from dashboards.figures import Figures
from dashboards.targets import STATUS_BADGES, STATUS_LABELS
from establishments.geography import department_display_code
from establishments.map_grid import REGION_CELLS, REGION_SHORT_NAMES, department_cells
from referential.targets import HeadlineTarget

BY_NAME = "name"
BY_VALUE = "value"


@dataclass(frozen=True)
class MapRow:
    """One area's line in the list beside the map."""

    label: str
    url: str | None
    share: float | None
    share_text: str
    status_label: str
    badge: str


@dataclass(frozen=True)
class DashboardMap:
    target: HeadlineTarget
    target_index: int
    chart: SafeString
    rows: list[MapRow]
    order: str
    area_label: str


def chosen_target_index(dashboard: Dashboard) -> int:
    """The target the page compares areas on (`?compare=`), "transmise" by default."""
    targets = dashboard.targets
    chosen = dashboard.params.get("compare")
    index = next((i for i, t in enumerate(targets) if t.key == chosen), None)
    if index is None:
        index = next((i for i, t in enumerate(targets) if t.key == "submitted"), 0)
    return index


def dashboard_map(dashboard: Dashboard) -> DashboardMap | None:
    """The map of a national or regional dashboard, None elsewhere or without targets."""
    if dashboard.level not in (NATIONAL, REGION) or not dashboard.targets:
        return None
    index = chosen_target_index(dashboard)
    target = dashboard.targets[index]
    if dashboard.level == NATIONAL:
        areas = list(dashboard.by_region)
        cells = REGION_CELLS
        shorts = REGION_SHORT_NAMES
        area_label = _("Région")
        title = _("%(target)s : part des établissements par région")
    else:
        areas = [f for f in dashboard.by_department if f.key]
        cells = department_cells([str(f.key) for f in areas])
        shorts = {str(f.key): department_display_code(str(f.key)) for f in areas}
        area_label = _("Département")
        title = _("%(target)s : part des établissements par département")
    tiles = [
        charts.Tile(
            str(f.label),
            shorts.get(str(f.key), str(f.key)),
            *cells[str(f.key)],
            f.target_figures[index].share,
        )
        for f in areas
        if str(f.key) in cells
    ]
    order = BY_VALUE if dashboard.params.get("order") == BY_VALUE else BY_NAME
    rows = [_row(f, index) for f in areas]
    if order == BY_VALUE:
        # Highest share first; areas without a value last, by name.
        rows.sort(key=lambda r: (r.share is None, -(r.share or 0), r.label))
    return DashboardMap(
        target=target,
        target_index=index,
        chart=charts.tile_map(
            tiles,
            title=title % {"target": target.label},
            description=_("Part des établissements concernés qui atteignent la cible."),
        ),
        rows=rows,
        order=order,
        area_label=area_label,
    )


def _row(figures: Figures, index: int) -> MapRow:
    figure = figures.target_figures[index]
    return MapRow(
        label=str(figures.label),
        url=figures.extra.get("url"),
        share=figure.share,
        share_text=format_percent(figure.share),
        status_label=str(STATUS_LABELS.get(figure.status, "")),
        badge=STATUS_BADGES.get(figure.status, "new"),
    )
