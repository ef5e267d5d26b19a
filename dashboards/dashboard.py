"""One dashboard (national, regional or GHT): its campaign, targets, figures and list.

Views build a `Dashboard` from the person's scope and read what their page shows; the export
views read the same lists, so a page and its exports always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Assessment, Campaign
from dashboards.figures import (
    Figures,
    campaign_establishments,
    grouped_counts,
    rollup,
    total_of,
)
from dashboards.listing import ListFilterForm, establishment_rows
from dashboards.targets import HeadlineTarget, ght_level_requirements, headline_targets
from establishments.models import GHT, Department, Kind, Region

NATIONAL = "national"
REGION = "region"
GHT_LEVEL = "ght"

REQUIREMENT_STATUS_LABELS = {
    "met": gettext_lazy("Atteinte"),
    "partial": gettext_lazy("Partiellement atteinte"),
    "not_met": gettext_lazy("Non atteinte"),
    "unanswered": gettext_lazy("Non renseignée"),
    "not_applicable": gettext_lazy("Non applicable"),
}
REQUIREMENT_STATUS_BADGES = {
    "met": "success",
    "partial": "warning",
    "not_met": "error",
    "unanswered": "new",
    "not_applicable": "info",
}


def pick_campaign(campaigns: list[Campaign], year: str | None) -> tuple[Campaign | None, bool]:
    """The campaign asked for (by year), else the latest; the flag says the year was unknown."""
    if year:
        for campaign in campaigns:
            if str(campaign.year) == year:
                return campaign, False
    return (campaigns[0] if campaigns else None), bool(year)


@dataclass
class Dashboard:
    level: str
    establishments: QuerySet  # the establishments in the person's scope for this dashboard
    params: dict
    region: Region | None = None
    ght: GHT | None = None
    regions: list[Region] = field(default_factory=list)
    today: object = field(default_factory=timezone.localdate)

    @cached_property
    def campaigns(self) -> list[Campaign]:
        return list(Campaign.objects.select_related("referential").order_by("-year"))

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
        return headline_targets(self.campaign.referential) if self.campaign else []

    @cached_property
    def base(self) -> QuerySet:
        return campaign_establishments(self.establishments, self.campaign)

    # --- Grouped counts (one query each) ---------------------------------------------------------

    @cached_property
    def department_rows(self) -> list[dict]:
        return grouped_counts(
            self.base,
            ["department_id", "department__name", "region_id", "region__name"],
            self.targets,
        )

    @cached_property
    def ght_rows(self) -> list[dict]:
        return grouped_counts(self.base, ["ght__code", "ght__name"], self.targets)

    @cached_property
    def kind_rows(self) -> list[dict]:
        return grouped_counts(self.base, ["kind", "legal_status"], self.targets)

    # --- Figures ---------------------------------------------------------------------------------

    def _rollup(self, rows, key, label) -> list[Figures]:
        return rollup(rows, key, label, targets=self.targets, today=self.today)

    @cached_property
    def total(self) -> Figures:
        return total_of(
            self.department_rows, label=_("Ensemble"), targets=self.targets, today=self.today
        )

    @cached_property
    def by_department(self) -> list[Figures]:
        return self._rollup(
            self.department_rows,
            lambda r: r["department_id"],
            lambda r: f"{r['department_id']} — {r['department__name']}",
        )

    @cached_property
    def by_region(self) -> list[Figures]:
        figures = {
            f.key: f
            for f in self._rollup(
                self.department_rows, lambda r: r["region_id"], lambda r: r["region__name"]
            )
        }
        # Every region appears, even one with no establishment yet.
        ordered = []
        for region in self.regions:
            ordered.append(
                figures.get(region.code)
                or Figures(
                    key=region.code,
                    label=region.name,
                    counts={},
                    targets=self.targets,
                    today=self.today,
                )
            )
        return ordered

    @cached_property
    def by_ght(self) -> list[Figures]:
        rows = sorted(self.ght_rows, key=lambda r: (r["ght__code"] is None, r["ght__code"] or ""))
        return self._rollup(
            rows,
            lambda r: r["ght__code"],
            lambda r: f"{r['ght__code']} — {r['ght__name']}" if r["ght__code"] else _("Hors GHT"),
        )

    @cached_property
    def by_kind(self) -> list[Figures]:
        labels = dict(Kind.choices)
        return self._rollup(
            self.kind_rows,
            lambda r: r["kind"],
            lambda r: f"{r['kind']} — {labels.get(r['kind'], r['kind'])}",
        )

    @cached_property
    def by_legal_status(self) -> list[Figures]:
        rows = sorted(self.kind_rows, key=lambda r: r["legal_status"] or "\uffff")
        return self._rollup(
            rows,
            lambda r: r["legal_status"],
            lambda r: r["legal_status"] or _("Non renseigné"),
        )

    @property
    def breakdowns(self) -> list[tuple[str, str, list[Figures]]]:
        """(list name, heading, rows) of every breakdown this dashboard shows."""
        items = []
        if self.level == NATIONAL:
            items.append(("regions", _("Par région"), self.by_region))
        items.append(("departments", _("Par département"), self.by_department))
        if self.level != GHT_LEVEL:
            items.append(("ghts", _("Par GHT"), self.by_ght))
        items.append(("kinds", _("Par type d’établissement"), self.by_kind))
        items.append(("legal_statuses", _("Par statut juridique"), self.by_legal_status))
        return items

    def breakdown(self, name: str) -> list[Figures] | None:
        return next((rows for key, _label, rows in self.breakdowns if key == name), None)

    # --- The establishment list ------------------------------------------------------------------

    @cached_property
    def filter_form(self) -> ListFilterForm:
        # Choices come from small registry queries, not from the counts, so exports stay light.
        if self.level == GHT_LEVEL:
            departments = Department.objects.filter(
                code__in=self.establishments.values("department_id")
            )
        elif self.level == REGION:
            departments = Department.objects.filter(region=self.region)
        else:
            departments = Department.objects.all()
        ghts = None
        if self.level == REGION:
            ghts = GHT.objects.filter(region=self.region)
        elif self.level == NATIONAL:
            ghts = GHT.objects.all()
        regions = None
        if self.level == NATIONAL:
            regions = [(region.code, region.name) for region in self.regions]
        data = self.params if has_filter_params(self.params) else None
        return ListFilterForm(
            data,
            targets=self.targets,
            departments=[(d.code, str(d)) for d in departments.order_by("code")],
            ghts=None if ghts is None else [(g.code, str(g)) for g in ghts.order_by("code")],
            regions=regions,
        )

    @property
    def rows(self) -> QuerySet:
        form = self.filter_form
        form.is_valid()
        return establishment_rows(form.filter(self.base), self.targets, form.sort_key)

    # --- GHT-level targets -----------------------------------------------------------------------

    def ght_targets(self, user) -> list[dict]:
        """The GHT-level requirements and their status on the support establishment's
        assessment (its snapshot), for the GHT dashboard."""
        if self.ght is None or self.campaign is None:
            return []
        requirements = ght_level_requirements(self.campaign.referential)
        statuses: dict = {}
        assessment = None
        if self.ght.support_establishment_id:
            assessment = (
                Assessment.objects.for_user(user)
                .filter(establishment_id=self.ght.support_establishment_id, campaign=self.campaign)
                .select_related("snapshot")
                .first()
            )
            snapshot = getattr(assessment, "snapshot", None) if assessment else None
            if snapshot is not None:
                statuses = (snapshot.detail or {}).get("statuses") or {}
        rows = []
        for requirement in requirements:
            status = statuses.get(requirement.code, "unanswered")
            rows.append(
                {
                    "requirement": requirement,
                    "status": status,
                    "status_label": REQUIREMENT_STATUS_LABELS.get(status, status),
                    "badge": REQUIREMENT_STATUS_BADGES.get(status, "new"),
                    "assessment": assessment,
                }
            )
        return rows


_FILTER_KEYS = frozenset(
    {"q", "region", "department", "ght", "kind", "status", "score_min", "score_max", "sort"}
)


def has_filter_params(params) -> bool:
    return any(k in params for k in _FILTER_KEYS) or any(k.startswith("hl_") for k in params)
