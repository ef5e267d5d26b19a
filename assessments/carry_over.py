"""Carrying a previous campaign's answers over onto an assessment, and previewing it.

An assessment with no answer yet may start from the establishment's previous assessment.
Nothing is copied unless the RSSI (or, for the GHT-level items, the GHT lead) asks for it; the
copy goes through ``save_answers`` like a form save, so it is validated, versioned and kept in
the history, and the carry-over itself is kept (``CarryOver``) and in the audit log.

Between two versions of the referential, answers follow the later version's code map
(:mod:`referential.code_map`): each answer goes to the code that continues its requirement; one
whose meaning narrowed is carried but to be read again; one the map does not carry, or that the
new rule refuses, is listed with the reason. Within one version, codes match as they are.

The simulation (``simulate_carry_over``) plans the same carry-over for the whole establishment
and scores the result with the scoring service, writing nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from assessments.answers import save_answers
from assessments.ej_level import holder_of
from assessments.exercise_register import derived_answers, register_codes
from assessments.models import Answer, Assessment, Campaign, CarryOver
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.model import AssessmentResult
from assessments.scoring.service import answers_for_scoring, compute_result, kinds_of
from audit.models import Action as AuditAction
from audit.services import record_event
from establishments.models import Establishment, User
from referential.code_map import CodeMap, code_map_between, successor_of
from referential.models import AnsweredBy, ReferentialVersion, Requirement
from referential.rules import NOT_APPLICABLE_VALUE, AnswerError

Outcome = CarryOver.Outcome


class CarryOverError(Exception):
    """The answers cannot be carried over; the message says why, in French."""


@dataclass(frozen=True)
class CarryOverItem:
    """What became of one answer of the previous assessment."""

    source: str  # its code in the previous version
    code: str  # its code in this version ("" when the map carries it nowhere)
    outcome: str
    reason: str = ""  # the map's note, or why it is not carried
    ght_level: bool = False

    def as_dict(self) -> dict[str, str]:
        return {
            "from": self.source,
            "code": self.code,
            "outcome": self.outcome,
            "reason": self.reason,
        }


@dataclass
class CarryOverPlan:
    """The answers to write (cleaned by this version's rules) and what became of each one."""

    previous: Assessment
    referential: ReferentialVersion
    code_map: CodeMap
    answers: dict[str, Any] = field(default_factory=dict)
    items: list[CarryOverItem] = field(default_factory=list)

    def with_outcome(self, outcome: str) -> list[CarryOverItem]:
        return [item for item in self.items if item.outcome == outcome]

    @property
    def carried(self) -> list[CarryOverItem]:
        return self.with_outcome(Outcome.CARRIED)

    @property
    def to_reread(self) -> list[CarryOverItem]:
        return self.with_outcome(Outcome.TO_REREAD)

    @property
    def not_carried(self) -> list[CarryOverItem]:
        return self.with_outcome(Outcome.NOT_CARRIED)


@dataclass
class CarryOverResult:
    previous: Assessment
    copied: list[str] = field(default_factory=list)
    # Previous code -> why its answer was not taken (gone, not carried by the map, refused…).
    skipped: dict[str, str] = field(default_factory=dict)
    # New code -> why it must be read again.
    to_reread: dict[str, str] = field(default_factory=dict)
    record: CarryOver | None = None


def has_answers(assessment: Assessment, requirement_ids=None) -> bool:
    """Whether the assessment has answers (among these requirements, when given)."""
    answers = Answer.objects.filter(assessment=assessment, value__isnull=False)
    if requirement_ids is not None:
        answers = answers.filter(requirement_id__in=list(requirement_ids))
    return answers.exists()


def previous_assessment(assessment: Assessment) -> Assessment | None:
    """The establishment's assessment of the latest earlier campaign that has answers."""
    if not getattr(assessment, "has_earlier_answers", True):
        return None
    return (
        Assessment.objects.filter(
            establishment_id=assessment.establishment_id,
            campaign__year__lt=assessment.campaign.year,
            answers__value__isnull=False,
        )
        .select_related("campaign__referential")
        .order_by("-campaign__year")
        .distinct()
        .first()
    )


def with_carry_over_state(queryset):
    """Assessments annotated with whether they have carry-overs and an earlier answered
    assessment (``has_carry_over``, ``has_earlier_answers``), so a page asks no more when not."""
    earlier = Answer.objects.filter(
        assessment__establishment_id=OuterRef("establishment_id"),
        assessment__campaign__year__lt=OuterRef("campaign__year"),
        value__isnull=False,
    )
    return queryset.annotate(
        has_carry_over=Exists(CarryOver.objects.filter(assessment=OuterRef("pk"))),
        has_earlier_answers=Exists(earlier),
    )


def carry_overs_of(assessment: Assessment) -> list[CarryOver]:
    """The assessment's carry-overs, oldest first (no query when annotated with none)."""
    if not getattr(assessment, "has_carry_over", True):
        return []
    return list(assessment.carry_overs.all())


def carry_over_offer(assessment: Assessment) -> Assessment | None:
    """The previous assessment to offer as a starting point, when the offer makes sense."""
    if not assessment.is_editable:
        return None
    # Offered to the RSSI: GHT-level answers already given by the GHT lead do not count.
    compiled = compiled_referential(assessment.campaign.referential_id)
    # Nor do the exercise answers the register gives.
    skipped = compiled.ght_level_codes | set(register_codes(compiled, assessment.establishment))
    own_ids = [rid for code, rid in compiled.id_by_code.items() if code not in skipped]
    if has_answers(assessment, own_ids):
        return None
    return previous_assessment(assessment)


# --- planning: the one place that says where each answer goes ---------------------------------


def _special_codes(referential: ReferentialVersion) -> tuple[set[str], set[str]]:
    """This version's codes recorded by the ARS, and those whose "not applicable" needs a reason."""
    ars, reason_for_na = set(), set()
    rows = Requirement.objects.filter(referential=referential).values_list(
        "code", "answered_by", "reason_required_for_na"
    )
    for code, answered_by, needs_reason in rows:
        if answered_by == AnsweredBy.ARS:
            ars.add(code)
        if needs_reason:
            reason_for_na.add(code)
    return ars, reason_for_na


def plan_carry_over(
    *,
    previous: Assessment,
    referential: ReferentialVersion,
    establishment: Establishment,
    answers: Mapping[str, Any],
    reference_date: date,
    may_edit: bool = True,
    may_edit_ght: bool = True,
    preview: bool = False,
    ej_holder: str | None = None,
) -> CarryOverPlan:
    """Where each of ``answers`` (the previous assessment's, by its codes) goes in ``referential``.

    Only the answers this person may write are taken (the GHT lead the GHT-level ones, the RSSI
    the establishment's own); ``preview`` takes all of them, GHT-level items included wherever
    the establishment is scored on them. ``ej_holder`` names the site whose assessment holds the
    legal entity's answers when it is another one: those answers stay there.
    """
    code_map = code_map_between(previous.campaign.referential, referential)
    previous_compiled = compiled_referential(previous.campaign.referential_id)
    previous_specs = previous_compiled.model.by_code
    planner = _Planner(
        code_map=code_map,
        referential=referential,
        previous_ght_codes=previous_compiled.ght_level_codes,
        establishment=establishment,
        reference_date=reference_date,
        may_edit=may_edit,
        may_edit_ght=may_edit_ght,
        preview=preview,
        ej_holder=ej_holder,
    )
    plan = CarryOverPlan(previous=previous, referential=referential, code_map=code_map)

    def order(code: str) -> int:
        spec = previous_specs.get(code)
        return spec.order if spec is not None else len(previous_specs)

    for source in sorted(answers, key=order):
        item, cleaned = planner.place(source, answers[source])
        if item is None:
            continue
        plan.items.append(item)
        if item.outcome != Outcome.NOT_CARRIED:
            plan.answers[item.code] = cleaned
    return plan


class _Planner:
    """Places one previous answer at a time (see ``plan_carry_over``)."""

    def __init__(
        self,
        *,
        code_map,
        referential,
        previous_ght_codes,
        establishment,
        reference_date,
        may_edit,
        may_edit_ght,
        preview,
        ej_holder=None,
    ):
        self.code_map = code_map
        self.label = referential.label
        self.compiled = compiled_referential(referential.pk)
        self.reference_date = reference_date
        self.may_edit, self.may_edit_ght, self.preview = may_edit, may_edit_ght, preview
        kinds = kinds_of(establishment.kind, establishment.ght_id)
        ght_support = preview or establishment.is_ght_support
        # Conditions aside: a follow-up is carried over with the answer it depends on.
        self.asked = {
            spec.code
            for spec in self.compiled.model.asked(None, kinds=kinds, ght_support=ght_support)
        }
        self.ars_codes, self.reason_for_na = _special_codes(referential)
        self.previous_ght_codes = previous_ght_codes
        self.ej_holder = ej_holder
        self.register = set(register_codes(self.compiled, establishment))

    def place(self, source: str, value: Any) -> tuple[CarryOverItem | None, Any]:
        """What becomes of one answer (None: not this person's to take) and its cleaned value."""
        route = self.code_map.route(source)
        code = route.code or ""
        ght_level = code in self.compiled.ght_level_codes

        def drop(reason) -> tuple[CarryOverItem, None]:
            return CarryOverItem(source, code, Outcome.NOT_CARRIED, str(reason), ght_level), None

        if route.code is None:
            # Listed to whoever would have carried it: the GHT lead for a GHT-level item.
            mine = self.may_edit_ght if source in self.previous_ght_codes else self.may_edit
            return drop(route.reason) if mine or self.preview else (None, None)
        spec = self.compiled.model.by_code.get(code)
        if spec is None:
            return drop(_("exigence absente du référentiel de cette campagne"))
        if ght_level:
            if code not in self.asked:
                if not self.preview:
                    return None, None  # answered on the GHT support's assessment, not here
                return drop(_("ne s'applique plus à ce type d'établissement"))
            if not self.may_edit_ght:
                if self.may_edit:
                    return drop(_("exigence de niveau GHT, reprise par le responsable du GHT"))
                return None, None
        elif not self.may_edit:
            return None, None  # the establishment's own answers, taken by its RSSI
        elif code in self.ars_codes:
            return drop(_("renseignée par l'ARS pour l'établissement, elle n'est pas reprise"))
        elif code in self.register:
            return drop(_("lue dans le registre des exercices de crise, elle n'est pas reprise"))
        elif code not in self.asked:
            return drop(_("ne s'applique plus à ce type d'établissement"))
        if code in self.compiled.ej_level_codes and self.ej_holder:
            return drop(
                _("exigence de l'entité juridique, renseignée sur l'auto-évaluation de %(site)s")
                % {"site": self.ej_holder}
            )
        if value == NOT_APPLICABLE_VALUE and code in self.reason_for_na:
            return drop(_("« non applicable » demande désormais un motif : répondez à nouveau"))
        try:
            cleaned = self.compiled.model.rules[code].clean(
                value,
                reference_date=self.reference_date,
                not_applicable_allowed=spec.not_applicable_allowed,
            )
        except AnswerError as error:
            return drop(
                _("réponse refusée par la règle de %(label)s : %(message)s")
                % {"label": self.label, "message": error.message}
            )
        outcome = Outcome.TO_REREAD if route.to_reread else Outcome.CARRIED
        return CarryOverItem(source, code, outcome, route.note, ght_level), cleaned


# --- carrying over ----------------------------------------------------------------------------


def _other_ej_holder(assessment: Assessment, compiled) -> str | None:
    """The name of the site holding this site's legal-entity answers, when it is another one."""
    if not compiled.ej_level_codes:
        return None
    holder = holder_of(assessment)
    return None if holder.pk == assessment.pk else holder.establishment.display_name


@transaction.atomic
def carry_over_answers(
    *, assessment: Assessment, user: User, expected_version: int, request=None
) -> CarryOverResult:
    """Copy the previous campaign's answers onto an assessment that has none yet.

    Through the code map when the previous assessment used the version this one's version
    follows; by code otherwise. The result and the stored ``CarryOver`` say what was carried,
    what is to be read again and what was not, and why. All or nothing: raises CarryOverError,
    PermissionDenied, or what ``save_answers`` raises, and then nothing is written.
    """
    referential = assessment.campaign.referential
    compiled = compiled_referential(referential.pk)
    may_edit = user.has_perm("assessments.edit_answers", assessment)
    may_edit_ght = user.has_perm("assessments.edit_ght_answers", assessment)

    register = set(register_codes(compiled, assessment.establishment))

    def writable(code: str) -> bool:
        if code in register:
            return False  # read from the crisis exercise register, never carried
        return may_edit_ght if code in compiled.ght_level_codes else may_edit

    own_ids = [rid for code, rid in compiled.id_by_code.items() if writable(code)]
    if has_answers(assessment, own_ids):
        raise CarryOverError(
            _(
                "Cette auto-évaluation a déjà des réponses : rien n'a été repris, pour ne rien écraser."
            )
        )
    previous = previous_assessment(assessment)
    if previous is None:
        raise CarryOverError(_("Aucune réponse d'une campagne précédente à reprendre."))
    if not may_edit and not may_edit_ght:
        raise PermissionDenied
    old_codes = compiled_referential(previous.campaign.referential_id).code_by_id
    rows = Answer.objects.filter(assessment=previous, value__isnull=False).values_list(
        "requirement_id", "value"
    )
    plan = plan_carry_over(
        previous=previous,
        referential=referential,
        establishment=assessment.establishment,
        answers={old_codes[rid]: value for rid, value in rows if rid in old_codes},
        reference_date=assessment.effective_reference_date(),
        may_edit=may_edit,
        may_edit_ght=may_edit_ght,
        ej_holder=_other_ej_holder(assessment, compiled),
    )
    if not plan.answers:
        raise CarryOverError(_("Aucune réponse de la campagne précédente n'est reprenable."))
    save_answers(
        assessment=assessment, answers=plan.answers, expected_version=expected_version, user=user
    )
    record = CarryOver.objects.create(
        assessment=assessment,
        previous=previous,
        previous_year=previous.campaign.year,
        previous_referential=previous.campaign.referential.label,
        referential=referential.label,
        through_map=plan.code_map.through_map,
        items=[item.as_dict() for item in plan.items],
        created_by=user,
        created_by_label=str(user)[:254],
    )
    record_event(
        actor=user,
        action=AuditAction.CARRY_OVER,
        establishment=assessment.establishment,
        request=request,
        detail={
            "assessment": assessment.pk,
            "year": assessment.campaign.year,
            "previous_year": previous.campaign.year,
            "previous_referential": record.previous_referential,
            "referential": record.referential,
            "carried": len(plan.answers),
            "to_reread": [item.code for item in plan.to_reread],
            "not_carried": {item.source: item.reason for item in plan.not_carried},
        },
    )
    return CarryOverResult(
        previous=previous,
        copied=sorted(plan.answers),
        skipped={item.source: item.reason for item in plan.not_carried},
        to_reread={item.code: item.reason for item in plan.to_reread},
        record=record,
    )


# --- the simulation ---------------------------------------------------------------------------


@dataclass
class Simulation:
    """How a previous assessment would read under a later version: nothing of it is stored."""

    previous: Assessment
    referential: ReferentialVersion
    plan: CarryOverPlan
    result: AssessmentResult
    # The establishment's assessment on that version, when its campaign is open.
    target: Assessment | None


def simulation_target(previous: Assessment) -> ReferentialVersion | None:
    """The version a simulation of this assessment reads it under: the one that follows it."""
    return successor_of(previous.campaign.referential)


def simulate_carry_over(previous: Assessment) -> Simulation | None:
    """Plan the carry-over of ``previous`` into the version that follows its own and score it.

    The whole establishment's answers are taken (the GHT-level ones from its GHT's support, as
    scoring reads them), scored as a draft today by the scoring service. None when no published
    version follows the assessment's. Writes nothing.
    """
    referential = simulation_target(previous)
    if referential is None:
        return None
    establishment = previous.establishment
    target = (
        Assessment.objects.filter(establishment=establishment, campaign__referential=referential)
        .select_related("campaign")
        .order_by("-campaign__year")
        .first()
    )
    campaign = (
        target.campaign
        if target is not None
        else Campaign(year=previous.campaign.year + 1, referential=referential)
    )
    draft = Assessment(establishment=establishment, campaign=campaign)
    plan = plan_carry_over(
        previous=previous,
        referential=referential,
        establishment=establishment,
        answers=answers_for_scoring(previous),
        reference_date=draft.effective_reference_date(),
        preview=True,
    )
    # The exercise answers are not carried: the crisis exercise register gives them, as it will
    # to the carried assessment.
    register = derived_answers(compiled_referential(referential.pk), draft)
    result = compute_result(draft, answers={**plan.answers, **register})
    return Simulation(
        previous=previous, referential=referential, plan=plan, result=result, target=target
    )
