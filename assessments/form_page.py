"""What the assessment form shows: its steps (one per axis), their requirements and answers.

Loaded in a fixed number of queries whatever the referential's size. Only the requirements that
apply to the establishment's kind appear; objectives carried by the national level alone are
left out. GHT-level requirements (``applies_to == ["GHT"]``) are answered once per GHT, on the
assessment of the GHT's support establishment: the GHT lead edits them there, and every member's
form shows them read-only with the support's answers. EJ-level requirements (``answered_at: EJ``,
the budget) likewise, once per legal entity: its RSSI answers them on the site that holds them
(``assessments.ej_level``), and its other sites show them read-only, saying who answered from
which site.

Which follow-ups are shown, and the progress per step and overall, come from scoring the answers
shown (``ScoringModel.asked`` and ``AssessmentResult.progress``): the requirements asked, and among
them those answered (including "not applicable"). Statuses, gaps and axis scores of the side panel
are read from the stored snapshot.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from django.utils.functional import cached_property

from assessments.answer_fields import AnswerInput, answer_input
from assessments.ars_items import recorded_note
from assessments.carry_over import previous_assessment
from assessments.consistency import Contradiction, contradictions
from assessments.ej_level import held_answers, holder_of, sites_sharing
from assessments.exercise_register import derived_answers, latest_exercise, register_codes
from assessments.exercise_register import reading as register_reading_of
from assessments.models import Answer, Assessment, ScoreSnapshot
from assessments.permissions import is_ght_lead_of, is_ght_support, is_rssi_of
from assessments.scoring.compiled import beside_compiled, compiled_referential
from assessments.scoring.model import AssessmentResult, Progress
from assessments.scoring.service import kinds_of
from assessments.scoring.snapshot import SnapshotView
from assessments.views.scoped import form_url
from establishments.models import User
from referential.models import Axis, Objective, Requirement
from referential.rules import NOT_APPLICABLE_VALUE as NA
from referential.rules import NOT_ASKED, UNANSWERED


def _derived_answer(stored: Answer | None, requirement: Requirement, value: Any) -> Answer | None:
    """The answer the register gives, in place of the stored one when they differ (the next
    save stores it)."""
    if value is None:
        return None
    if stored is not None and same_answer(stored.value, value):
        return stored
    return Answer(requirement=requirement, value=value)


def same_answer(a: Any, b: Any) -> bool:
    """Equal answers: `True` and `1` differ, as they do in JSON."""
    return a == b and type(a) is type(b)


@dataclass
class Item:
    """One requirement as the form shows it."""

    requirement: Requirement
    input: AnswerInput
    answer: Answer | None
    editable: bool
    ght_level: bool
    ej_level: bool = False
    # Answered from the establishment's crisis exercise register (``exercise_register``).
    from_register: bool = False
    register_reading: str = ""
    # The contradictions this answer is part of (consistency rules of the version).
    contradictions: list[Contradiction] = field(default_factory=list)
    # The status scored from the answers shown ("not asked": a follow-up left hidden).
    scored_status: str = UNANSWERED

    @property
    def shown(self) -> bool:
        return self.scored_status != NOT_ASKED

    @property
    def recorded_by_ars(self) -> bool:
        """The ARS records it for the establishment (2-2): shown read-only, never counted."""
        return not self.requirement.asked_of_establishment

    @property
    def recorded_note(self) -> str:
        """Who recorded it for the ARS, and when (an item the ARS records)."""
        return recorded_note(self.answer) if self.recorded_by_ars else ""

    @property
    def code(self) -> str:
        return self.requirement.code

    @property
    def value(self) -> Any:
        return self.answer.value if self.answer is not None else None

    @property
    def answered(self) -> bool:
        return self.value is not None

    @property
    def na_reason(self) -> str:
        """Why it was declared not applicable, as typed (empty for any other answer)."""
        return self.answer.justification if self.answer is not None and self.value == NA else ""


@dataclass
class ObjectiveGroup:
    objective: Objective
    items: list[Item] = field(default_factory=list)


@dataclass
class Step:
    """One axis of the referential: one page of the form."""

    axis: Axis
    number: int
    groups: list[ObjectiveGroup] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.axis.code

    @property
    def items(self) -> list[Item]:
        return [item for group in self.groups for item in group.items]

    @property
    def editable_items(self) -> list[Item]:
        return [item for item in self.items if item.editable]

    @property
    def progress(self) -> Progress:
        return Progress.of(item.scored_status for item in self.items if not item.recorded_by_ars)


class FormPage:
    """The steps, answers and scores of one assessment, as one person may see and edit them."""

    def __init__(
        self, assessment: Assessment, user: User, *, as_draft: bool = False, ars: bool = False
    ):
        """``as_draft``: who could edit what if the assessment were still a draft (to read
        back what someone typed while it was being submitted). ``ars``: the ARS's page, where
        the ARS of the region edits the items it records for the establishment, and nothing else."""
        self.assessment = assessment
        self.user = user
        establishment = assessment.establishment
        self.kinds = kinds_of(establishment.kind, establishment.ght_id)
        self.model = compiled_referential(assessment.campaign.referential_id).model
        self.is_ght_support = establishment.is_ght_support
        if as_draft:
            # The rules of `assessments.edit_answers` and `edit_ght_answers`, status aside.
            self.may_edit = is_rssi_of(user, assessment)
            self.may_edit_ght = (is_ght_support & is_ght_lead_of)(user, assessment)
        else:
            self.may_edit = user.has_perm("assessments.edit_answers", assessment)
            self.may_edit_ght = user.has_perm("assessments.edit_ght_answers", assessment)
        self.may_record_ars = user.has_perm("assessments.record_ars_answers", assessment)
        if ars:
            self.may_edit = self.may_edit_ght = False
        requirements = self._requirements()
        self.ej_holder = (
            holder_of(assessment) if any(r.is_ej_level for r in requirements) else assessment
        )
        self.holds_ej_answers = self.ej_holder.pk == assessment.pk
        answers = self._answers(requirements)
        compiled = compiled_referential(assessment.campaign.referential_id)
        register = register_codes(compiled, establishment)
        # An editable assessment shows the register as it reads now; a closed one, as submitted.
        latest = latest_exercise(assessment) if register else None
        derived = (
            derived_answers(compiled, assessment, register, latest=latest)
            if assessment.is_editable
            else {}
        )
        reading = register_reading_of(latest) if register else ""
        self.items: dict[str, Item] = {}
        self.steps: list[Step] = []
        groups: dict[int, ObjectiveGroup] = {}
        for requirement in requirements:
            objective = requirement.objective
            if not self.steps or self.steps[-1].axis.pk != objective.axis_id:
                self.steps.append(Step(axis=objective.axis, number=len(self.steps) + 1))
            if objective.pk not in groups:
                groups[objective.pk] = ObjectiveGroup(objective)
                self.steps[-1].groups.append(groups[objective.pk])
            ght_level = requirement.is_ght_level
            ej_level = requirement.is_ej_level
            if ght_level:
                editable = self.may_edit_ght
            else:
                editable = self.may_edit and (self.holds_ej_answers or not ej_level)
            item = Item(
                requirement=requirement,
                input=answer_input(requirement),
                answer=answers.get(requirement.pk),
                editable=(
                    editable if requirement.asked_of_establishment else ars and self.may_record_ars
                ),
                ght_level=ght_level,
                ej_level=ej_level,
            )
            if requirement.code in register:
                item.editable, item.from_register = False, True
                item.register_reading = reading
                if requirement.code in derived:
                    item.answer = _derived_answer(
                        item.answer, requirement, derived[requirement.code]
                    )
            groups[objective.pk].items.append(item)
            self.items[requirement.code] = item
        self.values: dict[str, Any] = {code: item.value for code, item in self.items.items()}
        self.result: AssessmentResult = self.model.score(
            self.values,
            kinds=self.kinds,
            reference_date=self.reference_date,
            submitted=assessment.is_submitted,
        )
        for code, item in self.items.items():
            item.scored_status = self.result.statuses.get(
                code, self.result.recorded_by_ars.get(code, UNANSWERED)
            )
        self.contradictions: list[Contradiction] = contradictions(
            assessment.campaign.referential, self.values, asked=self._asked_now()
        )
        for contradiction in self.contradictions:
            for code in contradiction.codes:
                self.items[code].contradictions.append(contradiction)

    def _asked_now(self) -> set[str]:
        return {code for code, item in self.items.items() if item.shown}

    # --- loading --------------------------------------------------------------------------------

    def _requirements(self) -> list[Requirement]:
        referential_id = self.assessment.campaign.referential_id

        def read() -> list[Requirement]:
            return list(
                Requirement.objects.filter(
                    referential_id=referential_id, objective__national_only=False
                )
                .select_related("objective__axis")
                .order_by("objective__axis__number", "objective__number", "order", "pk")
            )

        # The referential's rows change only with the referential: read once per version.
        requirements = beside_compiled(referential_id, "form_requirements", read)
        return [r for r in requirements if self.kinds & set(r.applies_to)]

    def _answers(self, requirements: list[Requirement]) -> dict[int, Answer]:
        """Requirement id -> answer: the assessment's own, and its GHT's for GHT-level items."""
        ght_ids = [r.pk for r in requirements if r.is_ght_level]
        own = Answer.objects.filter(assessment=self.assessment).select_related("updated_by")
        answers = {a.requirement_id: a for a in own}
        ght = self.assessment.establishment.ght
        if ght_ids and not self.is_ght_support:
            for requirement_id in ght_ids:
                answers.pop(requirement_id, None)
            if ght.support_establishment_id:
                held = Answer.objects.filter(
                    assessment__campaign_id=self.assessment.campaign_id,
                    assessment__establishment_id=ght.support_establishment_id,
                    requirement_id__in=ght_ids,
                ).select_related("updated_by")
                answers.update({a.requirement_id: a for a in held})
        ej_ids = [r.pk for r in requirements if r.is_ej_level]
        if ej_ids and not self.holds_ej_answers:
            for requirement_id in ej_ids:
                answers.pop(requirement_id, None)
            answers.update(held_answers(self.assessment, ej_ids))
        return answers

    @cached_property
    def ej_sites(self) -> list[str]:
        """The names of the other sites of the legal entity that share its EJ-level answers."""
        return list(
            sites_sharing(self.assessment)
            .order_by("establishment__finess")
            .values_list("establishment__name", flat=True)
        )

    # --- reading --------------------------------------------------------------------------------

    def asked_codes(self, values: dict[str, Any]) -> set[str]:
        """The codes asked of this establishment if its answers were ``values``."""
        return {spec.code for spec in self.model.asked(values, kinds=self.kinds)}

    def condition_html_values(self, requirement: Requirement) -> list[str]:
        """The HTML values of the parent's radios that show this follow-up (for the script)."""
        parent = self.items.get((requirement.condition or {}).get("requirement"))
        if parent is None:
            return []
        return [parent.input.html_value(value) for value in requirement.condition.get("in", ())]

    def step(self, code: str | None) -> Step | None:
        """The step of that axis code; by default the first one this person can fill in."""
        for step in self.steps:
            if step.code == code:
                return step
        for step in self.steps:
            if step.editable_items:
                return step
        return self.steps[0] if self.steps else None

    def item_url(self, code: str) -> str:
        """The form at a requirement: its step and anchor."""
        item = self.items.get(code)
        step = item.requirement.objective.axis.code if item else None
        return form_url(self.assessment, step, code)

    def ars_step(self) -> Step | None:
        """The items the ARS records for the establishment, as one step (None: there are none)."""
        step = None
        for full in self.steps:
            for group in full.groups:
                items = [item for item in group.items if item.recorded_by_ars]
                if not items:
                    continue
                if step is None:
                    step = Step(axis=full.axis, number=full.number)
                step.groups.append(ObjectiveGroup(group.objective, items))
        return step

    def next_step(self, step: Step) -> Step | None:
        return self.steps[step.number] if step.number < len(self.steps) else None

    @property
    def progress(self) -> Progress:
        return self.result.progress

    def carry_over_offer(self) -> Assessment | None:
        """The previous assessment the RSSI may start from, on an assessment they have not
        started (as ``carry_over_offer``, from the answers this page has read: the GHT lead's
        and the exercise register's do not count)."""
        if not self.may_edit or any(
            item.answered
            for item in self.items.values()
            if not item.ght_level and not item.from_register
        ):
            return None
        return previous_assessment(self.assessment)

    @property
    def may_edit_any(self) -> bool:
        return self.may_edit or self.may_edit_ght

    @property
    def reference_date(self) -> date:
        return self.assessment.effective_reference_date()

    @cached_property
    def snapshot(self) -> ScoreSnapshot | None:
        try:
            return self.assessment.snapshot
        except ScoreSnapshot.DoesNotExist:
            return None

    @cached_property
    def stored(self) -> SnapshotView:
        """The stored snapshot, typed (empty before the first computation)."""
        return self.snapshot.view if self.snapshot is not None else SnapshotView.of(None)

    def status_of(self, code: str) -> str | None:
        return self.stored.status_of(code)

    def top_gaps(self, limit: int = 5) -> list[dict[str, Any]]:
        """The first gaps of the action plan, with their requirement and step."""
        gaps = []
        for gap in self.stored.gaps:
            item = self.items.get(gap.requirement)
            if item is None:
                continue
            gaps.append({**asdict(gap), "item": item, "step": item.requirement.objective.axis.code})
            if len(gaps) == limit:
                break
        return gaps

    def axis_scores(self) -> list[tuple[Step, float | None]]:
        scores = self.stored.axes
        return [(step, scores.get(step.code)) for step in self.steps]
