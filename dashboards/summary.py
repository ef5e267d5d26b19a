"""The per-campaign summary: the dashboards' grouped counts, stored and kept exact.

One row per group of establishments (region, department, GHT, kind, legal status) holds the raw
aggregates of :func:`dashboards.figures.raw_counts` — the same query the dashboards run live,
so the figures cannot differ. Every snapshot write refreshes the rows of the groups it touched,
in its own transaction (``assessments.scoring.service.on_snapshots_written``); ``recompute_scores``
rebuilds a campaign's summary, and a row ``kind="*"`` says it was built (until then the pages
count live). A registry import (FINESS, GHT) rebuilds the built summaries;
``manage.py check_summary`` compares the summary with a live count.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import reduce
from operator import or_

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import JSONObject

from actions.agreement import agreed_plan_q
from assessments.models import Campaign
from assessments.scoring.compiled import beside_compiled
from assessments.scoring.service import Group
from assessments.target_units import candidacies_recorded
from care_portal.precompiled import PrecompiledQuery
from dashboards.figures import campaign_establishments, raw_counts
from dashboards.models import BUILT, CampaignSummary
from establishments.models import Establishment
from referential.targets import HeadlineTarget, headline_targets

KEY_FIELDS = ("region_id", "department_id", "ght_id", "kind", "legal_status")
# Up to this many groups are refreshed by naming each; more, by their departments.
GROUPS_NAMED = 8


def campaign_targets(campaign: Campaign) -> list[HeadlineTarget]:
    """The campaign's headline targets, read once per referential version."""
    return beside_compiled(
        campaign.referential_id, "headline_targets", lambda: headline_targets(campaign.referential)
    )


def _key(row: dict) -> Group:
    return tuple(row[name] for name in KEY_FIELDS)  # type: ignore[return-value]


def _group_q(groups: Iterable[Group]) -> Q:
    return reduce(
        or_,
        (Q(**dict(zip(KEY_FIELDS, group, strict=True))) for group in groups),
        Q(pk__in=[]),
    )


def live_rows(
    campaign: Campaign, establishments: QuerySet | None = None, targets=None
) -> dict[Group, dict]:
    """Group -> the raw aggregates counted live (over `establishments`, default all)."""
    targets = campaign_targets(campaign) if targets is None else targets
    base = campaign_establishments(
        Establishment.objects.all() if establishments is None else establishments, campaign
    )
    return {
        _key(row): row for row in raw_counts(base, KEY_FIELDS, targets, campaign, agreed_plan_q)
    }


def _built_key(campaign_id: int) -> str:
    return f"campaign-summary-built:{campaign_id}"


def rebuild_summary(campaign: Campaign) -> None:
    """Count the campaign's every group afresh and mark its summary built (two statements)."""
    with transaction.atomic(savepoint=False):
        CampaignSummary.objects.filter(campaign=campaign).delete()
        _insert_counted(campaign, built=True)
    # Pages look for the summary only once it is known built (no query otherwise).
    key = _built_key(campaign.pk)
    transaction.on_commit(lambda: cache.set(key, True, None))


def _grouped_sql(campaign: Campaign) -> tuple[str, tuple]:
    """The dashboards' grouped query over the campaign's every establishment, each group's
    counts as one JSON object, as SQL and its parameters: built and compiled once per campaign
    and referential version in a process (that costs more than a save's count); each write
    filters its result on the grouped columns (:func:`_groups_where`), which the database
    applies before grouping."""

    def build() -> tuple[str, tuple]:
        grouped = raw_counts(
            campaign_establishments(Establishment.objects.all(), campaign),
            KEY_FIELDS,
            campaign_targets(campaign),
            campaign,
            agreed_plan_q,
        )
        names = list(grouped.query.annotations)
        counted = grouped.annotate(counts=JSONObject(**{name: F(name) for name in names})).values(
            *KEY_FIELDS, "counts"
        )
        sql, params = counted.query.sql_with_params()
        return sql, tuple(params)

    # A call's candidates are counted from its candidacies once any is recorded, from the
    # answers before: the query is built again when that changes.
    calls = sorted({t.call_code for t in campaign_targets(campaign) if t.call_code})
    recorded = "".join("1" if candidacies_recorded(call, campaign) else "0" for call in calls)
    return beside_compiled(
        campaign.referential_id, f"summary-counts:{campaign.pk}:{recorded}", build
    )


