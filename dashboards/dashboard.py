"""One dashboard (national, regional or GHT): its campaign, targets, figures and list.

Views build a `Dashboard` from the person's scope and read what their page shows; the export
views read the same lists, so a page and its exports always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.agreement import agreed_plan_q
from actions.figures import (
    PlanFigures,
    area_plan_counts,
    funding_sources,
    plan_counts,
    rolled_up,
)
from assessments.models import Assessment, Campaign
from assessments.scoring.compiled import beside_compiled
from assessments.scoring.model import UNANSWERED, RequirementStatus
from assessments.target_units import count_units, ght_target_counts, unit_rows
from care_portal.formats import format_number
from care_portal.precompiled import PrecompiledQuery
from dashboards.figures import (
    Figures,
    area_ght_requirement_counts,
    campaign_establishments,
    complete_rows,
    grouped_counts,
    region_snapshots_only,
    rollup,
    total_of,
)
from dashboards.listing import ListFilterForm, campaign_rows, establishment_rows
from dashboards.summary import (
    campaign_targets,
    decoded,
    scope_q,
    stored_rows,
    with_summary_built,
)
from dashboards.targets import STATUS_BADGES, STATUS_LABELS, target_status
from establishments.models import GHT, Department, Establishment, Kind, Region
from referential.targets import (
    HeadlineTarget,
    ght_level_requirements,
    ght_targets,
)

NATIONAL = "national"
REGION = "region"
GHT_LEVEL = "ght"
# The fields every count row is grouped by: each breakdown and the total derive from them.
GROUP_FIELDS = ("department_id", "ght_id", "kind", "legal_status")


def pick_campaign(campaigns: list[Campaign], year: str | None) -> tuple[Campaign | None, bool]:
    """The campaign asked for (by year), else the latest; the flag says the year was unknown."""
    if year:
        for campaign in campaigns:
            if str(campaign.year) == year:
                return campaign, False
    return (campaigns[0] if campaigns else None), bool(year)


# The lists every dashboard reads (SQL built once: see ``care_portal.precompiled``): the
# campaigns, newest first, each with whether its summary is built; the departments and GHTs of
# a region, or of the country.
_CAMPAIGNS = PrecompiledQuery(
    Campaign,
    lambda: with_summary_built(Campaign.objects.select_related("referential").order_by("-year")),
)
_REGION_DEPARTMENTS = PrecompiledQuery(
    Department,
    lambda region: Department.objects.filter(region_id=region).order_by("code"),
    region="00",
)
_DEPARTMENTS = PrecompiledQuery(Department, lambda: Department.objects.order_by("code"))
_REGION_GHTS = PrecompiledQuery(
    GHT, lambda region: GHT.objects.filter(region_id=region).order_by("code"), region="00"
)
_GHTS = PrecompiledQuery(GHT, lambda: GHT.objects.order_by("code"))


def _area_rows(campaign: Campaign, sort: str, region: str | None = None):
    """The unfiltered list of the country's, or a region's, every establishment (as one who
    sees the whole area sees it), in the order `sort`."""
    everything = Establishment.objects.all()
    if region is None:
        return campaign_rows(everything, campaign, campaign_targets(campaign), sort)
    rows = campaign_rows(
        everything.filter(region_id=region), campaign, campaign_targets(campaign), sort
    )
    return region_snapshots_only(rows, campaign, Region(code=region))


def _area_list(campaign: Campaign, *, regional: bool) -> PrecompiledQuery:
    """The unfiltered list of a region (``regional``) or of the country, SQL built once per
    sort; kept as long as the campaign's referential version is compiled (its targets are the
    list's columns)."""

    def build(sort: str, region: str | None = None):
        return _area_rows(campaign, sort, region)

    return beside_compiled(
        campaign.referential_id,
        f"area-list:{campaign.pk}:{'region' if regional else 'national'}",
        lambda: PrecompiledQuery(
            Establishment, build, fixed=("sort",), **({"region": "00"} if regional else {})
        ),
    )


class PagedRows:
    """A list's rows for a paginator, each page read by itself (LIMIT and OFFSET)."""

    def __init__(self, read: Callable[[int, int], list[dict]], count: int):
        self._read = read
        self._count = count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, item: slice) -> list[dict]:
        start, stop = item.start or 0, min(item.stop, self._count)
        return self._read(max(0, stop - start), start) if stop > start else []


