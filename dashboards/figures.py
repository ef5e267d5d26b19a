"""Dashboard figures computed in SQL from the assessments' score snapshots.

The establishments in scope are joined to their assessment of the chosen campaign (`cur`, absent
when the establishment has none) and to its snapshot. One grouped query gives additive counts
per group (department, GHT, kind × legal status…); totals and coarser groups (regions, the whole
scope) are sums of those rows, so a page runs a fixed number of queries whatever its size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.db import connection, connections
from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Sum
from django.db.models.expressions import Col
from django.db.models.fields.json import KeyTransform
from django.db.models.lookups import Exact
from django.db.models.sql.datastructures import Join
from django.db.models.sql.where import AND, WhereNode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from assessments.models import Assessment, Campaign, ScoreSnapshot
from assessments.scoring.snapshot import status_lookup
from assessments.target_units import GROUPED_UNITS, UnitCount, figure_text
from care_portal.formats import format_number, format_percent
from care_portal.precompiled import PrecompiledQuery
from dashboards.targets import (
    STATUS_BADGES,
    STATUS_LABELS,
    met_q,
    not_met_q,
    population_q,
    target_status,
)
from establishments.models import GHT
from referential.models import Headline
from referential.targets import HeadlineTarget

NOT_STARTED = "not_started"
DRAFT = "draft"
SUBMITTED = "submitted"
VALIDATED = "validated"
PROGRESS = (NOT_STARTED, DRAFT, SUBMITTED, VALIDATED)
PROGRESS_LABELS = {
    NOT_STARTED: _("Non commencée"),
    DRAFT: _("En cours"),
    SUBMITTED: _("Transmise"),
    VALIDATED: _("Validée"),
}
# Score buckets of the distribution: [0, 10), [10, 20), … [90, 100].
BUCKETS = tuple((low, low + 10) for low in range(0, 100, 10))


def campaign_establishments(establishments: QuerySet, campaign: Campaign) -> QuerySet:
    """Active establishments joined to their assessment of `campaign` as `cur` (may be absent)."""
    return establishments.filter(is_active=True).annotate(
        cur=FilteredRelation("assessments", condition=Q(assessments__campaign=campaign))
    )


class _NarrowedJoin:
    """The join field of `cur`'s snapshot, its ON clause narrowed to the snapshots carrying
    these copies (``assessments.scoring.copies``): PostgreSQL then reads only those rows
    through the index (campaign, region…) instead of every snapshot of the table."""

    def __init__(self, field, copies: dict):
        self._field, self._copies = field, copies

    def __getattr__(self, name):
        return getattr(self._field, name)

    def get_extra_restriction(self, alias, related_alias):
        opts = ScoreSnapshot._meta
        conditions = [
            Exact(Col(alias, opts.get_field(name)), value) for name, value in self._copies.items()
        ]
        original = self._field.get_extra_restriction(alias, related_alias)
        return WhereNode([*conditions, *([original] if original else [])], connector=AND)


def region_snapshots_only(queryset: QuerySet, campaign: Campaign, region) -> QuerySet:
    """`queryset` (over :func:`campaign_establishments` of one region) joining only the
    region's snapshots of the campaign. The same rows: a snapshot's copies equal its
    establishment's, and the establishments are the region's active ones already. Call it
    last (a join added afterwards is a plain one)."""
    narrowed = queryset.all()
    query = narrowed.query
    copies = {"campaign": campaign.pk, "region_code": region.code, "establishment_active": True}
    for alias, join in list(query.alias_map.items()):
        if (
            isinstance(join, Join)
            and join.table_name == ScoreSnapshot._meta.db_table
            and join.parent_alias == "cur"
            and not isinstance(join.join_field, _NarrowedJoin)
        ):
            query.alias_map[alias] = Join(
                join.table_name,
                join.parent_alias,
                join.table_alias,
                join.join_type,
                _NarrowedJoin(join.join_field, copies),
                join.nullable,
                join.filtered_relation,
            )
    return narrowed


def _started_q() -> Q:
    """A draft counts as started once its snapshot records at least one answer (progress)."""
    return Q(cur__snapshot__count_answered__gt=0)


PROGRESS_Q = {
    VALIDATED: Q(cur__status=Assessment.Status.VALIDATED),
    SUBMITTED: Q(cur__status=Assessment.Status.SUBMITTED),
    DRAFT: Q(cur__status__in=[Assessment.Status.DRAFT, Assessment.Status.REOPENED]) & _started_q(),
}
PROGRESS_Q[NOT_STARTED] = ~(PROGRESS_Q[VALIDATED] | PROGRESS_Q[SUBMITTED] | PROGRESS_Q[DRAFT])
STARTED_Q = PROGRESS_Q[VALIDATED] | PROGRESS_Q[SUBMITTED] | PROGRESS_Q[DRAFT]


def _aggregates(
    targets: Sequence[HeadlineTarget],
    campaign: Campaign | None = None,
    agreed_q: Callable[[HeadlineTarget], Q] | None = None,
) -> dict:
    """The counts of one group, additive (sums and counts) so that rows can be summed into
    coarser groups. Populations and "not started" are derived from these in `_complete`;
    `agreed_q` gives the sites with a plan the ARS agreed for a target (the fifth state)."""
    score = "cur__snapshot__score_global"
    aggregates = {"total": Count("pk")}
    for name in (VALIDATED, SUBMITTED, DRAFT):
        aggregates[name] = Count("pk", filter=PROGRESS_Q[name])
    # Scores are read over every snapshot with simple range filters, then the assessments not
    # started yet are taken out in `_complete`: with no answer, their score can only be 0 (or
    # none), so they sit in the first bucket and add 0 to the sum.
    # Repeating the "started" condition in each of these twelve aggregates would cost more.
    aggregates["score_sum"] = Sum(score)
    aggregates["score_n"] = Count(score)
    aggregates["idle_scored"] = Count(score, filter=PROGRESS_Q[NOT_STARTED])
    for i, (low, high) in enumerate(BUCKETS):
        upper = Q(**{f"{score}__lte": high}) if high == 100 else Q(**{f"{score}__lt": high})
        aggregates[f"bucket_{i}"] = Count(score, filter=Q(**{f"{score}__gte": low}) & upper)
    for target in targets:
        if target.unit in GROUPED_UNITS:
            continue  # counted over their units apart (`assessments.target_units.unit_rows`)
        if target.call_code:
            concerned = population_q(target, campaign)
            aggregates[f"cand_{target.key}"] = Count("pk", filter=concerned)
            aggregates[f"hit_{target.key}"] = Count("pk", filter=concerned & met_q(target))
        elif target.key != Headline.SUBMITTED:
            concerned = Q()
            aggregates[f"hit_{target.key}"] = Count("pk", filter=met_q(target))
        else:
            continue
        if agreed_q is not None:
            aggregates[f"plan_{target.key}"] = Count(
                "pk", filter=concerned & not_met_q(target) & agreed_q(target)
            )
    return aggregates


def count_names(targets: Sequence[HeadlineTarget]) -> list[str]:
    """The names of the additive counts of a row."""
    names = ["total", NOT_STARTED, DRAFT, SUBMITTED, VALIDATED, "score_sum", "score_n"]
    names += [f"bucket_{i}" for i in range(len(BUCKETS))]
    for target in targets:
        names += [f"pop_{target.key}", f"met_{target.key}", f"agreed_{target.key}"]
    return names


VALUES = "_values"


def _completion_plan(targets: Sequence[HeadlineTarget]) -> list[tuple]:
    """Per target, what `_complete` reads and writes (names built once per page, not per row):
    (kinds, how it is met, the met count's name, the population's name, the written names)."""
    plan = []
    for target in targets:
        key = target.key
        if target.unit in GROUPED_UNITS:
            mode = "apart"
        elif key == Headline.SUBMITTED:
            mode = "submitted"
        else:
            mode = "hit"
        plan.append(
            (
                target.kinds,
                mode,
                f"hit_{key}",
                f"cand_{key}" if target.call_code else "total",
                f"pop_{key}",
                f"met_{key}",
                f"agreed_{key}",
                f"plan_{key}",
            )
        )
    return plan


def _complete(row: dict, plan: Sequence[tuple], names: Sequence[str]) -> dict:
    """Add the counts a row's kind determines: not started, and each target's population
    (the row's establishments when the target concerns their kind) and how many meet it."""
    row[NOT_STARTED] = row["total"] - row[VALIDATED] - row[SUBMITTED] - row[DRAFT]
    row["score_n"] -= row["idle_scored"]
    row["bucket_0"] -= row["idle_scored"]
    kind = row["kind"]
    for kinds, mode, hit, population, pop_name, met_name, agreed_name, plan_name in plan:
        if mode == "apart" or kind not in kinds:
            row[pop_name] = row[met_name] = row[agreed_name] = 0
            continue
        row[pop_name] = row[population]
        row[met_name] = row[SUBMITTED] + row[VALIDATED] if mode == "submitted" else row[hit]
        row[agreed_name] = row.get(plan_name) or 0
    # The counts in `count_names` order, summed as they are by `rollup`.
    get = row.get
    row[VALUES] = [get(name) or 0 for name in names]
    return row


def grouped_counts(
    base: QuerySet,
    group_by: Sequence[str],
    targets: Sequence[HeadlineTarget],
    campaign: Campaign | None = None,
    agreed_q: Callable[[HeadlineTarget], Q] | None = None,
) -> list[dict]:
    """One row of additive counts per distinct value of `group_by`, which must hold the
    establishment kind (one query). Targets counted over sites (ET, candidates) are in
    them; those counted over EJ, OG or PMSI units are not additive and come apart."""
    return complete_rows(raw_counts(base, group_by, targets, campaign, agreed_q), targets)


def raw_counts(
    base: QuerySet,
    group_by: Sequence[str],
    targets: Sequence[HeadlineTarget],
    campaign: Campaign | None = None,
    agreed_q: Callable[[HeadlineTarget], Q] | None = None,
) -> QuerySet:
    """The grouped query of :func:`grouped_counts`, its rows not completed yet (what the
    campaign summary stores)."""
    if "kind" not in group_by:
        raise ValueError("Counts are grouped by kind at least: targets depend on it.")
    aggregates = _aggregates(targets, campaign, agreed_q)
    return base.order_by().values(*group_by).annotate(**aggregates).order_by()


def complete_rows(rows: Iterable[dict], targets: Sequence[HeadlineTarget]) -> list[dict]:
    """Raw grouped rows (:func:`raw_counts`, or the summary's) completed as the pages read them."""
    names = count_names(targets)
    plan = _completion_plan(targets)
    return [_complete(dict(row), plan, names) for row in rows]


@dataclass
class TargetFigure:
    """A target's figure over a group, counted over the target's own unit."""

    target: HeadlineTarget
    population: int
    met: int
    share: float | None
    status: str
    # Sites left out of a PMSI count: the registry does not give their legal status.
    apart: int = 0
    # Units not meeting the target whose plan for it the ARS agreed: "plan agréé".
    agreed: int = 0

    @property
    def not_met(self) -> int:
        return self.population - self.met

    @property
    def agreed_text(self) -> str:
        """ "2 sur 46 unités PMSI sous la cible" """
        if not self.not_met:
            return "—"
        return _("%(agreed)s sur %(not_met)s %(unit)s sous la cible") % {
            "agreed": format_number(self.agreed),
            "not_met": format_number(self.not_met),
            "unit": self.unit_noun,
        }

    @property
    def unit_noun(self) -> str:
        return self.target.unit_noun

    @property
    def text(self) -> str:
        """ "13 / 59 unités PMSI" """
        return figure_text(UnitCount(population=self.population, met=self.met), self.target)

    @property
    def apart_text(self) -> str:
        if not self.apart:
            return ""
        return ngettext(
            "%(count)s établissement au statut juridique inconnu, compté à part",
            "%(count)s établissements au statut juridique inconnu, comptés à part",
            self.apart,
        ) % {"count": format_number(self.apart)}

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def badge(self) -> str:
        return STATUS_BADGES[self.status]


@dataclass
class Figures:
    """The figures of one group (a whole scope, a department, a region…) from its counts."""

    key: object
    label: str
    counts: dict
    targets: Sequence[HeadlineTarget]
    today: date
    extra: dict = field(default_factory=dict)
    # The group's figures of the targets counted over EJ, OG or PMSI units (count_units).
    units: dict[str, UnitCount] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.counts.get("total") or 0

    @property
    def progress(self) -> list[tuple[str, str, int, float | None]]:
        """(key, label, count, share of the total) per progress step."""
        return [
            (key, str(PROGRESS_LABELS[key]), self.counts.get(key) or 0, self._share(key))
            for key in PROGRESS
        ]

    def _share(self, key: str) -> float | None:
        return 100 * (self.counts.get(key) or 0) / self.total if self.total else None

    @property
    def not_started(self) -> int:
        return self.counts.get(NOT_STARTED) or 0

    @property
    def draft(self) -> int:
        return self.counts.get(DRAFT) or 0

    @property
    def submitted(self) -> int:
        return self.counts.get(SUBMITTED) or 0

    @property
    def validated(self) -> int:
        return self.counts.get(VALIDATED) or 0

    @property
    def transmitted_share(self) -> float | None:
        """Submitted or validated, in % of the establishments."""
        return 100 * (self.submitted + self.validated) / self.total if self.total else None

    @property
    def scored(self) -> int:
        return self.counts.get("score_n") or 0

    @property
    def average_score(self) -> float | None:
        return (self.counts.get("score_sum") or 0) / self.scored if self.scored else None

    @property
    def distribution(self) -> list[tuple[str, int]]:
        return [
            (f"{low}–{high}", self.counts.get(f"bucket_{i}") or 0)
            for i, (low, high) in enumerate(BUCKETS)
        ]

    @property
    def unmet_targets(self) -> int:
        """Units below a target an establishment may file a plan for, over those targets."""
        return sum(f.not_met for f in self.target_figures if not f.target.from_status)

    @property
    def agreed_plans(self) -> int:
        """Of those, the units whose plan for the target the ARS agreed ("plan agréé")."""
        return sum(f.agreed for f in self.target_figures if not f.target.from_status)

    @property
    def agreed_plan_share(self) -> float | None:
        return 100 * self.agreed_plans / self.unmet_targets if self.unmet_targets else None

    @property
    def agreed_plan_text(self) -> str:
        """ "3 sur 12 (25 %)", or "—" when every target is met."""
        if not self.unmet_targets:
            return "—"
        return _("%(agreed)s sur %(unmet)s (%(share)s)") % {
            "agreed": format_number(self.agreed_plans),
            "unmet": format_number(self.unmet_targets),
            "share": format_percent(self.agreed_plan_share, 0),
        }

    def _target_counts(self):
        """Per target: (target, population, met, apart, agreed), counted over its own unit."""
        counts, units = self.counts.get, self.units
        for target in self.targets:
            if target.unit in GROUPED_UNITS:
                count = units.get(target.key) or UnitCount()
                yield target, count.population, count.met, count.apart, count.agreed
            else:
                key = target.key
                yield (
                    target,
                    counts(f"pop_{key}") or 0,
                    counts(f"met_{key}") or 0,
                    0,
                    counts(f"agreed_{key}") or 0,
                )

    @cached_property
    def target_shares(self) -> list[float | None]:
        """Per target, the share of its population meeting it (all a breakdown row shows)."""
        return [met_share(met, population) for _t, population, met, _a, _g in self._target_counts()]

    @cached_property
    def target_figures(self) -> list[TargetFigure]:
        figures = []
        for target, population, met, apart, agreed in self._target_counts():
            share = met_share(met, population)
            figures.append(
                TargetFigure(
                    target=target,
                    population=population,
                    met=met,
                    share=share,
                    status=target_status(share, target.share, target.deadline, self.today),
                    apart=apart,
                    agreed=agreed,
                )
            )
        return figures


def met_share(met: int, population: int) -> float | None:
    """The share (in %) of a population meeting a target; None for no population."""
    return 100 * met / population if population else None


def rollup(
    rows: Iterable[dict],
    key: Callable[[dict], object],
    label: Callable[[dict], str],
    *,
    targets: Sequence[HeadlineTarget],
    today: date,
    units: dict[object, dict[str, UnitCount]] | None = None,
) -> list[Figures]:
    """Sum count rows into groups (a region from its departments, everything into one);
    `units`: the groups' figures of the targets counted over EJ, OG or PMSI units."""
    names = count_names(targets)
    grouped: dict[object, list[list]] = {}
    labels: dict[object, str] = {}
    for row in rows:
        group_key = key(row)
        if group_key in grouped:
            grouped[group_key].append(row[VALUES])
        else:
            grouped[group_key] = [row[VALUES]]
            labels[group_key] = label(row)
    return [
        Figures(
            key=group_key,
            label=labels[group_key],
            # Column by column, in the rows' order (the same sums as adding row after row).
            counts=dict(zip(names, _column_sums(vectors), strict=True)),
            targets=targets,
            today=today,
            units=(units or {}).get(group_key, {}),
        )
        for group_key, vectors in grouped.items()
    ]


def _column_sums(vectors: list[list]) -> list:
    if len(vectors) == 1:
        return vectors[0]
    return [sum(column) for column in zip(*vectors, strict=True)]


def total_of(
    rows: Iterable[dict],
    *,
    label: str,
    targets: Sequence[HeadlineTarget],
    today: date,
    units: dict[object, dict[str, UnitCount]] | None = None,
) -> Figures:
    """All rows summed into one group (`units` keyed by None, see `rollup`)."""
    summed = rollup(
        rows, lambda _row: None, lambda _row: label, targets=targets, today=today, units=units
    )
    if summed:
        return summed[0]
    return Figures(
        key=None,
        label=label,
        counts={},
        targets=targets,
        today=today,
        units=(units or {}).get(None, {}),
    )


def ght_requirement_counts(ghts: QuerySet, campaign: Campaign, codes: Sequence[str]) -> dict:
    """How many of `ghts` meet each GHT-level requirement, read from the status stored in their
    support establishment's snapshot (one query): {"total": n, code: met}."""
    annotated = _with_support_assessment(ghts, campaign.pk)
    if connection.vendor == "postgresql" and codes:
        sql, params = _support_statuses(annotated).query.sql_with_params()
        return _ght_requirement_counts_pg(connection.alias, sql, params, codes)
    aggregates = {"total": Count("pk", distinct=True)}
    for i, code in enumerate(codes):
        status = status_lookup(code, prefix="support_assessment__snapshot__")
        aggregates[f"met_{i}"] = Count("pk", filter=Q(**{status: "met"}), distinct=True)
    counts = annotated.order_by().aggregate(**aggregates)
    return {"total": counts["total"], **{code: counts[f"met_{i}"] for i, code in enumerate(codes)}}


def area_ght_requirement_counts(
    campaign: Campaign, codes: Sequence[str], region: str | None = None
) -> dict:
    """:func:`ght_requirement_counts` of the GHTs of a region, or of the country (``region``
    None); on PostgreSQL, the statuses' SQL is built once per process."""
    ghts = GHT.objects.all() if region is None else GHT.objects.filter(region_id=region)
    if connection.vendor != "postgresql" or not codes:
        return ght_requirement_counts(ghts, campaign, codes)
    if region is None:
        statement = _NATIONAL_SUPPORT_STATUSES.statement(campaign=campaign.pk)
    else:
        statement = _REGION_SUPPORT_STATUSES.statement(campaign=campaign.pk, region=region)
    if statement is None:
        return {"total": 0, **dict.fromkeys(codes, 0)}
    return _ght_requirement_counts_pg(*statement, codes)


def _with_support_assessment(ghts: QuerySet, campaign: int) -> QuerySet:
    """`ghts` joined to their support establishment's assessment of the campaign."""
    return ghts.annotate(
        support_assessment=FilteredRelation(
            "support_establishment__assessments",
            condition=Q(support_establishment__assessments__campaign=campaign),
        )
    )


def _support_statuses(annotated: QuerySet) -> QuerySet:
    """Each GHT's key and its support assessment's statuses (None without one)."""
    return (
        annotated.order_by()
        .annotate(
            ght_key=F("pk"),
            statuses=KeyTransform("statuses", "support_assessment__snapshot__detail"),
        )
        .values("ght_key", "statuses")
    )


_REGION_SUPPORT_STATUSES = PrecompiledQuery(
    GHT,
    lambda campaign, region: _support_statuses(
        _with_support_assessment(GHT.objects.filter(region_id=region), campaign)
    ),
    campaign=1,
    region="00",
)
_NATIONAL_SUPPORT_STATUSES = PrecompiledQuery(
    GHT,
    lambda campaign: _support_statuses(_with_support_assessment(GHT.objects.all(), campaign)),
    campaign=1,
)


def _ght_requirement_counts_pg(alias: str, sql: str, params: list, codes: Sequence[str]) -> dict:
    """:func:`ght_requirement_counts` on PostgreSQL, over the statuses of `sql`
    (:func:`_support_statuses`): each status read from the snapshot's detail would decompress
    the whole document again, so the statuses are taken out once per GHT in a subquery the
    planner keeps apart (``OFFSET 0``), then counted."""
    met = ", ".join(
        "COUNT(DISTINCT s.ght_key) FILTER (WHERE s.statuses -> %s = '\"met\"'::jsonb)"
        for _code in codes
    )
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(DISTINCT s.ght_key), {met} FROM ({sql} OFFSET 0) s",  # noqa: S608 - no input in the text
            [*codes, *params],
        )
        total, *counts = cursor.fetchone()
    return {"total": total, **dict(zip(codes, counts, strict=True))}
