"""The crisis exercise register is the single source of the exercise requirements' answers.

The referential's exercise requirements (``headline == "exercise"``, or counted by one of the
version's exercise targets: a yes/no « an exercise was held » and the date of the last one, rule
``within_days``) are never typed: their answers are
read from the establishment's register (``CrisisExercise``), counting the exercises held by the
assessment's reference date:

- the yes/no reads « oui » when the register holds an exercise, « non » when it holds none;
- the date reads the latest exercise's date; with none, « jamais » (``False``), or no answer when
  it is the follow-up of the yes/no (then it is not asked).

``derived_answers`` computes them, and it is the one place that does: ``save_answers`` stores them
on every save of an editable assessment and refuses any other value (form, API, import), and the
register's changes re-save the establishment's editable assessments. Submitted and validated
assessments keep the answers they were submitted with.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from django.db.models import Max
from django.utils.translation import gettext as _

from assessments.models import Answer, Assessment, CrisisExercise
from assessments.scoring.compiled import CompiledReferential, beside_compiled
from assessments.scoring.service import kinds_of
from care_portal.formats import format_date
from care_portal.precompiled import PrecompiledQuery
from establishments.models import Establishment
from referential.headlines import Headline
from referential.models import ReferentialVersion

DERIVED_RULES = ("boolean", "within_days")
EXERCISE_TARGET = Headline.EXERCISE.value


def _exercise_target_codes(referential_id: int) -> frozenset[str]:
    """The requirements the version's exercise targets count (``exercise``, ``exercise_…``)."""

    def read() -> frozenset[str]:
        targets = ReferentialVersion.objects.values_list("headline_targets", flat=True).get(
            pk=referential_id
        )
        return frozenset(
            code
            for target in targets or []
            if target.get("code") == EXERCISE_TARGET
            or str(target.get("code", "")).startswith(f"{EXERCISE_TARGET}_")
            for code in target.get("requirements", [])
        )

    return beside_compiled(referential_id, "exercise_target_codes", read)


def register_codes(compiled: CompiledReferential, establishment: Establishment) -> list[str]:
    """The exercise requirements the establishment answers from its register."""
    kinds = kinds_of(establishment.kind, establishment.ght_id)
    # Conditions aside, and not the GHT-level ones (the support's assessment holds those).
    targeted = _exercise_target_codes(compiled.referential_id)
    return [
        spec.code
        for spec in compiled.model.asked(None, kinds=kinds, ght_support=False)
        if (spec.headline == Headline.EXERCISE or spec.code in targeted)
        and spec.rule.get("type") in DERIVED_RULES
        and spec.code not in compiled.ght_level_codes
        and not getattr(spec, "recorded_by_ars", False)
    ]


def latest_exercise(assessment: Assessment) -> date | None:
    """The date of the latest exercise in the register by the assessment's reference date."""
    rows = _LATEST_EXERCISE.values(
        establishment_id=assessment.establishment_id, by=assessment.effective_reference_date()
    )
    return rows[0][1] if rows else None


# Every save of an RSSI reads it: its SQL is built once (one row, grouped on the establishment).
_LATEST_EXERCISE = PrecompiledQuery(
    CrisisExercise,
    lambda establishment_id, by: (
        CrisisExercise.objects.filter(establishment_id=establishment_id, held_on__lte=by)
        .order_by()
        .values("establishment_id")
        .annotate(latest=Max("held_on"))
    ),
    establishment_id=-1,
    by=date(1, 1, 1),
)


_READ = object()


def derived_answers(
    compiled: CompiledReferential,
    assessment: Assessment,
    codes: list[str] | None = None,
    *,
    latest: date | None | object = _READ,
) -> dict[str, Any]:
    """{code: answer} of the register's requirements, as the register reads today (``latest``:
    the latest exercise's date when already read)."""
    codes = register_codes(compiled, assessment.establishment) if codes is None else codes
    if not codes:
        return {}
    held = latest_exercise(assessment) if latest is _READ else cast(date | None, latest)
    by_code = compiled.model.by_code
    answers: dict[str, Any] = {}
    for code in codes:
        spec = by_code[code]
        if spec.rule.get("type") == "boolean":
            answers[code] = held is not None
        elif held is not None:
            answers[code] = held.isoformat()
        else:
            parent = (spec.condition or {}).get("requirement")
            answers[code] = None if parent in codes else False
    return answers


def register_answers(
    compiled: CompiledReferential,
    assessment: Assessment,
    *,
    stored: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """For a save of the assessment: the register's answers {code: value}, and those of them the
    save writes (those that differ from what is stored). ``stored``: the assessment's answers
    {code: value} when the save has read them already."""
    codes = register_codes(compiled, assessment.establishment)
    if not codes:
        return {}, {}
    latest = latest_exercise(assessment)
    derived = derived_answers(compiled, assessment, codes, latest=latest)
    if stored is None:
        stored = {
            compiled.code_by_id[rid]: value
            for rid, value in Answer.objects.filter(
                assessment=assessment, requirement_id__in=[compiled.id_by_code[c] for c in codes]
            ).values_list("requirement_id", "value")
        }
    writes = {
        code: value
        for code, value in derived.items()
        if not (stored.get(code) == value and type(stored.get(code)) is type(value))
    }
    return derived, writes


def reading(latest: date | None) -> str:
    """What the register says, in one sentence, for the form and the messages."""
    if latest is None:
        return _("Aucun exercice enregistré")
    return _("Dernier exercice enregistré le %(date)s") % {"date": format_date(latest)}


def register_reading(assessment: Assessment) -> str:
    return reading(latest_exercise(assessment))


def refusal_message(code: str, assessment: Assessment) -> str:
    """Why an answer to a register requirement is refused (form, API, import)."""
    return _(
        "« %(code)s » se lit dans le registre des exercices de crise de l'établissement "
        "(%(reading)s) : cette réponse ne se saisit pas, elle a été refusée. Enregistrez ou "
        "supprimez l'exercice dans le registre."
    ) % {"code": code, "reading": register_reading(assessment).lower()}
