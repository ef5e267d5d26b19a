"""Saving an assessment's answers: checked against the referential and the person's rights,
all or nothing, with history, and the score snapshot refreshed.

GHT-level requirements (``applies_to == ["GHT"]``) are answered once per GHT, on the assessment of
the GHT's support establishment for the same campaign: written there by the GHT lead alone.
EJ-level requirements (``answered_at: EJ``, the budget) are answered once per legal entity, on the
assessment of the site that holds them (``assessments.ej_level``): refused on its other sites.

"Not applicable" may come with the reason the RSSI gives; where the requirement says so
(``reason_required_for_na``), an N/A without a reason is refused (``na_reason_error``: the one
rule the form, the API and the JSON import apply). Any other answer clears the reason.

Requirements the ARS records for the establishment (``answered_by: ars``: the CPOM, 2-2) are
written by the ARS of its region alone, whatever the assessment's status (they are never the
establishment's answers, scores or gaps), and each such write is in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import (
    bulk_create_with_history,
    bulk_update_with_history,
    get_history_manager_for_model,
)

from assessments.answer_fields import MAX_NA_REASON_LENGTH
from assessments.ej_level import holder_of, sites_sharing
from assessments.exercise_register import derived_answers, refusal_message, register_answers
from assessments.models import Answer, Assessment, assessment_in_scope
from assessments.scoring.compiled import CompiledReferential, compiled_referential
from assessments.scoring.model import AssessmentResult
from assessments.scoring.service import (
    answers_for_scoring,
    compute_result,
    kinds_of,
    recompute_snapshots,
    refresh_snapshot,
)
from audit.models import Action
from audit.services import record_event
from care_portal.precompiled import PrecompiledQuery
from establishments.models import Scope, User
from referential.rules import NOT_APPLICABLE_VALUE, AnswerError


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


# --- the reason of "not applicable" ------------------------------------------------------------


class ReasonMessage(str):
    """A message about an N/A reason (not the answer): a workbook shows it at the reason cell."""


def na_reason_error(
    *, value: Any, reason: Any, reason_required: bool, stored_reason: str = ""
) -> str | None:
    message = _na_reason_error(
        value=value, reason=reason, reason_required=reason_required, stored_reason=stored_reason
    )
    return None if message is None else ReasonMessage(message)


def _na_reason_error(
    *, value: Any, reason: Any, reason_required: bool, stored_reason: str = ""
) -> str | None:
    """Why this N/A reason is refused for the answer ``value`` (already cleaned), or None.

    ``reason``: the reason given (None: none given, the stored one, ``stored_reason``, stays).
    """
    if reason is not None and not isinstance(reason, str):
        return _("Le motif de « non applicable » doit être un texte.")
    given = reason.strip() if reason is not None else None
    if value != NOT_APPLICABLE_VALUE:
        if given:
            return _(
                "Un motif n'accompagne qu'une réponse « non applicable » : retirez le motif "
                "ou répondez « non applicable »."
            )
        return None
    if given is not None and len(given) > MAX_NA_REASON_LENGTH:
        return _("Le motif dépasse %(max)s caractères : résumez-le.") % {
            "max": MAX_NA_REASON_LENGTH
        }
    effective = given if given is not None else stored_reason.strip()
    if reason_required and not effective:
        return _(
            "Indiquez pourquoi cette exigence ne s'applique pas à l'établissement : pour "
            "« non applicable », le motif est obligatoire ; la direction et l'ARS le liront."
        )
    return None


def na_reasons_of(assessment: Assessment) -> dict[str, str]:
    """{code: reason} of the assessment's own "not applicable" answers given with a reason."""
    return dict(
        Answer.objects.filter(assessment=assessment, value=NOT_APPLICABLE_VALUE)
        .exclude(na_reason="")
        .order_by("requirement__order")
        .values_list("requirement__code", "na_reason")
    )


