"""Answers and scores of assessments: saving answers, the score snapshot, peer comparison.

GHT-level requirements (``applies_to == ["GHT"]``) are answered once per GHT, on the assessment of
the GHT's support establishment for the same campaign; every member's scores use those answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assessments.models import Answer, Assessment, ScoreSnapshot
from assessments.scoring import AssessmentResult
from assessments.snapshot import snapshot_detail
from assessments.specs import CompiledReferential, compiled_referential
from establishments.models import User
from referential.headlines import Headline
from referential.rules import AnswerError

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


class AssessmentLocked(Exception):
    """The assessment is submitted or validated: its answers are read-only."""


class StaleVersion(Exception):
    """Someone saved the assessment since the version the caller read."""

    def __init__(self, current_version: int):
        super().__init__(current_version)
        self.current_version = current_version


class AnswersRejected(Exception):
    """Some answers are invalid; ``errors`` maps each requirement code to a French message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


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
    answers: dict[str, Any], ght_answers: Mapping[str, Any], compiled: CompiledReferential
) -> dict[str, Any]:
    for code in compiled.ght_level_codes:
        answers.pop(code, None)
    answers.update(ght_answers)
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
    return _merge_ght_answers(answers, ght_answers.get(ght_id, {}), compiled)


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
        for start in range(0, len(campaign_rows), chunk_size):
            chunk = campaign_rows[start : start + chunk_size]
            _store_snapshots(_score_chunk(chunk, compiled, ght_answers, today))
    return len(rows)


