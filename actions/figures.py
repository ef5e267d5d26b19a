"""The action plans' figures over a group of establishments, for the dashboards.

For one campaign, per group (a department; regions and totals are sums of departments):

- the actions overdue: a target date before today, neither done nor abandoned;
- the estimated cost, investment and operating apart, by funding source: the establishment's own
  budget, each CaRE funding call of the version, the regional FIR, another source, or not decided
  yet. An abandoned action is left out of the costs: it will not be paid.

One grouped query whatever the number of establishments (:func:`plan_counts`; for a region
or the country, its SQL built once: :func:`area_plan_counts`); the sums are additive, so coarser groups add the rows up (:meth:`PlanFigures.add`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from actions.funding import funding_choices
from actions.models import Action
from assessments.models import Campaign
from care_portal.formats import format_amount, format_number
from care_portal.precompiled import PrecompiledQuery
from establishments.models import Establishment

UNDECIDED = ""
CLOSED = (Action.Status.DONE, Action.Status.ABANDONED)


def overdue_q(today: date, prefix: str = "") -> Q:
    """Actions whose target date has passed and that are neither done nor abandoned."""
    return Q(**{f"{prefix}due_on__lt": today}) & ~Q(**{f"{prefix}status__in": CLOSED})


def funding_sources(campaign: Campaign) -> list[tuple[str, str]]:
    """(funding value, label) of every source an action of the campaign may name, in the
    form's order, "not decided yet" last."""
    choices = funding_choices(campaign.referential)
    return [*choices[1:], choices[0]]


@dataclass
class Cost:
    investment: Decimal = Decimal(0)
    operating: Decimal = Decimal(0)

    @property
    def investment_text(self) -> str:
        return format_amount(self.investment)

    @property
    def operating_text(self) -> str:
        return _("%(amount)s/an") % {"amount": format_amount(self.operating)}

    @property
    def is_zero(self) -> bool:
        return not self.investment and not self.operating


@dataclass
class PlanFigures:
    """One group's action figures."""

    actions: int = 0
    overdue: int = 0
    costs: dict[str, Cost] = field(default_factory=dict)  # funding value -> cost

    def add(self, other: PlanFigures) -> PlanFigures:
        self.actions += other.actions
        self.overdue += other.overdue
        for source, cost in other.costs.items():
            mine = self.costs.setdefault(source, Cost())
            mine.investment += cost.investment
            mine.operating += cost.operating
        return self

    def cost_of(self, source: str) -> Cost:
        return self.costs.get(source) or Cost()

    @property
    def total(self) -> Cost:
        return Cost(
            investment=sum((c.investment for c in self.costs.values()), Decimal(0)),
            operating=sum((c.operating for c in self.costs.values()), Decimal(0)),
        )

    @property
    def overdue_text(self) -> str:
        return format_number(self.overdue)


def plan_counts(
    establishments: QuerySet, campaign: Campaign, today: date, group: str = "department_id"
) -> dict[object, PlanFigures]:
    """{group value: its figures} over the actions of ``establishments``' campaign assessments
    (one query). ``group`` is a field of the establishment (default its department)."""
    return _figures_of(_plan_rows(establishments, campaign.pk, today, group))


def area_plan_counts(
    campaign: Campaign, today: date, region: str | None = None
) -> dict[object, PlanFigures]:
    """:func:`plan_counts` per department of the active establishments of a region, or of the
    country (``region`` None): the same query, its SQL built once per process."""
    if region is None:
        rows = _NATIONAL_PLANS.values(campaign=campaign.pk, today=today)
    else:
        rows = _REGION_PLANS.values(campaign=campaign.pk, today=today, region=region)
    return _figures_of(rows)


def _plan_rows(establishments: QuerySet, campaign: int, today: date, group: str) -> QuerySet:
    """(group value, funding, actions, overdue, investment, operating) per group and funding."""
    return (
        Action.objects.filter(
            assessment__campaign=campaign, assessment__establishment__in=establishments
        )
        .order_by()
        .values_list(f"assessment__establishment__{group}", "funding")
        .annotate(
            n=Count("pk"),
            overdue=Count("pk", filter=overdue_q(today)),
            investment=Sum("cost_investment", filter=~Q(status=Action.Status.ABANDONED)),
            operating=Sum("cost_operating", filter=~Q(status=Action.Status.ABANDONED)),
        )
    )


_REGION_PLANS = PrecompiledQuery(
    Action,
    lambda campaign, today, region: _plan_rows(
        Establishment.objects.filter(is_active=True, region_id=region),
        campaign,
        today,
        "department_id",
    ),
    campaign=1,
    today=date(2000, 1, 1),
    region="00",
)
_NATIONAL_PLANS = PrecompiledQuery(
    Action,
    lambda campaign, today: _plan_rows(
        Establishment.objects.filter(is_active=True), campaign, today, "department_id"
    ),
    campaign=1,
    today=date(2000, 1, 1),
)


def _figures_of(rows: Iterable[tuple]) -> dict[object, PlanFigures]:
    figures: dict[object, PlanFigures] = {}
    for key, funding, actions, overdue, investment, operating in rows:
        figures.setdefault(key, PlanFigures()).add(
            PlanFigures(
                actions=actions,
                overdue=overdue,
                costs={
                    funding: Cost(
                        investment=investment or Decimal(0),
                        operating=operating or Decimal(0),
                    )
                },
            )
        )
    return figures


def rolled_up(
    figures: dict[object, PlanFigures], keys: Iterable[object], key_of: Callable = lambda k: k
) -> dict[object, PlanFigures]:
    """The groups' figures summed into coarser groups: ``key_of(group value)``."""
    coarser: dict[object, PlanFigures] = {}
    for key in keys:
        if key in figures:
            coarser.setdefault(key_of(key), PlanFigures()).add(figures[key])
    return coarser