def _stored_reasons(
    assessment: Assessment, ids: Iterable[int], existing: Mapping[int, Answer] | None = None
) -> dict[int, str]:
    """{requirement id: stored N/A reason} of those among ``ids`` stored "not applicable";
    ``existing``: the assessment's answers already read (see :func:`_read_answers`)."""
    ids = list(ids)
    if not ids:
        return {}
    if existing is not None:
        return {
            rid: existing[rid].na_reason
            for rid in ids
            if rid in existing and existing[rid].value == NOT_APPLICABLE_VALUE
        }
    return dict(
        Answer.objects.filter(
            assessment=assessment, requirement_id__in=ids, value=NOT_APPLICABLE_VALUE
        ).values_list("requirement_id", "na_reason")
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
    na_reasons: Mapping[str, Any],
    may_record_ars: bool = False,
    from_register: Mapping[str, Any] | None = None,
    register_writes: Mapping[str, Any] | None = None,
    existing: Mapping[int, Answer] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers normalized by their rules, and the N/A reasons to store with them.

    ``from_register``: the exercise answers the register gives (``assessments.exercise_register``);
    any other value given for them is refused. ``register_writes``: those of them to store.
    ``existing``: the assessment's answers already read by the save (else read here when needed).
    Raises AnswersRejected with one message per code.
    """
    from_register = from_register or {}
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
    ej_codes = compiled.ej_level_codes & set(answers)
    holder = holder_of(assessment) if ej_codes else assessment
    if holder.pk != assessment.pk:
        unchanged |= _unchanged_codes(holder, answers, ej_codes, compiled)
    for code in na_reasons:
        if code not in answers:
            errors[code] = _(
                "Un motif de « non applicable » se donne avec la réponse « non applicable »."
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
        elif code in ej_codes and holder.pk != assessment.pk:
            if code in unchanged and code not in na_reasons:
                continue  # sent back as the legal entity's answer reads
            errors[code] = _(
                "Exigence de l'entité juridique (FINESS EJ %(ej)s) : elle se renseigne une seule "
                "fois, sur l'auto-évaluation de %(site)s (FINESS ET %(finess)s), et s'affiche ici "
                "en lecture seule."
            ) % {
                "ej": assessment.establishment.finess_ej,
                "site": holder.establishment.display_name,
                "finess": holder.establishment.finess,
            }
            continue
        elif not may_edit:
            errors[code] = _("Seul le RSSI de l'établissement peut renseigner cette exigence.")
            continue
        elif code in from_register:
            if not _reads_as(compiled, code, value, from_register[code], reference_date):
                errors[code] = refusal_message(code, assessment)
            continue
        try:
            cleaned[code] = compiled.model.rules[code].clean(
                value,
                reference_date=reference_date,
                not_applicable_allowed=spec.not_applicable_allowed,
            )
        except AnswerError as error:
            errors[code] = error.message
    stored = _stored_reasons(
        assessment,
        [compiled.id_by_code[c] for c, v in cleaned.items() if v == NOT_APPLICABLE_VALUE],
        existing,
    )
    reasons: dict[str, str] = {}
    for code, value in cleaned.items():
        spec = compiled.model.by_code[code]
        reason = na_reasons.get(code)
        problem = na_reason_error(
            value=value,
            reason=reason,
            reason_required=code in compiled.na_reason_codes,
            stored_reason=stored.get(compiled.id_by_code[code], ""),
        )
        if problem:
            errors[code] = problem
        elif value == NOT_APPLICABLE_VALUE and spec.not_applicable_allowed:
            if reason is not None:
                reasons[code] = reason.strip()
        else:
            reasons[code] = ""
    if errors:
        raise AnswersRejected(errors)
    for code, value in (register_writes or {}).items():
        cleaned[code] = value
        reasons[code] = ""
    return cleaned, reasons


def _reads_as(
    compiled: CompiledReferential, code: str, given: Any, register: Any, reference_date
) -> bool:
    """Whether an answer given for a register requirement says what the register says (an
    export sent back as it was read)."""
    if given is None or given == "":
        return register is None
    try:
        cleaned = compiled.model.rules[code].clean(
            given, reference_date=reference_date, not_applicable_allowed=False
        )
    except AnswerError:
        return False
    return cleaned == register and type(cleaned) is type(register)


# What a save reads of the answers, its SQL built once: the assessment's own, and with them,
# for a member of a GHT, the GHT-level answers its support holds.
_ANSWERS = PrecompiledQuery(
    Answer,
    lambda assessment_id: Answer.objects.filter(assessment_id=assessment_id),
    assessment_id=-1,
)
_ANSWERS_AND_SUPPORTS = PrecompiledQuery(
    Answer,
    lambda assessment_id, campaign_id, support_id, requirement_ids: Answer.objects.filter(
        Q(assessment_id=assessment_id)
        | Q(
            assessment__campaign_id=campaign_id,
            assessment__establishment_id=support_id,
            requirement_id__in=requirement_ids,
            value__isnull=False,
        )
    ),
    assessment_id=-1,
    campaign_id=-2,
    support_id=-3,
    requirement_ids=[-1_000_000],
)


def _read_answers(
    assessment: Assessment, compiled: CompiledReferential
) -> tuple[dict[int, Answer], dict[str, Any] | None]:
    """The assessment's answers {requirement id: Answer} and, for a member of a GHT whose
    support holds the GHT-level answers, the support's {code: value} of them: one query, so
    that checking, writing and scoring the save read nothing more."""
    establishment = assessment.establishment
    ght = establishment.ght if establishment.ght_id else None
    held_by_support = (
        ght is not None
        and compiled.ght_level_codes
        and ght.support_establishment_id not in (None, establishment.pk)
    )
    if held_by_support:
        found = _ANSWERS_AND_SUPPORTS.instances(
            assessment_id=assessment.pk,
            campaign_id=assessment.campaign_id,
            support_id=ght.support_establishment_id,
            requirement_ids=sorted(compiled.ght_level_ids),
        )
    else:
        found = _ANSWERS.instances(assessment_id=assessment.pk)
    existing, ght_answers = {}, ({} if held_by_support else None)
    for answer in found:
        if answer.assessment_id == assessment.pk:
            existing[answer.requirement_id] = answer
        elif ght_answers is not None:
            ght_answers[compiled.code_by_id[answer.requirement_id]] = answer.value
    return existing, ght_answers


def _write_answers(
    *,
    assessment: Assessment,
    cleaned: Mapping[str, Any],
    compiled: CompiledReferential,
    user: User,
    reasons: Mapping[str, str],
    existing: Mapping[int, Answer],
) -> tuple[set[str], dict[str, Any]]:
    """Store the answers (and N/A reasons) that changed, with their history.

    ``existing``: the assessment's answers as :func:`_read_answers` read them. Returns the codes
    changed and the assessment's own answers {code: value} as now stored. ``reasons``: the N/A
    reason to store per code ("" clears it); a code absent keeps its own.
    """
    stored = {
        compiled.code_by_id[rid]: answer.value
        for rid, answer in existing.items()
        if rid in compiled.code_by_id and answer.value is not None
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
                    na_reason=reasons.get(code, ""),
                    updated_by=user,
                    updated_at=now,
                )
            )
            changed.add(code)
            continue
        reason = reasons.get(code, answer.na_reason)
        if (
            answer.value == value
            and type(answer.value) is type(value)
            and answer.na_reason == reason
        ):
            continue
        answer.value, answer.na_reason = value, reason
        answer.updated_by, answer.updated_at = user, now
        to_update.append(answer)
        changed.add(code)
    for code in changed:
        if cleaned[code] is None:
            stored.pop(code, None)
        else:
            stored[code] = cleaned[code]
    if to_create:
        bulk_create_with_history(to_create, Answer, default_user=user, default_date=now)
    if len(to_update) == 1:
        # Most saves change one answer: a plain UPDATE costs less to build than bulk_update's
        # CASE over every field, in as many statements, with the same history.
        (answer,) = to_update
        Answer.objects.filter(pk=answer.pk).update(
            value=answer.value, na_reason=answer.na_reason, updated_by=user, updated_at=now
        )
        get_history_manager_for_model(Answer).bulk_history_create(
            to_update, update=True, default_user=user, default_date=now
        )
    elif to_update:
        bulk_update_with_history(
            to_update,
            Answer,
            ["value", "na_reason", "updated_by", "updated_at"],
            default_user=user,
            default_date=now,
        )
    return changed, stored


def _write_rights(
    assessment: Assessment, answers: Mapping[str, Any], compiled: CompiledReferential, user: User
) -> tuple[bool, bool, bool]:
    """What ``user`` may write among ``answers``: (answers, GHT-level answers, ARS-recorded items).

    Raises AssessmentLocked or PermissionDenied when nothing of it may be written; the one rule
    for a save and for its dry run.
    """
    by_ars = {
        code
        for code in answers
        if getattr(compiled.model.by_code.get(code), "recorded_by_ars", False)
    }
    # The ARS of the region writes its own items only, whatever the status.
    ars_only = bool(answers) and by_ars == set(answers)
    may_record_ars = ars_only and user.has_perm("assessments.record_ars_answers", assessment)
    if not assessment.is_editable and not may_record_ars:
        raise AssessmentLocked
    may_edit = user.has_perm("assessments.edit_answers", assessment)
    may_edit_ght = user.has_perm("assessments.edit_ght_answers", assessment)
    if not may_edit and not may_edit_ght and not may_record_ars:
        raise PermissionDenied
    return may_edit, may_edit_ght, may_record_ars


def save_answers(
    *,
    assessment: Assessment,
    answers: Mapping[str, Any],
    expected_version: int,
    user: User,
    na_reasons: Mapping[str, Any] | None = None,
) -> AssessmentResult:
    """Validate and store answers, bump the version and refresh the score snapshot.

    See :func:`save_answers_scored`, which also returns the answers the result is scored on.
    """
    return save_answers_scored(
        assessment=assessment,
        answers=answers,
        expected_version=expected_version,
        user=user,
        na_reasons=na_reasons,
    )[0]


def save_answers_scored(
    *,
    assessment: Assessment,
    answers: Mapping[str, Any],
    expected_version: int,
    user: User,
    na_reasons: Mapping[str, Any] | None = None,
) -> tuple[AssessmentResult, dict[str, Any]]:
    """Validate and store answers, bump the version and refresh the score snapshot; returns the
    result and the answers {code: value} it is scored on (nothing is read back after the write).

    All or nothing: raises AssessmentLocked (submitted), PermissionDenied, StaleVersion (someone
    saved since ``expected_version``) or AnswersRejected (one message per bad answer), and then
    writes nothing. GHT-level answers are written by the GHT lead alone
    (``assessments.edit_ght_answers``); from anyone else, they are refused unless given exactly
    as stored. EJ-level answers are written on the site holding them alone. ``na_reasons``
    {code: text} gives the reason of a "not applicable" answer among ``answers``. On success
    ``assessment.version`` holds the new version.
    """
    locked, result, scored = save_answers_in_scope(
        scope=Scope.of(everything=True),
        pk=assessment.pk,
        answers=answers,
        expected_version=expected_version,
        user=user,
        na_reasons=na_reasons,
    )
    assessment.version = locked.version
    return result, scored


def save_answers_in_scope(
    *,
    scope: Scope,
    pk: int,
    answers: Mapping[str, Any],
    expected_version: int,
    user: User,
    na_reasons: Mapping[str, Any] | None = None,
) -> tuple[Assessment, AssessmentResult, dict[str, Any]]:
    """:func:`save_answers_scored` of the assessment ``pk`` among those ``scope`` covers (the
    person's), read once and locked: raises NotInScope outside it.
    Returns the assessment (at its new version), the result and the answers scored on.

    A save refused before anything is written (out of scope, submitted, not allowed, a stale
    version: the usual refusals, a conflict between two RSSIs above all) raises once its
    transaction, which only read, has ended with a commit: a rollback would also make the
    PostgreSQL connection drop every prepared statement it keeps (psycopg clears them on any
    ROLLBACK), and each would be planned afresh on its next runs."""
    refused: Exception
    with transaction.atomic():
        try:
            locked = assessment_in_scope(scope, pk, lock=True)
        except Assessment.DoesNotExist:
            refused = NotInScope()
        else:
            compiled = compiled_referential(locked.campaign.referential_id)
            try:
                rights = _write_rights(locked, answers, compiled, user)
            except (AssessmentLocked, PermissionDenied) as error:
                refused = error
            else:
                if locked.version == expected_version:
                    result, scored = _save_locked(
                        locked,
                        compiled,
                        rights,
                        answers=answers,
                        expected_version=expected_version,
                        user=user,
                        na_reasons=na_reasons,
                    )
                    return locked, result, scored
                refused = StaleVersion(locked.version)
    raise refused


class NotInScope(Assessment.DoesNotExist):
    """The assessment is not among those the person may see (or does not exist): an
    ``Assessment.DoesNotExist``, as a save of an assessment gone raised before."""


def _save_locked(
    locked: Assessment,
    compiled: CompiledReferential,
    rights: tuple[bool, bool, bool],
    *,
    answers: Mapping[str, Any],
    expected_version: int,
    user: User,
    na_reasons: Mapping[str, Any] | None,
) -> tuple[AssessmentResult, dict[str, Any]]:
    """The save itself, on the locked assessment at ``expected_version``, with the person's
    ``rights`` (see :func:`_write_rights`); ``locked.version`` ends at the new one."""
    may_edit, may_edit_ght, may_record_ars = rights
    # The conditional update is what guarantees no lost update where rows are not locked; it
    # comes first so that the answers read next are the ones this save replaces (a refused
    # save rolls it back with the rest).
    bumped = Assessment.objects.filter(pk=locked.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not bumped:
        raise StaleVersion(Assessment.objects.values_list("version", flat=True).get(pk=locked.pk))
    existing, ght_answers = _read_answers(locked, compiled)
    # The RSSI's saves keep the exercise answers as the register reads.
    from_register, register_writes = (
        register_answers(
            compiled,
            locked,
            stored={
                compiled.code_by_id[rid]: answer.value
                for rid, answer in existing.items()
                if rid in compiled.code_by_id
            },
        )
        if may_edit and locked.is_editable
        else ({}, {})
    )
    cleaned, reasons = _clean_answers(
        assessment=locked,
        answers=answers,
        compiled=compiled,
        may_edit=may_edit,
        may_edit_ght=may_edit_ght,
        na_reasons=na_reasons or {},
        may_record_ars=may_record_ars,
        from_register=from_register,
        register_writes=register_writes,
        existing=existing,
    )
    changed, own = _write_answers(
        assessment=locked,
        cleaned=cleaned,
        compiled=compiled,
        user=user,
        reasons=reasons,
        existing=existing,
    )
    locked.version = expected_version + 1
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

    scored = answers_for_scoring(locked, own=own, ght_answers=ght_answers)
    result = compute_result(locked, answers=scored)
    refresh_snapshot(locked, result=result)
    if changed & compiled.ght_level_codes:
        # The members of the GHT are scored on these answers too.
        ght_id = locked.establishment.ght_id
        recompute_snapshots(
            Assessment.objects.filter(
                campaign_id=locked.campaign_id, establishment__ght_id=ght_id
            ).exclude(pk=locked.pk),
            ght_answers={ght_id: {c: v for c, v in own.items() if c in compiled.ght_level_codes}},
        )
    if changed & compiled.ej_level_codes:
        # The other sites of the legal entity are scored on these answers too.
        recompute_snapshots(sites_sharing(locked))
    return result, scored


def check_answers(
    *,
    assessment: Assessment,
    answers: Mapping[str, Any],
    user: User,
    na_reasons: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The answers as ``save_answers`` would store them, checked by the same rules; writes nothing.

    For a step before saving (the preview of an uploaded workbook): raises AssessmentLocked,
    PermissionDenied or AnswersRejected exactly as ``save_answers`` would.
    """
    assessment = Assessment.objects.select_related(
        "establishment__ght", "establishment__region", "campaign"
    ).get(pk=assessment.pk)
    compiled = compiled_referential(assessment.campaign.referential_id)
    may_edit, may_edit_ght, may_record_ars = _write_rights(assessment, answers, compiled, user)
    cleaned, _reasons = _clean_answers(
        assessment=assessment,
        answers=answers,
        compiled=compiled,
        may_edit=may_edit,
        may_edit_ght=may_edit_ght,
        na_reasons=na_reasons or {},
        may_record_ars=may_record_ars,
        from_register=derived_answers(compiled, assessment) if may_edit else {},
    )
    return {code: value for code, value in cleaned.items() if code in answers}
