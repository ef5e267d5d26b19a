"""Scoring an assessment and storing its score snapshot (one, or many in bulk).

GHT-level requirements (``applies_to == ["GHT"]``) are answered once per GHT, on the assessment of
the GHT's support establishment for the same campaign; every member's scores use those answers.
EJ-level requirements (``answered_at: EJ``) likewise, once per legal entity, on the site that holds
them (``assessments.ej_level``).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from assessments.ej_level import ej_key, ej_level_answers
from assessments.models import Answer, Assessment, Campaign, ScoreSnapshot
from assessments.scoring.compiled import CompiledReferential, compiled_referential
from assessments.scoring.copies import COPIED_FIELDS, copied_from, copied_values
from assessments.scoring.model import AssessmentResult
from assessments.scoring.snapshot import snapshot_detail
from care_portal.precompiled import PrecompiledQuery
from establishments.models import Establishment
from referential.headlines import Headline

SUBMITTED_STATUSES = frozenset({Assessment.Status.SUBMITTED, Assessment.Status.VALIDATED})
# Headline -> its ScoreSnapshot column (checked by assessments.checks).
HEADLINE_FIELDS = {h.value: h.snapshot_field for h in Headline if h.snapshot_field}
DOMAIN_FIELDS = {"D1": "score_d1", "D2": "score_d2", "D3": "score_d3", "D4": "score_d4"}
SNAPSHOT_FIELDS = [
    "score_global",
    "score_care",
    *DOMAIN_FIELDS.values(),
    *HEADLINE_FIELDS.values(),
    "count_met",
    "count_partial",
    "count_not_met",
    "count_unanswered",
    "count_not_applicable",
    "count_overdue",
    "count_answered",
    "detail",
    "computed_at",
]
# What a write sets: the scores, and the copies of what lists filter on.
WRITTEN_FIELDS = [*SNAPSHOT_FIELDS, *COPIED_FIELDS]


# A group of establishments as counters keep them: (region, department, GHT or None, kind,
# legal status).
Group = tuple[str, str, int | None, str, str]
_snapshot_listeners: list[Callable[..., None]] = []


def on_snapshots_written(listener: Callable[..., None]) -> None:
    """Have `listener(campaign, groups, whole_campaign=…)` told, in the writing transaction, of
    the campaign and the groups of establishments whose snapshots were just written;
    ``whole_campaign``: every assessment of the campaign was (registered once per listener)."""
    if listener not in _snapshot_listeners:
        _snapshot_listeners.append(listener)


def group_of(establishment) -> Group:
    return (
        establishment.region_id,
        establishment.department_id,
        establishment.ght_id,
        establishment.kind,
        establishment.legal_status,
    )


def counts_changed(assessment: Assessment) -> None:
    """Tell the snapshot listeners that what the dashboards count of this assessment changed
    without a snapshot write (a plan the ARS agreed, or no longer), in the same transaction."""
    if _snapshot_listeners:
        _written(assessment.campaign, {group_of(assessment.establishment)})


def campaign_counts_changed(campaign: Campaign) -> None:
    """Tell the snapshot listeners that what the dashboards count over a whole campaign changed
    without a snapshot write (a candidacy filed: the sites a call's targets concern), in the
    same transaction: the campaign's counters are rebuilt."""
    if _snapshot_listeners:
        _written(campaign, set(), whole_campaign=campaign)


def _written(
    campaign,
    groups: set[Group],
    *,
    whole_campaign: Campaign | None = None,
    locked: bool = False,
) -> None:
    """Tell the listeners, the groups locked first (unless the write that precedes took their
    locks already: `locked`)."""
    if not _snapshot_listeners:
        return
    if groups and not locked and whole_campaign is None:
        lock_groups(groups)
    for listener in _snapshot_listeners:
        listener(campaign, groups, whole_campaign=whole_campaign)


# --- one writer of a group at a time ------------------------------------------------------------
#
# What counts a group again after a write (the dashboards' summary) counts it in the writing
# transaction, from what that transaction sees: on PostgreSQL, another transaction's write of the
# same group, not yet committed, is not seen, and whichever commits last would store a count that
# misses the other's. The writes of one group therefore take a transaction-scoped advisory lock
# of the group first: the second writer waits for the first to commit, and its count (a later
# statement, hence a later snapshot of the data) sees the first's write. Locks are taken in one
# order (sorted keys), so that writers of several groups never wait on each other in a cycle.
# SQLite lets one transaction write at a time already.

_LOCK_KEYS = "(SELECT unnest(%s::bigint[]) AS k ORDER BY 1) keys"
_LOCK = "count(pg_advisory_xact_lock(k))"
LOCK_GROUPS_SQL = f"SELECT {_LOCK} FROM {_LOCK_KEYS}"  # noqa: S608 - fixed text
# The same, as a query the snapshot's upsert refers to (see `_upsert_values`).
LOCKED_CTE = f"WITH locked AS MATERIALIZED (SELECT {_LOCK} AS n FROM {_LOCK_KEYS}) "  # noqa: S608


def group_lock_keys(groups: Iterable[Group]) -> list[int]:
    """The advisory-lock keys of these groups, sorted: 64-bit digests of the groups, the same in
    every process."""
    return sorted(
        {
            int.from_bytes(
                hashlib.blake2b(repr(tuple(group)).encode(), digest_size=8).digest(),
                "big",
                signed=True,
            )
            for group in groups
        }
    )


def lock_groups(groups: Iterable[Group]) -> None:
    """Wait for, then hold until the end of the transaction, the locks of these groups
    (PostgreSQL; nothing elsewhere)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(LOCK_GROUPS_SQL, [group_lock_keys(groups)])


# --- scoring one assessment -------------------------------------------------------------------


def kinds_of(kind: str, ght_id: int | None) -> frozenset[str]:
    """The kinds an establishment answers for: its own, and GHT when it belongs to one."""
    return frozenset((kind, "GHT")) if ght_id else frozenset((kind,))


def ght_level_answers(
    *, campaign_id: int, ght_ids: Iterable[int], compiled: CompiledReferential
) -> dict[int, dict[str, Any]]:
    """GHT id -> the GHT-level answers held on its support establishment's assessment."""
    ght_ids = sorted(ght_ids)
    found: dict[int, dict[str, Any]] = defaultdict(dict)
    if not ght_ids or not compiled.ght_level_codes:
        return found
    values = {
        "campaign_id": campaign_id,
        "ght_ids": ght_ids,
        "requirement_ids": sorted(compiled.ght_level_ids),
    }
    # One GHT (an assessment read or scored alone): the SQL built once; many, built here.
    rows = (
        _GHT_LEVEL_ANSWERS.values(**values) if len(ght_ids) == 1 else _ght_level_answers(**values)
    )
    for ght_id, requirement_id, value in rows:
        found[ght_id][compiled.code_by_id[requirement_id]] = value
    return found


def _ght_level_answers(*, campaign_id, ght_ids, requirement_ids) -> QuerySet:
    return Answer.objects.filter(
        assessment__campaign_id=campaign_id,
        assessment__establishment__ght_id__in=ght_ids,
        assessment__establishment_id=F("assessment__establishment__ght__support_establishment_id"),
        requirement_id__in=requirement_ids,
        value__isnull=False,
    ).values_list("assessment__establishment__ght_id", "requirement_id", "value")


_GHT_LEVEL_ANSWERS = PrecompiledQuery(
    Answer,
    _ght_level_answers,
    campaign_id=-1,
    ght_ids=[-1_000_000],
    requirement_ids=[-2_000_000],
)


def _merge_ght_answers(
    answers: dict[str, Any],
    ght_answers: Mapping[str, Any],
    compiled: CompiledReferential,
    ej_answers: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    for code in compiled.ght_level_codes | compiled.ej_level_codes:
        answers.pop(code, None)
    answers.update(ght_answers)
    answers.update(ej_answers or {})
    return answers


_OWN_ANSWERS = PrecompiledQuery(
    Answer,
    lambda assessment_id: Answer.objects.filter(
        assessment_id=assessment_id, value__isnull=False
    ).values_list("requirement_id", "value"),
    assessment_id=-1,
)


def answers_for_scoring(
    assessment: Assessment,
    *,
    own: Mapping[str, Any] | None = None,
    ght_answers: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The answers an assessment is scored on: its own, and its GHT's GHT-level answers.

    ``own``: its own answers {code: value} when the caller already holds them (a save), read
    otherwise; ``ght_answers`` likewise, its GHT's GHT-level answers held by the support.
    """
    compiled = compiled_referential(assessment.campaign.referential_id)
    if own is None:
        rows = _OWN_ANSWERS.values(assessment_id=assessment.pk)
        answers = {
            compiled.code_by_id[rid]: value for rid, value in rows if rid in compiled.code_by_id
        }
    else:
        answers = {code: value for code, value in own.items() if value is not None}
    establishment = assessment.establishment
    ght_id = establishment.ght_id
    found_ght: Mapping[int, Mapping[str, Any]] = {}
    if ght_id and compiled.ght_level_codes:
        if ght_answers is not None:
            found_ght = {ght_id: ght_answers}
        elif own is not None and establishment.ght.support_establishment_id == establishment.pk:
            # The support holds its GHT's answers among its own (the caller loaded its GHT).
            found_ght = {
                ght_id: {c: v for c, v in answers.items() if c in compiled.ght_level_codes}
            }
        else:
            found_ght = ght_level_answers(
                campaign_id=assessment.campaign_id, ght_ids=[ght_id], compiled=compiled
            )
    ej_answers = ej_level_answers(
        campaign_id=assessment.campaign_id,
        keys=[ej_key(assessment)],
        ids_to_codes=compiled.ej_level_ids,
    )
    return _merge_ght_answers(
        answers, found_ght.get(ght_id, {}), compiled, ej_answers.get(ej_key(assessment))
    )


def compute_result(
    assessment: Assessment, *, answers: Mapping[str, Any] | None = None
) -> AssessmentResult:
    """A fresh computation of the assessment's statuses, scores, gaps and headline targets."""
    compiled = compiled_referential(assessment.campaign.referential_id)
    if answers is None:
        answers = answers_for_scoring(assessment)
    establishment = assessment.establishment
    return compiled.model.score(
        answers,
        kinds=kinds_of(establishment.kind, establishment.ght_id),
        reference_date=assessment.effective_reference_date(),
        submitted=assessment.status in SUBMITTED_STATUSES,
    )


# --- the snapshot -----------------------------------------------------------------------------


def snapshot_values(result: AssessmentResult, *, reference_date: date) -> dict[str, Any]:
    """The ScoreSnapshot fields for a result (the only way a snapshot is written)."""
    counts = result.counts
    return {
        "score_global": result.score_global,
        "score_care": result.score_care,
        **{field: result.domains.get(code) for code, field in DOMAIN_FIELDS.items()},
        **{field: result.headline.get(name) for name, field in HEADLINE_FIELDS.items()},
        "count_met": counts["met"],
        "count_partial": counts["partial"],
        "count_not_met": counts["not_met"],
        "count_unanswered": counts["unanswered"],
        "count_not_applicable": counts["not_applicable"],
        "count_overdue": result.severity_counts["overdue"],
        "count_answered": result.progress.answered,
        "detail": snapshot_detail(result, reference_date=reference_date),
        "computed_at": timezone.now(),
    }


def refresh_snapshot(
    assessment: Assessment, *, result: AssessmentResult | None = None
) -> ScoreSnapshot:
    """Compute (unless given) and store the assessment's score snapshot."""
    if result is None:
        result = compute_result(assessment)
    values = snapshot_values(result, reference_date=assessment.effective_reference_date())
    snapshot = ScoreSnapshot(assessment=assessment, **values, **copied_from(assessment))
    group = group_of(assessment.establishment)
    # One INSERT … ON CONFLICT DO UPDATE, where update_or_create takes a savepoint, a SELECT
    # and an UPDATE or INSERT; on PostgreSQL, the same statement takes the group's lock.
    if connection.vendor == "postgresql" and _snapshot_listeners:
        row = {"assessment_id": assessment.pk, **values, **copied_from(assessment)}
        _upsert_values([row], lock=[group])
        _written(assessment.campaign, {group}, locked=True)
        return snapshot
    ScoreSnapshot.objects.bulk_create(
        [snapshot],
        update_conflicts=True,
        unique_fields=["assessment"],
        update_fields=WRITTEN_FIELDS,
    )
    _written(assessment.campaign, {group})
    return snapshot


def recompute_snapshots(
    assessments: QuerySet[Assessment],
    *,
    chunk_size: int = 1000,
    ght_answers: Mapping[int, Mapping[str, Any]] | None = None,
    whole_campaign: Campaign | None = None,
    processes: int = 1,
    notify: bool = True,
) -> int:
    """Recompute and store the snapshots of many assessments in bulk; returns how many.

    Scored in Python chunk by chunk (one query for the chunk's answers, one for its stored
    snapshots), the changed snapshots written per chunk in a few statements (:func:`_store`);
    the unchanged ones are not written again. ``ght_answers``: GHT id -> its GHT-level answers,
    when the caller holds them (the GHT-level save that triggers the recompute); read otherwise.
    ``whole_campaign``: the campaign whose every assessment `assessments` are (the counters kept
    per campaign are then rebuilt). ``processes``: split the work by ranges of ids over that
    many processes, each with its own connection (the listeners told once, here, at the end).
    ``notify``: tell the snapshot listeners (a worker process of a split run does not).
    """
    rows = list(
        assessments.order_by("campaign_id", "pk").values_list(
            "pk",
            "campaign_id",
            "campaign__referential_id",
            "establishment__kind",
            "establishment__ght_id",
            "status",
            "reference_date",
            "establishment__finess_ej",
            "establishment__region_id",
            "establishment__department_id",
            "establishment__legal_status",
            "establishment__is_active",
            Establishment.category_group_sql("establishment"),
        )
    )
    by_campaign: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for row in rows:
        by_campaign[(row[1], row[2])].append(row)
    if processes > 1 and len(rows) > chunk_size and split_runs_possible():
        _in_processes(sorted(row[0] for row in rows), processes, chunk_size, ght_answers)
    else:
        for (campaign_id, referential_id), campaign_rows in by_campaign.items():
            _recompute_campaign(campaign_id, referential_id, campaign_rows, chunk_size, ght_answers)
    if notify and _snapshot_listeners:
        for (campaign_id, _referential_id), campaign_rows in by_campaign.items():
            _written(
                whole_campaign
                or Campaign.objects.select_related("referential").get(pk=campaign_id),
                {(r[8], r[9], r[4], r[3], r[10]) for r in campaign_rows},
                whole_campaign=whole_campaign,
            )
    return len(rows)


def _recompute_campaign(
    campaign_id: int,
    referential_id: int,
    campaign_rows: list[tuple],
    chunk_size: int,
    ght_answers: Mapping[int, Mapping[str, Any]] | None,
) -> None:
    today = timezone.localdate()
    compiled = compiled_referential(referential_id)
    ght_ids = {row[4] for row in campaign_rows if row[4]}
    known = ght_answers or {}
    campaign_ght_answers = {ght: known[ght] for ght in ght_ids if ght in known}
    campaign_ght_answers.update(
        ght_level_answers(campaign_id=campaign_id, ght_ids=ght_ids - set(known), compiled=compiled)
    )
    ej_answers = ej_level_answers(
        campaign_id=campaign_id,
        keys={(row[7], row[3]) for row in campaign_rows},
        ids_to_codes=compiled.ej_level_ids,
    )
    for start in range(0, len(campaign_rows), chunk_size):
        chunk = campaign_rows[start : start + chunk_size]
        _store(_score_chunk(chunk, compiled, campaign_ght_answers, today, ej_answers))


def default_processes() -> int:
    """How many processes a whole campaign's rescoring (``recompute_scores``) uses unless told:
    two where the machine has two cores or more. A rescoring is about half Python (scoring)
    and half database (reading answers, writing snapshots): two processes keep both busy, where
    one leaves the database waiting for Python and Python for the database."""
    return max(1, min(2, os.cpu_count() or 1))


def split_runs_possible() -> bool:
    """Several processes can share the work: the database is not an in-memory SQLite one
    (private to this process), and no transaction is open (the others would not see it)."""
    if connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def _in_processes(
    ids: list[int],
    processes: int,
    chunk_size: int,
    ght_answers: Mapping[int, Mapping[str, Any]] | None,
) -> None:
    """Recompute these assessments in `processes` forked processes, one range of ids each."""
    share = -(-len(ids) // processes)
    ranges = [(ids[i], ids[min(i + share, len(ids)) - 1]) for i in range(0, len(ids), share)]
    # Each child opens its own connection: none is shared across the fork (nor a pool's idle
    # connections, which a closed connection goes back to: the pools are closed too).
    connections.close_all()
    for wrapper in connections.all(initialized_only=True):
        if getattr(wrapper, "pool", None) is not None:
            wrapper.close_pool()
    context = multiprocessing.get_context("fork")
    with context.Pool(len(ranges)) as pool:
        failures = [
            error
            for error in pool.starmap(
                _recompute_range, [(low, high, chunk_size, ght_answers) for low, high in ranges]
            )
            if error
        ]
    if failures:
        raise RuntimeError("; ".join(failures))


def _recompute_range(
    low: int, high: int, chunk_size: int, ght_answers: Mapping[int, Mapping[str, Any]] | None
) -> str:
    """In a child process: recompute the assessments with ids in [low, high]; the error text,
    if it failed."""
    try:
        recompute_snapshots(
            Assessment.objects.filter(pk__gte=low, pk__lte=high),
            chunk_size=chunk_size,
            ght_answers=ght_answers,
            notify=False,
        )
        return ""
    except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
        return f"{low}-{high}: {error!r}"
    finally:
        connections.close_all()


def _answers_by_assessment(ids: list[int]) -> Iterable[tuple[int, dict[str, Any]]]:
    """(assessment id, {requirement id as text: value}) of these assessments' given answers:
    one JSON document per assessment, built by the database (decoding one value at a time
    through the ORM costs most of a bulk recompute)."""
    if not ids:
        return []
    table = Answer._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            "SELECT assessment_id, jsonb_object_agg(requirement_id::text, value)::text "  # noqa: S608
            f"FROM {table} WHERE assessment_id = ANY(%s) AND value IS NOT NULL "
            "GROUP BY assessment_id"
        )
        params: list[Any] = [list(ids)]
    else:
        marks = ", ".join(["%s"] * len(ids))
        sql = (
            "SELECT assessment_id, json_group_object(requirement_id, json(value)) "  # noqa: S608
            f"FROM {table} WHERE assessment_id IN ({marks}) AND value IS NOT NULL "
            "GROUP BY assessment_id"
        )
        params = list(ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(pk, json.loads(document)) for pk, document in cursor.fetchall()]


def _score_chunk(
    chunk: list[tuple],
    compiled: CompiledReferential,
    ght_answers: Mapping[int, Mapping[str, Any]],
    today: date,
    ej_answers: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The changed snapshots of a chunk, as the values of their fields (``assessment_id`` and
    :data:`WRITTEN_FIELDS`)."""
    code_by_id = compiled.code_by_id
    answers: dict[int, dict[str, Any]] = {}
    for assessment_id, by_requirement in _answers_by_assessment([row[0] for row in chunk]):
        answers[assessment_id] = {
            code_by_id[int(rid)]: value
            for rid, value in by_requirement.items()
            if int(rid) in code_by_id
        }
    compared = [name for name in WRITTEN_FIELDS if name != "computed_at"]
    stored = {
        row[0]: row[1:]
        for row in ScoreSnapshot.objects.filter(
            assessment_id__in=[row[0] for row in chunk]
        ).values_list("assessment_id", *compared)
    }
    snapshots = []
    for row in chunk:
        pk, campaign_id, _referential, kind, ght_id, status, reference_date, finess_ej = row[:8]
        region, department, legal_status, is_active, category_group = row[8:13]
        own = _merge_ght_answers(
            answers.get(pk, {}),
            ght_answers.get(ght_id, {}),
            compiled,
            (ej_answers or {}).get((finess_ej, kind)),
        )
        reference_date = reference_date or today
        result = compiled.model.score(
            own,
            kinds=kinds_of(kind, ght_id),
            reference_date=reference_date,
            submitted=status in SUBMITTED_STATUSES,
        )
        values = snapshot_values(result, reference_date=reference_date)
        values |= copied_values(
            campaign_id,
            status,
            region,
            department,
            ght_id,
            kind,
            legal_status,
            is_active,
            category_group,
        )
        if stored.get(pk) == tuple(values[name] for name in compared):
            continue  # unchanged: not written again
        values["assessment_id"] = pk
        snapshots.append(values)
    return snapshots


# Below this many changed snapshots a chunk is one upsert; above, on PostgreSQL, COPY to a
# temporary table and one UPDATE … FROM (and an INSERT of the missing ones).
COPY_FROM = 200
_BATCH_TABLE = "score_snapshot_batch"


def _store(snapshots: list[dict[str, Any]]) -> None:
    """Write a chunk's changed snapshots (all or none: one transaction)."""
    if not snapshots:
        return
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql" and len(snapshots) >= COPY_FROM:
            _copy_and_update(snapshots)
        else:
            _upsert(snapshots)


# PostgreSQL: rows per INSERT … VALUES of the upsert.
UPSERT_BATCH = 100


def _upsert(snapshots: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT DO UPDATE, in as few statements as the database takes parameters."""
    now = timezone.now()
    for values in snapshots:
        values["computed_at"] = now
    if connection.vendor == "postgresql":
        _upsert_values(snapshots)
        return
    ScoreSnapshot.objects.bulk_create(
        [ScoreSnapshot(**values) for values in snapshots],
        update_conflicts=True,
        unique_fields=["assessment"],
        update_fields=WRITTEN_FIELDS,
    )


def _upsert_values(snapshots: list[dict[str, Any]], *, lock: Iterable[Group] = ()) -> None:
    """PostgreSQL: the upsert as VALUES rows, each JSON detail sent as one text. Django's
    `bulk_create` sends several rows as one array per column (``UNNEST``), and the driver
    escapes every quote of every JSON document into the array's text in Python: most of a
    GHT-level save's time, which rescores its members this way. `lock`: groups whose locks
    (:func:`lock_groups`) the first statement takes before it writes (one statement for a
    single save's snapshot and its group's lock)."""
    table = ScoreSnapshot._meta.db_table
    columns = _columns()
    names = ", ".join(f'"{column}"' for _name, column in columns)
    marks = {"detail": "%s::jsonb"}
    updates = ", ".join(f'"{column}" = excluded."{column}"' for _name, column in columns[1:])
    keys = group_lock_keys(lock)
    with connection.cursor() as cursor:
        for start in range(0, len(snapshots), UPSERT_BATCH):
            batch = snapshots[start : start + UPSERT_BATCH]
            head, locks = "", []
            if keys and not start:
                # The lock's query is referenced by the rows' time of computation, so that it
                # runs (once) before they are written.
                head = LOCKED_CTE
                locks = [keys]
                marks["computed_at"] = "(SELECT %s::timestamptz FROM locked)"
            else:
                marks.pop("computed_at", None)
            row = "(" + ", ".join(marks.get(name, "%s") for name, _c in columns) + ")"
            cursor.execute(
                f"{head}INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(batch))} "  # noqa: S608 - fixed names
                f"ON CONFLICT (assessment_id) DO UPDATE SET {updates}",
                [
                    *locks,
                    *(
                        json.dumps(values[name]) if name == "detail" else values[name]
                        for values in batch
                        for name, _column in columns
                    ),
                ],
            )


def _columns() -> list[tuple[str, str]]:
    """(field name, column) of what a bulk write sets, the assessment first."""
    opts = ScoreSnapshot._meta
    return [(name, opts.get_field(name).column) for name in ["assessment_id", *WRITTEN_FIELDS]]


def _copy_and_update(snapshots: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY the chunk into a temporary table, then one UPDATE … FROM of the stored
    snapshots and one INSERT of those not stored yet (no row handled by the ORM)."""
    table = ScoreSnapshot._meta.db_table
    columns = _columns()
    names = ", ".join(f'"{column}"' for _name, column in columns)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_BATCH_TABLE} "  # noqa: S608 - fixed names
            f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"TRUNCATE {_BATCH_TABLE}")
        with cursor.cursor.copy(f"COPY {_BATCH_TABLE} ({names}) FROM STDIN") as copy:
            for values in snapshots:
                values["computed_at"] = now
                copy.write_row(
                    [
                        json.dumps(values[name]) if name == "detail" else values[name]
                        for name, _column in columns
                    ]
                )
        assignments = ", ".join(f'"{column}" = b."{column}"' for _name, column in columns[1:])
        cursor.execute(
            f"UPDATE {table} s SET {assignments} FROM {_BATCH_TABLE} b "  # noqa: S608
            "WHERE s.assessment_id = b.assessment_id"
        )
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {_BATCH_TABLE} b "  # noqa: S608
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE s.assessment_id = b.assessment_id) "
            "ON CONFLICT (assessment_id) DO NOTHING"
        )
        cursor.execute(f"TRUNCATE {_BATCH_TABLE}")
