"""Saving an assessment's answers: checked against the referential and the person's rights,
all or nothing, with history, and the score snapshot refreshed.

GHT-level requirements (``applies_to == ["GHT"]``) are answered once per GHT, on the assessment of
the GHT's support establishment for the same campaign: written there by the GHT lead alone.

Requirements the ARS records for the establishment (``answered_by: ars``: the CPOM, 2-2) are
written by the ARS of its region alone, whatever the assessment's status (they are never the
establishment's answers, scores or gaps), and each such write is in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assessments.models import Answer, Assessment
from assessments.scoring.compiled import CompiledReferential, compiled_referential
from assessments.scoring.model import AssessmentResult
from assessments.scoring.service import (
    compute_result,
    kinds_of,
    recompute_snapshots,
    refresh_snapshot,
)
from audit.models import Action
from audit.services import record_event
from establishments.models import User
from referential.rules import AnswerError


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
    may_record_ars: bool = False,
) -> dict[str, Any]:
    """The answers normalized by their rules; raises AnswersRejected with one message per code."""
    establishment = assessment.establishment
    kinds = kinds_of(establishment.kind, establishment.ght_id)
    is_support = establishment.is_ght_support
    # Conditions aside: a follow-up may be answered with the answer it depends on.
    asked = {s.code for s in compiled.model.asked(None, kinds=kinds, ght_support=is_support)}
    applicable = {entry.code for entry in compiled.model.applicable(kinds)}
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
        elif spec.recorded_by_ars and may_record_ars:
            if code not in applicable:
                errors[code] = _("Cette exigence ne s'applique pas à ce type d'établissement.")
                continue
        elif spec.recorded_by_ars:
            errors[code] = _(
                "Exigence renseignée par l'ARS pour l'établissement : l'établissement n'y répond "
                "pas, elle s'affiche en lecture seule."
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
        .select_related("establishment__ght", "establishment__region", "campaign")
        .get(pk=assessment.pk)
    )
    compiled = compiled_referential(locked.campaign.referential_id)
    by_ars = {
        code
        for code in answers
        if getattr(compiled.model.by_code.get(code), "recorded_by_ars", False)
    }
    # The ARS of the region writes its own items only, whatever the status.
    ars_only = bool(answers) and by_ars == set(answers)
    may_record_ars = ars_only and user.has_perm("assessments.record_ars_answers", locked)
    if not locked.is_editable and not may_record_ars:
        raise AssessmentLocked
    may_edit = user.has_perm("assessments.edit_answers", locked)
    may_edit_ght = user.has_perm("assessments.edit_ght_answers", locked)
    if not may_edit and not may_edit_ght and not may_record_ars:
        raise PermissionDenied
    if locked.version != expected_version:
        raise StaleVersion(locked.version)
    cleaned = _clean_answers(
        assessment=locked,
        answers=answers,
        compiled=compiled,
        may_edit=may_edit,
        may_edit_ght=may_edit_ght,
        may_record_ars=may_record_ars,
    )
    # The conditional update is what guarantees no lost update where rows are not locked.
    bumped = Assessment.objects.filter(pk=locked.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not bumped:
        raise StaleVersion(Assessment.objects.values_list("version", flat=True).get(pk=locked.pk))
    changed = _write_answers(assessment=locked, cleaned=cleaned, compiled=compiled, user=user)
    locked.version = assessment.version = expected_version + 1
    if may_record_ars and changed:
        record_event(
            actor=user,
            action=Action.ARS_ANSWER,
            establishment=locked.establishment,
            detail={
                "assessment": locked.pk,
                "year": locked.campaign.year,
                "answers": {code: cleaned[code] for code in sorted(changed)},
            },
        )

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
