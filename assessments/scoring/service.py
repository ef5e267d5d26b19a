"""Scoring an assessment and storing its score snapshot (one, or many in bulk).

GHT-level requirements (``applies_to == ["GHT"]``) are answered once per GHT, on the assessment of
the GHT's support establishment for the same campaign; every member's scores use those answers.
EJ-level requirements (``answered_at: EJ``) likewise, once per legal entity, on the site that holds
them (``assessments.ej_level``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db.models import F, QuerySet
from django.db.models.functions import Now
from django.utils import timezone

from assessments.ej_level import ej_key, ej_level_answers
from assessments.models import Answer, Assessment, ScoreSnapshot
from assessments.scoring.compiled import CompiledReferential, compiled_referential
from assessments.scoring.model import AssessmentResult
from assessments.scoring.snapshot import snapshot_detail
from referential.headlines import Headline

SUBMITTED_STATUSES = frozenset({Assessment.Status.SUBMITTED, Assessment.Status.VALIDATED})
# Headline -> its ScoreSnapshot column (checked by assessments.checks).
HEADLINE_FIELDS = {h.value: h.snapshot_field for h in Headline if h.snapshot_field}
DOMAIN_FIELDS = {"D1": "score_d1", "D2": "score_d2", "D3": "score_d3", "D4": "score_d4"}
SNAPSHOT_FIELDS = [
    "score_global",
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


# --- scoring one assessment -------------------------------------------------------------------


def kinds_of(kind: str, ght_id: int | None) -> frozenset[str]:
    """The kinds an establishment answers for: its own, and GHT when it belongs to one."""
    return frozenset((kind, "GHT")) if ght_id else frozenset((kind,))


def ght_level_answers(
    *, campaign_id: int, ght_ids: Iterable[int], compiled: CompiledReferential
) -> dict[int, dict[str, Any]]:
    """GHT id -> the GHT-level answers held on its support establishment's assessment."""
    ght_ids = list(ght_ids)
    found: dict[int, dict[str, Any]] = defaultdict(dict)
    if not ght_ids or not compiled.ght_level_codes:
        return found
    rows = Answer.objects.filter(
        assessment__campaign_id=campaign_id,
        assessment__establishment__ght_id__in=ght_ids,
        assessment__establishment_id=F("assessment__establishment__ght__support_establishment_id"),
        requirement_id__in=compiled.ght_level_ids,
        value__isnull=False,
    ).values_list("assessment__establishment__ght_id", "requirement_id", "value")
    for ght_id, requirement_id, value in rows:
        found[ght_id][compiled.code_by_id[requirement_id]] = value
    return found


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


def answers_for_scoring(assessment: Assessment) -> dict[str, Any]:
    """The answers an assessment is scored on: its own, and its GHT's GHT-level answers."""
    compiled = compiled_referential(assessment.campaign.referential_id)
    rows = Answer.objects.filter(assessment=assessment, value__isnull=False).values_list(
        "requirement_id", "value"
    )
    answers = {compiled.code_by_id[rid]: value for rid, value in rows if rid in compiled.code_by_id}
    ght_id = assessment.establishment.ght_id
    ght_answers = (
        ght_level_answers(campaign_id=assessment.campaign_id, ght_ids=[ght_id], compiled=compiled)
        if ght_id
        else {}
    )
    ej_answers = ej_level_answers(
        campaign_id=assessment.campaign_id,
        keys=[ej_key(assessment)],
        ids_to_codes=compiled.ej_level_ids,
    )
    return _merge_ght_answers(
        answers, ght_answers.get(ght_id, {}), compiled, ej_answers.get(ej_key(assessment))
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
    snapshot, _created = ScoreSnapshot.objects.update_or_create(
        assessment=assessment, defaults=values
    )
    return snapshot


def recompute_snapshots(assessments: QuerySet[Assessment], *, chunk_size: int = 1000) -> int:
    """Recompute and store the snapshots of many assessments in bulk; returns how many."""
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
        )
    )
    today = timezone.localdate()
    by_campaign: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for row in rows:
        by_campaign[(row[1], row[2])].append(row)
    for (campaign_id, referential_id), campaign_rows in by_campaign.items():
        compiled = compiled_referential(referential_id)
        ght_answers = ght_level_answers(
            campaign_id=campaign_id,
            ght_ids={row[4] for row in campaign_rows if row[4]},
            compiled=compiled,
        )
        ej_answers = ej_level_answers(
            campaign_id=campaign_id,
            keys={(row[7], row[3]) for row in campaign_rows},
            ids_to_codes=compiled.ej_level_ids,
        )
        for start in range(0, len(campaign_rows), chunk_size):
            chunk = campaign_rows[start : start + chunk_size]
            _store_snapshots(_score_chunk(chunk, compiled, ght_answers, today, ej_answers))
    return len(rows)


def _score_chunk(
    chunk: list[tuple],
    compiled: CompiledReferential,
    ght_answers: Mapping[int, Mapping[str, Any]],
    today: date,
    ej_answers: Mapping[tuple[str, str], Mapping[str, Any]] | None = None,
) -> list[ScoreSnapshot]:
    code_by_id = compiled.code_by_id
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    rows = Answer.objects.filter(
        assessment_id__in=[row[0] for row in chunk], value__isnull=False
    ).values_list("assessment_id", "requirement_id", "value")
    for assessment_id, requirement_id, value in rows:
        code = code_by_id.get(requirement_id)
        if code is not None:
            answers[assessment_id][code] = value
    snapshots = []
    for pk, _campaign, _referential, kind, ght_id, status, reference_date, finess_ej in chunk:
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
        snapshots.append(ScoreSnapshot(assessment_id=pk, **values))
    return snapshots


def _store_snapshots(snapshots: list[ScoreSnapshot]) -> None:
    # An upsert (INSERT … ON CONFLICT DO UPDATE): one statement per batch, where bulk_update's
    # CASE WHEN per field and row manages only a few hundred rows per second.
    for snapshot in snapshots:
        # An expression keeps PostgreSQL's insert on VALUES: the UNNEST form quotes every JSON
        # document into an array literal, several times slower.
        snapshot.computed_at = Now()
    ScoreSnapshot.objects.bulk_create(
        snapshots,
        batch_size=100,
        update_conflicts=True,
        unique_fields=["assessment"],
        update_fields=SNAPSHOT_FIELDS,
    )