@dataclass
class Dashboard:
    level: str
    establishments: QuerySet  # the establishments in the person's scope for this dashboard
    params: dict
    region: Region | None = None
    ght: GHT | None = None
    regions: list[Region] = field(default_factory=list)
    today: object = field(default_factory=timezone.localdate)
    # The summary's rows read: those of the scope (default), those of these regions only (a
    # person who sees a GHT's members in their regions alone), or none (counted live).
    summary_regions: frozenset[str] | None = None
    summary_usable: bool = True
    # The person sees every establishment of the dashboard's area (a region's ARS, the national
    # level): the unfiltered list is then the area's, read through SQL built once.
    whole_area: bool = False

    @cached_property
    def campaigns(self) -> list[Campaign]:
        return _CAMPAIGNS.instances()

    @cached_property
    def _campaign_choice(self) -> tuple[Campaign | None, bool]:
        return pick_campaign(self.campaigns, self.params.get("campaign"))

    @property
    def campaign(self) -> Campaign | None:
        return self._campaign_choice[0]

    @property
    def unknown_campaign(self) -> bool:
        return self._campaign_choice[1]

    @cached_property
    def targets(self) -> list[HeadlineTarget]:
        # Read once per referential version and process (no query on a page).
        return list(campaign_targets(self.campaign)) if self.campaign else []

    @cached_property
    def base(self) -> QuerySet:
        return campaign_establishments(self.establishments, self.campaign)

    # --- Counts: one grouped query, rolled up in Python -----------------------------------------

    @cached_property
    def count_rows(self) -> list[dict]:
        """Additive counts per (department, GHT, kind, legal status): every breakdown and the
        total are sums of these rows. Read from the campaign's summary once built (the same
        counts, stored), else counted live. Grouping by keys alone (no join to the registry tables
        for names) keeps the one scan cheap."""
        if self.stored_rows is not None:
            return complete_rows(decoded(self.stored_rows), self.targets)
        return grouped_counts(
            self.base, GROUP_FIELDS, self.targets, self.campaign, agreed_q=agreed_plan_q
        )

    @cached_property
    def stored_rows(self) -> list[tuple] | None:
        """This dashboard's rows of the campaign's summary as stored, or None while it is not
        built (see :func:`dashboards.summary.stored_rows`)."""
        if self.campaign is None or not self.summary_usable:
            return None
        if self.level != GHT_LEVEL:
            region = self.region.code if self.level == REGION else None
            return stored_rows(self.campaign, region=region)
        scope = scope_q(region=self.region, ght=self.ght)
        if self.summary_regions is not None:
            scope &= Q(region_id__in=self.summary_regions)
        return stored_rows(self.campaign, scope)

    @cached_property
    def unit_rows(self) -> list[dict]:
        """Per EJ, OG or PMSI unit and group: its sites against the targets counted over
        such units (none, and no query, when the campaign has no such target)."""
        return unit_rows(
            self.base, self.targets, self.campaign, GROUP_FIELDS, agreed_q=agreed_plan_q
        )

    @cached_property
    def departments(self) -> dict[str, Department]:
        """The departments of this dashboard's establishments (names, filter choices)."""
        if self.level == GHT_LEVEL:
            queryset = Department.objects.filter(
                code__in=self.establishments.values("department_id")
            )
            return {d.code: d for d in queryset.order_by("code")}
        if self.level == REGION:
            departments = _REGION_DEPARTMENTS.instances(region=self.region.code)
        else:
            departments = _DEPARTMENTS.instances()
        return {d.code: d for d in departments}

    @cached_property
    def ghts(self) -> dict[int, GHT]:
        """The GHTs of this dashboard (names, filter choices)."""
        if self.level == GHT_LEVEL:
            return {self.ght.pk: self.ght}
        if self.level == REGION:
            ghts = _REGION_GHTS.instances(region=self.region.code)
        else:
            ghts = _GHTS.instances()
        return {g.pk: g for g in ghts}

    @cached_property
    def ght_names(self) -> dict[int, GHT]:
        """GHTs of the counted rows; one more query only if a member's GHT lies elsewhere."""
        ghts = dict(self.ghts)
        # The GHTs of the summary's rows as stored (not decoded), else of the counted rows.
        if self.stored_rows is not None:
            counted = {row[2] for row in self.stored_rows if row[2]}
        else:
            counted = {r["ght_id"] for r in self.count_rows if r["ght_id"]}
        missing = counted - set(ghts)
        if missing:
            ghts.update({g.pk: g for g in GHT.objects.filter(pk__in=missing)})
        return ghts

    # --- Figures ---------------------------------------------------------------------------------

    def _rollup(self, key, label, rows=None) -> list[Figures]:
        rows = self.count_rows if rows is None else rows
        units = count_units(self.unit_rows, self.targets, key)
        return rollup(rows, key, label, targets=self.targets, today=self.today, units=units)

    @cached_property
    def total(self) -> Figures:
        return total_of(
            self.count_rows,
            label=_("Ensemble"),
            targets=self.targets,
            today=self.today,
            units=count_units(self.unit_rows, self.targets, lambda _row: None),
        )

    @cached_property
    def by_department(self) -> list[Figures]:
        departments = self.departments

        def label(row):
            department = departments.get(row["department_id"])
            return str(department) if department else row["department_id"]

        rows = sorted(self.count_rows, key=lambda r: r["department_id"])
        return self._rollup(lambda r: r["department_id"], label, rows)

    @cached_property
    def by_region(self) -> list[Figures]:
        region_of = {code: d.region_id for code, d in self.departments.items()}
        names = {region.code: region.name for region in self.regions}
        figures = {
            f.key: f
            for f in self._rollup(
                lambda r: region_of.get(r["department_id"]),
                lambda r: names.get(region_of.get(r["department_id"]), "—"),
            )
        }
        # Every region appears, even one with no establishment yet.
        return [
            figures.get(region.code)
            or Figures(
                key=region.code,
                label=region.name,
                counts={},
                targets=self.targets,
                today=self.today,
            )
            for region in self.regions
        ]

    @cached_property
    def by_ght(self) -> list[Figures]:
        ghts = self.ght_names

        def code(row) -> str | None:
            ght = ghts.get(row["ght_id"])
            return ght.code if ght else None

        def label(row) -> str:
            ght = ghts.get(row["ght_id"])
            return str(ght) if ght else _("Hors GHT")

        rows = sorted(self.count_rows, key=lambda r: (code(r) is None, code(r) or ""))
        return self._rollup(code, label, rows)

    @cached_property
    def by_kind(self) -> list[Figures]:
        labels = dict(Kind.choices)
        rows = sorted(self.count_rows, key=lambda r: r["kind"])
        return self._rollup(
            lambda r: r["kind"], lambda r: f"{r['kind']} — {labels.get(r['kind'], r['kind'])}", rows
        )

    @cached_property
    def by_legal_status(self) -> list[Figures]:
        rows = sorted(self.count_rows, key=lambda r: r["legal_status"] or "\uffff")
        return self._rollup(
            lambda r: r["legal_status"], lambda r: r["legal_status"] or _("Non renseigné"), rows
        )

    # --- Action plans ----------------------------------------------------------------------------

    @cached_property
    def plan_by_department_code(self) -> dict[str, PlanFigures]:
        """The action plans' figures per department (one query)."""
        if self.campaign is None:
            return {}
        if self.level != GHT_LEVEL:
            # A region's dashboard shows every establishment of the region, the national one
            # every establishment (who may open it sees them all): their SQL is built once.
            region = self.region.code if self.level == REGION else None
            return area_plan_counts(self.campaign, self.today, region)
        return plan_counts(self.establishments.filter(is_active=True), self.campaign, self.today)

    @cached_property
    def funding_sources(self) -> list[tuple[str, str]]:
        return funding_sources(self.campaign) if self.campaign else []

    @cached_property
    def plan_total(self) -> PlanFigures:
        total = PlanFigures()
        for figures in self.plan_by_department_code.values():
            total.add(figures)
        return total

    def _with_plans(self, groups: list[Figures], plans: dict) -> list[Figures]:
        for figures in groups:
            figures.extra["plan"] = plans.get(figures.key) or PlanFigures()
        return groups

    @cached_property
    def plan_rows(self) -> tuple[str, str, list[Figures]]:
        """(export list, column header, groups) the plan figures are shown by: the regions
        nationally, else the departments; each group's figures in ``extra["plan"]``."""
        plans = self.plan_by_department_code
        if self.level == NATIONAL:
            region_of = {code: d.region_id for code, d in self.departments.items()}
            by_region = rolled_up(plans, plans, region_of.get)
            return "regions", _("Région"), self._with_plans(self.by_region, by_region)
        return "departments", _("Département"), self._with_plans(self.by_department, plans)

    @property
    def plan_list(self) -> str:
        """The breakdown export that carries the plan figures."""
        return "regions" if self.level == NATIONAL else "departments"

    @property
    def breakdowns(self) -> list[tuple[str, str, str, list[Figures]]]:
        """(list name, heading, group column header, rows) of every breakdown shown."""
        return [
            (key, heading, header, getattr(self, attribute))
            for key, heading, header, attribute in self._breakdown_names
        ]

    @property
    def _breakdown_names(self) -> list[tuple[str, str, str, str]]:
        """(list name, heading, group column header, attribute of the rows) of each breakdown."""
        items = []
        if self.level == NATIONAL:
            items.append(("regions", _("Par région"), _("Région"), "by_region"))
        items.append(("departments", _("Par département"), _("Département"), "by_department"))
        if self.level != GHT_LEVEL:
            items.append(("ghts", _("Par GHT"), _("GHT"), "by_ght"))
        items.append(("kinds", _("Par type d’établissement"), _("Type"), "by_kind"))
        items.append(
            ("legal_statuses", _("Par statut juridique"), _("Statut juridique"), "by_legal_status")
        )
        return items

    def breakdown(self, name: str) -> tuple[str, list[Figures]] | None:
        """The column header and rows of one breakdown, by its list name (only its rows are
        computed)."""
        return next(
            (
                (header, getattr(self, attribute))
                for key, _h, header, attribute in self._breakdown_names
                if key == name
            ),
            None,
        )

    # --- The establishment list ------------------------------------------------------------------

    @cached_property
    def region_names(self) -> dict[str, str]:
        """Each region's name by its code, for the list's rows (which carry the code alone):
        those the dashboard knows already; a GHT's, whose members may lie in other regions,
        read (one query)."""
        if self.level == NATIONAL:
            return {region.code: region.name for region in self.regions}
        if self.level == REGION:
            return {self.region.code: self.region.name}
        return dict(Region.objects.values_list("code", "name"))

    @cached_property
    def filter_form(self) -> ListFilterForm:
        ghts = None
        if self.level != GHT_LEVEL:
            ghts = [(g.code, str(g)) for g in self.ghts.values()]
        regions = None
        if self.level == NATIONAL:
            regions = [(region.code, region.name) for region in self.regions]
        data = self.params if has_filter_params(self.params) else None
        return ListFilterForm(
            data,
            targets=self.targets,
            departments=[(code, str(d)) for code, d in self.departments.items()],
            ghts=ghts,
            regions=regions,
            campaign=self.campaign,
        )

    def list_count(self, total: int) -> int | None:
        """The list's length when no filter applies: the `total` of establishments the figures
        counted (saves counting the whole join again); None (to be counted) otherwise."""
        form = self.filter_form
        form.is_valid()
        return None if form.condition() else total

    def page_rows(self, count: int | None) -> QuerySet | PagedRows:
        """The rows a page of the list is taken from: :attr:`rows`, or, unfiltered over a whole
        region or the country, the same rows read page by page through SQL built once
        (building the list's query costs more than running it). `count`: the list's length
        when known (see :meth:`list_count`)."""
        form = self.filter_form
        form.is_valid()
        if (
            count is None
            or self.campaign is None
            or not self.whole_area
            or self.level == GHT_LEVEL
            or form.condition()
        ):
            return self.rows
        sort = form.sort_key
        if self.level == REGION:
            code, regional = self.region.code, _area_list(self.campaign, regional=True)
            return PagedRows(
                lambda limit, offset: regional.dicts(
                    limit=limit, offset=offset, region=code, sort=sort
                ),
                count,
            )
        national = _area_list(self.campaign, regional=False)
        return PagedRows(
            lambda limit, offset: national.dicts(limit=limit, offset=offset, sort=sort), count
        )

    @property
    def rows(self) -> QuerySet:
        form = self.filter_form
        form.is_valid()
        if self.campaign is None:
            return establishment_rows(form.filter(self.base), self.targets, form.sort_key)
        rows = campaign_rows(
            self.establishments, self.campaign, self.targets, form.sort_key, form.condition()
        )
        if self.level == REGION:
            # Only the region's snapshots are read (an index), not every snapshot.
            rows = region_snapshots_only(rows, self.campaign, self.region)
        return rows

    # --- GHT-level targets -----------------------------------------------------------------------

    @cached_property
    def ght_requirements(self) -> list:
        if self.campaign is None:
            return []
        referential = self.campaign.referential
        # Read once per referential version and process (no query on a page).
        return list(
            beside_compiled(
                referential.pk,
                "ght_level_requirements",
                lambda: ght_level_requirements(referential),
            )
        )

    @cached_property
    def ght_unit_targets(self) -> list[HeadlineTarget]:
        """The version's targets counted over GHTs (version 2 on)."""
        return ght_targets(self.campaign.referential) if self.campaign else []

    def ght_level_figures(self, user) -> list[dict]:
        """For a region or the country: the share of GHTs meeting each GHT target (version 2)
        or GHT-level requirement (version 1), on their support establishment's assessment,
        against its national target."""
        if self.level == GHT_LEVEL:
            return []
        ghts = GHT.objects.for_user(user)
        if self.level == REGION:
            ghts = ghts.filter(region=self.region)
        if self.ght_unit_targets:
            return self._ght_target_figures(ghts)
        if not self.ght_requirements:
            return []
        codes = [r.code for r in self.ght_requirements]
        # Who opens a region's dashboard sees all its GHTs; the national one, every GHT.
        region = self.region.code if self.level == REGION else None
        counts = area_ght_requirement_counts(self.campaign, codes, region)
        figures = []
        for requirement in self.ght_requirements:
            met, total = counts[requirement.code], counts["total"]
            share = 100 * met / total if total else None
            status = target_status(
                share, requirement.national_target_share, requirement.deadline, self.today
            )
            figures.append(
                {
                    "requirement": requirement,
                    "met": met,
                    "total": total,
                    "share": share,
                    "status": status,
                    "status_label": STATUS_LABELS[status],
                    "badge": STATUS_BADGES[status],
                }
            )
        return figures

    def _ght_target_figures(self, ghts) -> list[dict]:
        targets = self.ght_unit_targets
        counts = ght_target_counts(ghts, self.campaign, targets)
        figures = []
        for target in targets:
            met, total = counts[target.key], counts["total"]
            share = 100 * met / total if total else None
            status = target_status(share, target.share, target.deadline, self.today)
            figures.append(
                {
                    "target": target,
                    "met": met,
                    "total": total,
                    "text": f"{format_number(met)} / {format_number(total)} {target.unit_noun}",
                    "share": share,
                    "status": status,
                    "status_label": STATUS_LABELS[status],
                    "badge": STATUS_BADGES[status],
                }
            )
        return figures

    def ght_targets(self, user) -> list[dict]:
        """The GHT-level requirements and their status on the support establishment's
        assessment (its snapshot), for the GHT dashboard."""
        if self.ght is None or self.campaign is None:
            return []
        requirements = self.ght_requirements
        statuses: dict = {}
        assessment = None
        if self.ght.support_establishment_id:
            assessment = (
                Assessment.objects.for_user(user)
                .filter(establishment_id=self.ght.support_establishment_id, campaign=self.campaign)
                .select_related("snapshot")
                .first()
            )
            if assessment is not None:
                statuses = assessment.snapshot_view.statuses
        rows = []
        for requirement in requirements:
            status = RequirementStatus(statuses.get(requirement.code, UNANSWERED))
            rows.append(
                {
                    "requirement": requirement,
                    "status": status,
                    "status_label": status.label,
                    "badge": status.badge,
                    "assessment": assessment,
                }
            )
        return rows


# Every field of the list's form (a filter added there counts here without another list).
_FILTER_KEYS = frozenset(ListFilterForm.base_fields)


def has_filter_params(params) -> bool:
    return any(k in params for k in _FILTER_KEYS) or any(k.startswith("hl_") for k in params)