def _score_chunk(
    chunk: list[tuple],
    compiled: CompiledReferential,
    ght_answers: Mapping[int, Mapping[str, Any]],
    today: date,
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
    for pk, _campaign, _referential, kind, ght_id, status, reference_date in chunk:
        own = _merge_ght_answers(answers.get(pk, {}), ght_answers.get(ght_id, {}), compiled)
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


# --- saving answers ---------------------------------------------------------------------------


def _unchanged_codes(
    assessment: Assessment,
    answers: Mapping[str, Any],
    codes: Iterable[str],
    compiled: CompiledReferential,
) -> set[str]:
    """The codes among ``codes`` whose answer is given exactly as it is stored (None: none)."""
    wanted = {compiled.id_by_code[code]: code for code in codes if code in answers}
    if not wanted:
        return set()
    stored = dict(
        Answer.objects.filter(
            assessment=assessment, requirement_id__in=wanted, value__isnull=False
        ).values_list("requirement_id", "value")
    )
    unchanged = set()
    for rid, code in wanted.items():
        given, kept = answers[code], stored.get(rid)
        if given == kept and type(given) is type(kept):
            unchanged.add(code)
    return unchanged


def _clean_answers(
    *,
    assessment: Assessment,
    answers: Mapping[str, Any],
    compiled: CompiledReferential,
    may_edit: bool,
    may_edit_ght: bool,
) -> dict[str, Any]:
    """The answers normalized by their rules; raises AnswersRejected with one message per code."""
    establishment = assessment.establishment
    kinds = kinds_of(establishment.kind, establishment.ght_id)
    is_support = establishment.is_ght_support
    # Conditions aside: a follow-up may be answered with the answer it depends on.
    asked = {s.code for s in compiled.model.asked(None, kinds=kinds, ght_support=is_support)}
    reference_date = assessment.effective_reference_date()
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    unchanged = (
        set()
        if may_edit_ght or not is_support
        else _unchanged_codes(assessment, answers, compiled.ght_level_codes, compiled)
    )
    for code, value in answers.items():
        spec = compiled.model.by_code.get(code)
        if spec is None:
            errors[code] = _("Exigence inconnue dans le référentiel de cette campagne.")
            continue
        if code in compiled.ght_level_codes:
            if code not in asked:
                errors[code] = _(
                    "Exigence de niveau GHT : elle se renseigne sur l'auto-évaluation de "
                    "l'établissement support du GHT."
                )
                continue
            if not may_edit_ght:
                if code in unchanged:
                    continue  # sent back as stored (an export, a PATCH of what was read)
                errors[code] = _(
                    "Exigence de niveau GHT : seul le responsable du GHT peut la renseigner ; "
                    "elle s'affiche ici en lecture seule."
                )
                continue
        elif code not in asked:
            errors[code] = _("Cette exigence ne s'applique pas à ce type d'établissement.")
            continue
        elif not may_edit:
            errors[code] = _("Seul le RSSI de l'établissement peut renseigner cette exigence.")
            continue
        try:
            cleaned[code] = compiled.model.rules[code].clean(
                value,
                reference_date=reference_date,
                not_applicable_allowed=spec.not_applicable_allowed,
            )
        except AnswerError as error:
            errors[code] = error.message
    if errors:
        raise AnswersRejected(errors)
    return cleaned


def _write_answers(
    *,
    assessment: Assessment,
    cleaned: Mapping[str, Any],
    compiled: CompiledReferential,
    user: User,
) -> set[str]:
    """Store the answers that changed (with their history); returns their codes."""
    existing = {
        answer.requirement_id: answer
        for answer in Answer.objects.filter(
            assessment=assessment,
            requirement_id__in=[compiled.id_by_code[code] for code in cleaned],
        )
    }
    now = timezone.now()
    to_create, to_update, changed = [], [], set()
    for code, value in cleaned.items():
        requirement_id = compiled.id_by_code[code]
        answer = existing.get(requirement_id)
        if answer is None:
            if value is None:
                continue
            to_create.append(
                Answer(
                    assessment=assessment,
                    requirement_id=requirement_id,
                    value=value,
                    updated_by=user,
                    updated_at=now,
                )
            )
        elif answer.value == value and type(answer.value) is type(value):
            continue
        else:
            answer.value, answer.updated_by, answer.updated_at = value, user, now
            to_update.append(answer)
        changed.add(code)
    if to_create:
        bulk_create_with_history(to_create, Answer, default_user=user, default_date=now)
    if to_update:
        bulk_update_with_history(
            to_update,
            Answer,
            ["value", "updated_by", "updated_at"],
            default_user=user,
            default_date=now,
        )
    return changed


@transaction.atomic
def save_answers(
    *, assessment: Assessment, answers: Mapping[str, Any], expected_version: int, user: User
) -> AssessmentResult:
    """Validate and store answers, bump the version and refresh the score snapshot.

    All or nothing: raises AssessmentLocked (submitted), PermissionDenied, StaleVersion (someone
    saved since ``expected_version``) or AnswersRejected (one message per bad answer), and then
    writes nothing. GHT-level answers are written by the GHT lead alone
    (``assessments.edit_ght_answers``); from anyone else, they are refused unless given exactly
    as stored. On success ``assessment.version`` holds the new version.
    """
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("establishment__ght", "campaign")
        .get(pk=assessment.pk)
    )
    if not locked.is_editable:
        raise AssessmentLocked
    may_edit = user.has_perm("assessments.edit_answers", locked)
    may_edit_ght = user.has_perm("assessments.edit_ght_answers", locked)
    if not may_edit and not may_edit_ght:
        raise PermissionDenied
    if locked.version != expected_version:
        raise StaleVersion(locked.version)
    compiled = compiled_referential(locked.campaign.referential_id)
    cleaned = _clean_answers(
        assessment=locked,
        answers=answers,
        compiled=compiled,
        may_edit=may_edit,
        may_edit_ght=may_edit_ght,
    )
    # The conditional update is what guarantees no lost update where rows are not locked.
    bumped = Assessment.objects.filter(pk=locked.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not bumped:
        raise StaleVersion(Assessment.objects.values_list("version", flat=True).get(pk=locked.pk))
    changed = _write_answers(assessment=locked, cleaned=cleaned, compiled=compiled, user=user)
    locked.version = assessment.version = expected_version + 1

    result = compute_result(locked)
    refresh_snapshot(locked, result=result)
    if changed & compiled.ght_level_codes:
        # The members of the GHT are scored on these answers too.
        recompute_snapshots(
            Assessment.objects.filter(
                campaign_id=locked.campaign_id, establishment__ght_id=locked.establishment.ght_id
            ).exclude(pk=locked.pk)
        )
    return result


# --- peers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerBenchmark:
    """Where an assessment's global score stands among its peers."""

    percentile: float | None
    peers: int


def peer_percentile(assessment: Assessment) -> PeerBenchmark:
    """Percentile of the global score among assessments of the same campaign, kind and region.

    The share of the other peers scoring lower, ties counting half: 100 means above every peer,
    0 below every peer. None without a score or without a scored peer. Reads snapshots.
    """
    own = ScoreSnapshot.objects.filter(assessment=assessment).values_list("score_global", flat=True)
    score = next(iter(own), None)
    establishment = assessment.establishment
    peers = ScoreSnapshot.objects.filter(
        assessment__campaign_id=assessment.campaign_id,
        assessment__establishment__kind=establishment.kind,
        assessment__establishment__region_id=establishment.region_id,
        score_global__isnull=False,
    ).exclude(assessment_id=assessment.pk)
    if score is None:
        return PeerBenchmark(percentile=None, peers=peers.count())
    counts = peers.aggregate(
        total=Count("pk"),
        below=Count("pk", filter=Q(score_global__lt=score)),
        equal=Count("pk", filter=Q(score_global=score)),
    )
    if not counts["total"]:
        return PeerBenchmark(percentile=None, peers=0)
    share = (counts["below"] + 0.5 * counts["equal"]) / counts["total"]
    return PeerBenchmark(percentile=100 * share, peers=counts["total"])