def _groups_where(groups: Iterable[Group] | None, departments: set[str] | None) -> tuple[str, list]:
    """The condition on the grouped query's columns (``g.…``) selecting these groups, or these
    departments' every group; none selects all."""
    if departments is not None:
        marks = ", ".join(["%s"] * len(departments))
        return f" WHERE g.department_id IN ({marks})", sorted(departments)
    if groups is None:
        return " WHERE true", []
    clauses, params = [], []
    for group in sorted(groups, key=repr):
        parts = []
        for column, value in zip(KEY_FIELDS, group, strict=True):
            if value is None:
                parts.append(f"g.{column} IS NULL")
            else:
                parts.append(f"g.{column} = %s")
                params.append(value)
        clauses.append("(" + " AND ".join(parts) + ")")
    return " WHERE " + (" OR ".join(clauses) or "false"), params


def _insert_counted(
    campaign: Campaign,
    groups: Iterable[Group] | None = None,
    *,
    departments: set[str] | None = None,
    built: bool = False,
) -> int:
    """One INSERT … SELECT of the dashboards' grouped query, for these groups or these
    departments' every group (all by default), updating the groups already stored (with
    `built`, the row marking the summary built too); returns the rows."""
    sql, params = _grouped_sql(campaign)
    table = CampaignSummary._meta.db_table
    # The JSON object as text (PostgreSQL builds it as jsonb; SQLite's is text already).
    counts = "CAST(g.counts AS text)" if connection.vendor == "postgresql" else "g.counts"
    where, where_params = _groups_where(groups, departments)
    marker = f" UNION ALL SELECT %s, '', '', 0, '{BUILT}', '', '{{}}'" if built else ""
    upsert = (
        ""
        if built
        else " ON CONFLICT (campaign_id, region_id, department_id, ght_id, kind, legal_status)"
        " DO UPDATE SET counts = excluded.counts"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (campaign_id, region_id, department_id, ght_id, kind, "  # noqa: S608 - names from the model
            f"legal_status, counts) SELECT %s, g.region_id, g.department_id, "
            f"COALESCE(g.ght_id, 0), g.kind, g.legal_status, {counts} FROM ({sql}) g"
            f"{where}{marker}{upsert}",
            [campaign.pk, *params, *where_params, *([campaign.pk] if built else [])],
        )
        return cursor.rowcount


def refresh_groups(campaign: Campaign, groups: set[Group]) -> None:
    """Count these groups afresh (in the caller's transaction): one INSERT … SELECT … ON
    CONFLICT DO UPDATE over the same grouped query as the dashboards."""
    if not groups:
        return
    many = len(groups) > GROUPS_NAMED
    if many:
        # Many groups (a bulk rescoring): their departments counted whole, one plain filter
        # rather than a disjunction the planner cannot use; the other groups of those
        # departments are counted afresh too, which leaves them exact.
        departments = {department for _r, department, *_rest in groups}
        where = Q(department_id__in=departments)
        found = _insert_counted(campaign, departments=departments)
    else:
        where = _group_q(groups)
        found = _insert_counted(campaign, groups)
    if many or found < len(groups):
        # A group left empty (its last active establishment gone): its row goes.
        base = campaign_establishments(Establishment.objects.filter(where), campaign)
        present = {_key(row) for row in raw_counts(base, KEY_FIELDS, campaign_targets(campaign))}
        gone = groups - present
        if gone:
            CampaignSummary.objects.filter(campaign=campaign).filter(
                _group_q((r, d, g or 0, k, s) for r, d, g, k, s in gone)
            ).delete()


def snapshots_written(
    campaign: Campaign, groups: set[Group], *, whole_campaign: Campaign | None
) -> None:
    """Listener of every snapshot write: its groups counted again (all, and the summary marked
    built, when the whole campaign was rescored)."""
    if whole_campaign is not None:
        rebuild_summary(whole_campaign)
    else:
        refresh_groups(campaign, groups)


def registry_changed() -> None:
    """Listener of the registry imports: every built summary counted again."""
    built = CampaignSummary.objects.filter(kind=BUILT).values("campaign_id")
    for campaign in Campaign.objects.filter(pk__in=built).select_related("referential"):
        rebuild_summary(campaign)


def summary_rows(campaign: Campaign, scope: Q, *, known_built: bool = True) -> list[dict] | None:
    """The summary's raw rows of `scope` (a filter on the key fields), or None while the
    campaign's summary is not built (see :func:`stored_rows`)."""
    stored = stored_rows(campaign, scope, known_built=known_built)
    return None if stored is None else decoded(stored)


def stored_rows(
    campaign: Campaign,
    scope: Q | None = None,
    *,
    region: str | None = None,
    known_built: bool = True,
) -> list[tuple] | None:
    """The summary's rows of `scope` (a filter on the key fields; without one, those of the
    region ``region``, or of the country: SQL built once per process) as stored: (region,
    department, GHT id or None, kind, legal status, the counts as JSON text), or None while the
    campaign's summary is not built.
    The text is what a dashboard's figures are computed from, so it also tells whether they
    changed (:mod:`dashboards.fragments`). ``known_built``: skip the query unless the
    campaign is known built — by its ``summary_built`` annotation (:func:`with_summary_built`,
    read with the campaign, so a fresh process or an emptied cache reads the summary from its
    first page), else by the cache; the row marking it built decides in any case."""
    if known_built:
        built = getattr(campaign, "summary_built", None)
        if not (cache.get(_built_key(campaign.pk)) if built is None else built):
            return None
    if scope is not None:
        found = list(_stored_query(campaign.pk, scope))
    elif region is not None:
        found = _REGION_STORED.values(campaign=campaign.pk, region=region)
    else:
        found = _NATIONAL_STORED.values(campaign=campaign.pk)
    if not any(row[3] == BUILT for row in found):
        return None
    return [
        (region, department, ght or None, kind, legal_status, counts)
        for region, department, ght, kind, legal_status, counts in found
        if kind != BUILT
    ]


def _stored_query(campaign: int, scope: Q) -> QuerySet:
    """The summary rows of `scope` and the row marking the summary built, in a stable order."""
    return (
        CampaignSummary.objects.filter(campaign=campaign)
        .filter(scope | Q(kind=BUILT))
        .order_by("pk")
        .values_list(
            "region_id",
            "department_id",
            "ght_id",
            "kind",
            "legal_status",
            "counts",
        )
    )


_REGION_STORED = PrecompiledQuery(
    CampaignSummary,
    lambda campaign, region: _stored_query(campaign, Q(region_id=region)),
    campaign=1,
    region="00",
)
_NATIONAL_STORED = PrecompiledQuery(
    CampaignSummary, lambda campaign: _stored_query(campaign, scope_q()), campaign=1
)


def decoded(stored: list[tuple]) -> list[dict]:
    """Stored rows (:func:`stored_rows`) as the raw rows of the grouped count: the JSON of
    every row decoded at once."""
    counts = json.loads("[" + ",".join(row[5] for row in stored) + "]")
    return [
        {
            "region_id": region,
            "department_id": department,
            "ght_id": ght,
            "kind": kind,
            "legal_status": legal_status,
            **values,
        }
        for (region, department, ght, kind, legal_status, _text), values in zip(
            stored, counts, strict=True
        )
    ]


def with_summary_built(campaigns: QuerySet) -> QuerySet:
    """The campaigns, each annotated ``summary_built`` (its summary's marker row exists)."""
    return campaigns.annotate(
        summary_built=Exists(CampaignSummary.objects.filter(campaign=OuterRef("pk"), kind=BUILT))
    )


def differences(campaign: Campaign) -> list[str]:
    """Where the stored summary and a live count disagree, in French (empty when they agree)."""
    stored = summary_rows(campaign, scope_q(), known_built=False)
    if stored is None:
        return [f"Campagne {campaign.year} : synthèse non construite."]
    live = live_rows(campaign)
    found = {_key(row): row for row in stored}
    problems = []
    for group in sorted(set(live) | set(found), key=str):
        a, b = live.get(group), found.get(group)
        a = {k: v for k, v in (a or {}).items() if k not in KEY_FIELDS}
        b = {k: v for k, v in (b or {}).items() if k not in KEY_FIELDS}
        if not _same(a, b):
            problems.append(f"Campagne {campaign.year}, groupe {group} : {b} au lieu de {a}.")
    return problems


def _same(a: dict, b: dict) -> bool:
    if set(a) != set(b) and any(a.get(k) or b.get(k) for k in set(a) ^ set(b)):
        return False
    for name in set(a) | set(b):
        x, y = a.get(name) or 0, b.get(name) or 0
        if isinstance(x, float) or isinstance(y, float):
            if abs(x - y) > 1e-6 * max(1.0, abs(x)):
                return False
        elif x != y:
            return False
    return True


def scope_q(*, region=None, ght=None) -> Q:
    if ght is not None:
        return Q(ght_id=ght.pk)
    if region is not None:
        return Q(region_id=region.code)
    return Q(pk__isnull=False)


__all__: Sequence[str] = (
    "rebuild_summary",
    "refresh_groups",
    "registry_changed",
    "summary_rows",
    "stored_rows",
    "decoded",
    "with_summary_built",
    "differences",
)
