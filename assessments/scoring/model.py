"""The scoring model: answers + referential + reference date -> statuses, scores, gaps, headlines.

Pure functions, no database access; described for people in ``docs/scoring.md``.

- Each requirement's rule gives a status and a score (met 1, partial 0.5 or the level's score,
  not met 0, unanswered 0, not applicable excluded).
- A group (objective, axis, domain, the whole assessment) scores 100 × Σ weight·score ÷ Σ weight
  over the requirements that apply to the establishment and are not "not applicable"; a group
  with none has no score (None).
- Every applicable requirement scoring below 1 is a gap, with a severity from its deadline.
- A requirement with a ``condition`` (a follow-up) is asked only when the answer it depends on is
  one of the listed values; otherwise its status is "not asked": excluded like "not applicable"
  (which is only ever an explicit answer), and left out of the counts and of progress.
  :meth:`ScoringModel.asked` is the one place that says which requirements are asked.
- Progress is the number of requirements answered ("not applicable" included) among those asked.
- From version 2 on, each requirement says where it comes from (``source``): a plan target or a
  funding-call objective (the **CaRE targets** score, ``scores["care"]``) or a portal
  recommendation (only in the **maturity** score, ``scores["global"]``, which counts every item).
  A version without sources (version 1) has no CaRE-targets score (None). A portal item's due
  date is the portal's advice or the establishment's own (``due_date_from``): it is never
  "overdue".
- A requirement the ARS records for the establishment (``answered_by == "ars"``: the CPOM, 2-2)
  is not asked of it: its status is kept apart (``recorded_by_ars``), outside scores, counts,
  progress and gaps.

Scoring many assessments against one referential version: build a :class:`ScoringModel` once
(``ScoringModel.from_specs(specs)``, cached) and call its ``score`` method.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy

from referential.headlines import Headline
from referential.rules import (
    MET,
    NOT_APPLICABLE,
    NOT_APPLICABLE_VALUE,
    NOT_ASKED,
    NOT_MET,
    PARTIAL,
    STATUSES,
    UNANSWERED,
    Rule,
    get_rule,
)

OVERDUE = "overdue"
DUE_SOON = "due_soon"
PLANNED = "planned"
SEVERITIES = (OVERDUE, DUE_SOON, PLANNED)
# A deadline at most this many days after the reference date is "due soon".
DUE_SOON_DAYS = 183

KINDS = frozenset({"ES", "ESSMS", "GHT"})
# Requirements answered once per GHT, on its support establishment's assessment.
GHT_LEVEL = frozenset({"GHT"})
HEADLINES: tuple[str, ...] = tuple(Headline.values)
# The headlines met by the assessment's status ("submitted"), not by answers.
STATUS_HEADLINES: tuple[str, ...] = tuple(h.value for h in Headline if h.from_status)
# The sources whose items are CaRE targets (the plan and its funding calls); "portal" is not.
CARE_SOURCES = frozenset({"plan", "funding_call"})
PORTAL_SOURCE = "portal"
# Who answers an item the establishment does not: the ARS (recorded for it).
ANSWERED_BY_ARS = "ars"
# A parent in one of these states asks none of its follow-ups (None: it does not apply).
_SILENT_PARENT = (None, NOT_APPLICABLE, NOT_ASKED)


@dataclass(frozen=True, slots=True)
class RequirementSpec:
    """What scoring needs to know of one requirement of a referential version."""

    code: str
    axis: str
    objective: str
    weight: float
    rule: Mapping[str, Any] = field(hash=False)
    applies_to: frozenset[str] = KINDS
    label: str = ""
    domain: str | None = None
    deadline: date | None = None
    not_applicable_allowed: bool = False
    headline: str | None = None
    care_action: str = ""
    recommendation: str = ""
    order: int = 0
    required: bool = True
    condition: Mapping[str, Any] | None = field(default=None, hash=False)
    # Version 2: "plan", "funding_call" or "portal" ("" in version 1), and its reference.
    source: str = ""
    source_ref: str = ""
    answered_by: str = "establishment"
    # A requirement whose date answer is this item's due date (HAS: the next certification visit).
    due_date_from: str | None = None

    @property
    def is_care_target(self) -> bool:
        """A plan target or a funding-call objective: counted in the CaRE-targets score."""
        return self.source in CARE_SOURCES

    @property
    def recorded_by_ars(self) -> bool:
        return self.answered_by == ANSWERED_BY_ARS


@dataclass(frozen=True, slots=True)
class Gap:
    """An applicable requirement scoring below 1: one line of the action plan."""

    requirement: str
    status: str
    severity: str
    deadline: date | None
    weight: float
    care_action: str
    label: str
    recommendation: str
    source: str = ""
    source_ref: str = ""
    # The deadline is the establishment's own date (e.g. its next certification visit).
    own_deadline: bool = False

    @property
    def is_care_target(self) -> bool:
        return self.source in CARE_SOURCES

    def as_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "status": self.status,
            "severity": self.severity,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "weight": self.weight,
            "care_action": self.care_action,
            # Version 2 on: where the item comes from.
            **(
                {"source": self.source, "source_ref": self.source_ref or None}
                if self.source
                else {}
            ),
        }


@dataclass(frozen=True, slots=True)
class Progress:
    """Requirements answered among those asked ("not applicable" counts as an answer)."""

    answered: int = 0
    total: int = 0

    @classmethod
    def of(cls, statuses: Iterable[str]) -> Progress:
        """The progress given requirement statuses (not asked ones are left out)."""
        answered = total = 0
        for status in statuses:
            if status == NOT_ASKED:
                continue
            total += 1
            if status != UNANSWERED:
                answered += 1
        return cls(answered=answered, total=total)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100

    @property
    def complete(self) -> bool:
        return self.answered >= self.total

    def __add__(self, other: Progress) -> Progress:
        return Progress(self.answered + other.answered, self.total + other.total)


@dataclass(slots=True)
class AssessmentResult:
    """Everything derived from one assessment's answers.

    ``statuses`` and ``requirement_scores`` hold the requirements that apply to the
    establishment's kinds, in referential order (a follow-up not asked has the status
    "not asked" and no score); scores are 0-100, unrounded, or None. ``counts`` counts the
    requirements asked, per status.
    """

    statuses: dict[str, str]
    requirement_scores: dict[str, float | None]
    score_global: float | None
    axes: dict[str, float | None]
    objectives: dict[str, float | None]
    domains: dict[str, float | None]
    gaps: list[Gap]
    headline: dict[str, bool | None]
    counts: dict[str, int]
    # The CaRE-targets score (plan and funding-call items); None without sourced items (v1).
    score_care: float | None = None
    # Items the ARS records for the establishment: code -> status (never its gaps or progress).
    recorded_by_ars: dict[str, str] = field(default_factory=dict)
    # The referential says where its items come from (version 2 on): two scores, not one.
    sourced: bool = False

    @property
    def scores(self) -> dict[str, Any]:
        """Scores in the API's shape: ``global`` is the maturity score (every item), ``care``
        (version 2 on) the CaRE-targets score."""
        scores: dict[str, Any] = {"global": self.score_global}
        if self.sourced:
            scores["care"] = self.score_care
        scores.update(axes=self.axes, objectives=self.objectives, domains=self.domains)
        return scores

    @property
    def progress(self) -> Progress:
        """Requirements answered among those asked."""
        return Progress.of(self.statuses.values())

    @property
    def severity_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for gap in self.gaps:
            counts[gap.severity] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable form (stored in the score snapshot)."""
        return {
            "statuses": self.statuses,
            "requirement_scores": self.requirement_scores,
            "scores": self.scores,
            "gaps": [gap.as_dict() for gap in self.gaps],
            "headline": self.headline,
            "counts": self.counts,
            **({"recorded_by_ars": self.recorded_by_ars} if self.recorded_by_ars else {}),
        }


class ScoringModelError(ValueError):
    """The requirements given cannot be scored together (duplicate code, bad weight…)."""


def _severity(deadline: date | None, reference_date: date, due_soon_until: date) -> str:
    if deadline is None:
        return PLANNED
    if deadline < reference_date:
        return OVERDUE
    if deadline <= due_soon_until:
        return DUE_SOON
    return PLANNED


def _portal_severity(deadline: date | None, reference_date: date, due_soon_until: date) -> str:
    """A due date the plan does not set is never "overdue": passed or near, it is "due soon"."""
    if deadline is not None and deadline <= due_soon_until:
        return DUE_SOON
    return PLANNED


def severity(deadline: date | None, reference_date: date) -> str:
    """overdue (deadline passed), due_soon (within the next 183 days) or planned."""
    return _severity(deadline, reference_date, reference_date + timedelta(days=DUE_SOON_DAYS))


def gap_sort_key(gap: Gap) -> tuple:
    """The documented gap order: severity, deadline (none last), weight (largest first), code."""
    return (
        SEVERITIES.index(gap.severity),
        gap.deadline is None,
        gap.deadline or date.min,
        -gap.weight,
        gap.requirement,
    )


class _Entry:
    """A requirement compiled for scoring: its rule, weight and the group slots it feeds."""

    __slots__ = (
        "code",
        "index",
        "evaluate",
        "weight",
        "slots",
        "na_allowed",
        "condition_code",
        "condition_index",
        "condition_values",
        "applies_to",
        "ght_level",
        "rule",
        "spec",
        "by_ars",
    )

    def __init__(self, index: int, spec: RequirementSpec, slots: tuple[int, ...]):
        rule = get_rule(spec.rule)
        rule.check_params()
        self.rule = rule
        self.code = spec.code
        self.index = index
        self.evaluate = rule.evaluate
        self.weight = float(spec.weight)
        self.slots = slots
        self.na_allowed = spec.not_applicable_allowed
        self.applies_to = frozenset(spec.applies_to)
        self.ght_level = self.applies_to == GHT_LEVEL
        self.by_ars = spec.recorded_by_ars
        self.spec = spec
        self.condition_code = None
        self.condition_index = -1
        self.condition_values: tuple = ()
        if spec.condition:
            self.condition_code = spec.condition.get("requirement")
            # Typed values: `true` must not match an answer of 1.
            self.condition_values = tuple(
                (type(value), value) for value in spec.condition.get("in", ())
            )

    def condition_holds(self, value: Any) -> bool:
        return (type(value), value) in self.condition_values

    def follows(self, parent_status: str | None, parent_value: Any) -> bool:
        """Whether this follow-up is asked: its parent is asked, not declared not applicable,
        and answered one of the listed values (typed: `true` is not 1)."""
        return parent_status not in _SILENT_PARENT and self.condition_holds(parent_value)


class ScoringModel:
    """One referential version compiled for fast scoring of many assessments."""

    def __init__(self, specs: Iterable[RequirementSpec]):
        self.specs: tuple[RequirementSpec, ...] = tuple(specs)
        self.by_code: dict[str, RequirementSpec] = {}
        for spec in self.specs:
            if spec.code in self.by_code:
                raise ScoringModelError(f"Duplicate requirement code {spec.code!r}.")
            if not spec.weight > 0:
                raise ScoringModelError(f"Requirement {spec.code!r}: weight must be > 0.")
            self.by_code[spec.code] = spec

        # Group slots: 0 is the whole assessment, then axes, objectives and domains.
        self.axis_slots: dict[str, int] = {}
        self.objective_slots: dict[str, int] = {}
        self.domain_slots: dict[str, int] = {}
        slot_count = 1
        for groups, attr in (
            (self.axis_slots, "axis"),
            (self.objective_slots, "objective"),
            (self.domain_slots, "domain"),
        ):
            for spec in self.specs:
                code = getattr(spec, attr)
                if code and code not in groups:
                    groups[code] = slot_count
                    slot_count += 1
        # The CaRE-targets score: plan targets and funding-call objectives.
        self.care_slot = slot_count
        self.slot_count = slot_count + 1
        # Version 2 on: the items say where they come from.
        self.has_sources = any(spec.source for spec in self.specs)

        self.entries: tuple[_Entry, ...] = tuple(
            _Entry(index, spec, self._slots_of(spec)) for index, spec in enumerate(self.specs)
        )
        self.rules: dict[str, Rule] = {entry.code: entry.rule for entry in self.entries}
        self.ght_level_codes: frozenset[str] = frozenset(
            e.code for e in self.entries if e.ght_level
        )
        index_of = {spec.code: index for index, spec in enumerate(self.specs)}
        for entry in self.entries:
            if entry.condition_code is None:
                continue
            if entry.condition_code not in index_of:
                raise ScoringModelError(
                    f"Requirement {entry.code!r}: condition on unknown {entry.condition_code!r}."
                )
            entry.condition_index = index_of[entry.condition_code]
        self.evaluation_order = self._evaluation_order()
        self.in_spec_order = all(
            entry.index == position for position, entry in enumerate(self.evaluation_order)
        )
        # Severity is a monotonic function of the deadline, so the documented order (severity,
        # deadline, weight, code) is the same as (deadline with none last, weight, code).
        self.gap_order: tuple[int, ...] = tuple(
            sorted(
                range(len(self.specs)),
                key=lambda i: (
                    self.specs[i].deadline is None,
                    self.specs[i].deadline or date.min,
                    -self.specs[i].weight,
                    self.specs[i].code,
                ),
            )
        )
        self.headline_feeders: dict[str, tuple[int, ...]] = {}
        for name in (*HEADLINES, *sorted({s.headline for s in self.specs if s.headline})):
            self.headline_feeders[name] = tuple(
                i for i, spec in enumerate(self.specs) if spec.headline == name
            )
        self._applicable: dict[frozenset[str], tuple[_Entry, ...]] = {}
        self.has_portal_items = any(spec.source == PORTAL_SOURCE for spec in self.specs)
        for spec in self.specs:
            if spec.due_date_from and spec.due_date_from not in self.by_code:
                raise ScoringModelError(
                    f"Requirement {spec.code!r}: due date from unknown {spec.due_date_from!r}."
                )

    def _slots_of(self, spec: RequirementSpec) -> tuple[int, ...]:
        slots = [0, self.axis_slots[spec.axis], self.objective_slots[spec.objective]]
        if spec.domain:
            slots.append(self.domain_slots[spec.domain])
        if spec.is_care_target:
            slots.append(self.care_slot)
        return tuple(slots)

    def _evaluation_order(self) -> tuple[_Entry, ...]:
        """Referential order, except that a requirement comes after the one it depends on."""
        done: set[str] = set()
        order: list[_Entry] = []
        visiting: set[str] = set()

        def visit(entry: _Entry) -> None:
            if entry.code in done:
                return
            if entry.code in visiting:
                raise ScoringModelError(f"Circular condition through {entry.code!r}.")
            visiting.add(entry.code)
            if entry.condition_code is not None:
                visit(self.entries[entry.condition_index])
            visiting.discard(entry.code)
            done.add(entry.code)
            order.append(entry)

        for entry in self.entries:
            visit(entry)
        return tuple(order)

    @classmethod
    def from_specs(cls, specs: Sequence[RequirementSpec]) -> ScoringModel:
        """The model for these specs, built once per specs object and then reused."""
        if isinstance(specs, ScoringModel):
            return specs
        cached = _MODEL_CACHE.get(id(specs))
        # Holding `specs` in the cache keeps its id from being reused by another object.
        if cached is not None and cached[0] is specs:
            return cached[1]
        model = cls(specs)
        if len(_MODEL_CACHE) >= _MODEL_CACHE_SIZE:
            _MODEL_CACHE.pop(next(iter(_MODEL_CACHE)))
        _MODEL_CACHE[id(specs)] = (specs, model)
        return model

    def applicable(self, kinds: Iterable[str]) -> tuple[_Entry, ...]:
        """The compiled requirements that apply to an establishment of these kinds."""
        key = kinds if isinstance(kinds, frozenset) else frozenset(kinds)
        entries = self._applicable.get(key)
        if entries is None:
            entries = tuple(e for e in self.evaluation_order if e.applies_to & key)
            self._applicable[key] = entries
        return entries

    def asked(
        self,
        answers: Mapping[str, Any] | None,
        *,
        kinds: Iterable[str],
        ght_support: bool = True,
    ) -> tuple[RequirementSpec, ...]:
        """The requirements asked of an establishment of these kinds, in referential order.

        Those that apply to its kinds and, among follow-ups, those whose condition holds on
        ``answers`` (``None``: conditions aside, every follow-up); never an item the ARS records
        for it (``answered_by: ars``). ``ght_support=False`` leaves
        out the GHT-level requirements, which only the GHT's support establishment answers
        (a member is still scored on them, from the support's answers).
        """
        asked = [False] * len(self.specs)
        if answers is None:
            for entry in self.applicable(kinds):
                asked[entry.index] = not entry.by_ars
        else:
            # The status a parent shows its follow-ups: not asked, not applicable, or answered.
            shown: list[str | None] = [None] * len(self.specs)
            get = answers.get
            for entry in self.applicable(kinds):
                if entry.condition_code is not None and not entry.follows(
                    shown[entry.condition_index], get(entry.condition_code)
                ):
                    shown[entry.index] = NOT_ASKED
                    continue
                asked[entry.index] = not entry.by_ars
                value = get(entry.code)
                na = value == NOT_APPLICABLE_VALUE and entry.na_allowed
                shown[entry.index] = NOT_APPLICABLE if na else UNANSWERED
        return tuple(
            entry.spec
            for entry in self.entries
            if asked[entry.index] and (ght_support or not entry.ght_level)
        )

    def answer_asked(
        self,
        answer: Callable[[RequirementSpec], Any],
        *,
        kinds: Iterable[str],
        ght_support: bool = True,
    ) -> dict[str, Any]:
        """Answers, from ``answer(spec)`` (None leaves it unanswered), to what is asked.

        In referential order; a follow-up is asked once the answer it depends on allows it.
        """
        answers: dict[str, Any] = {}
        done: set[str] = set()
        while True:
            new = [
                spec
                for spec in self.asked(answers, kinds=kinds, ght_support=ght_support)
                if spec.code not in done
            ]
            if not new:
                return answers
            for spec in new:
                done.add(spec.code)
                value = answer(spec)
                if value is not None:
                    answers[spec.code] = value

    def score(
        self,
        answers: Mapping[str, Any],
        *,
        kinds: Iterable[str],
        reference_date: date,
        submitted: bool = False,
    ) -> AssessmentResult:
        """Score one assessment; ``answers`` maps requirement codes to cleaned answer values."""
        entries = self.applicable(kinds)
        sums = [0.0] * self.slot_count
        weights = [0.0] * self.slot_count
        statuses: dict[str, str] = {}
        req_scores: dict[str, float | None] = {}
        by_index: list[str | None] = [None] * len(self.specs)
        counts = dict.fromkeys(STATUSES, 0)
        by_ars: dict[str, str] = {}
        get = answers.get

        for entry in entries:
            code = entry.code
            value = get(code)
            if entry.condition_code is not None and not entry.follows(
                by_index[entry.condition_index], get(entry.condition_code)
            ):
                status, score = NOT_ASKED, None
            elif value is None:
                status, score = UNANSWERED, 0.0
            elif value == NOT_APPLICABLE_VALUE:
                # Refused on entry where not allowed; a stray one counts as unanswered.
                status, score = (NOT_APPLICABLE, None) if entry.na_allowed else (UNANSWERED, 0.0)
            else:
                status, score = entry.evaluate(value, reference_date)
            by_index[entry.index] = status
            if entry.by_ars:
                by_ars[code] = status
                continue
            statuses[code] = status
            req_scores[code] = score
            if status != NOT_ASKED:
                counts[status] += 1
            if score is not None:
                weight = entry.weight
                weighted = weight * score
                for slot in entry.slots:
                    sums[slot] += weighted
                    weights[slot] += weight

        if not self.in_spec_order:
            statuses = {s.code: statuses[s.code] for s in self.specs if s.code in statuses}
            req_scores = {code: req_scores[code] for code in statuses}

        def group(slot: int) -> float | None:
            total = weights[slot]
            return min(100.0, 100.0 * sums[slot] / total) if total else None

        return AssessmentResult(
            statuses=statuses,
            requirement_scores=req_scores,
            score_global=group(0),
            axes={code: group(slot) for code, slot in self.axis_slots.items()},
            objectives={code: group(slot) for code, slot in self.objective_slots.items()},
            domains={code: group(slot) for code, slot in self.domain_slots.items()},
            gaps=self._gaps(by_index, reference_date, answers),
            headline=self._headline(by_index, submitted),
            counts=counts,
            score_care=group(self.care_slot) if self.has_sources else None,
            recorded_by_ars=by_ars,
            sourced=self.has_sources,
        )

    def _gaps(
        self, by_index: list[str | None], reference_date: date, answers: Mapping[str, Any]
    ) -> list[Gap]:
        due_soon_until = reference_date + timedelta(days=DUE_SOON_DAYS)
        gaps = []
        own_dates = False
        for index in self.gap_order:
            status = by_index[index]
            if status is None or status in (NOT_APPLICABLE, NOT_ASKED, MET):
                continue
            entry = self.entries[index]
            if entry.by_ars:
                continue  # recorded by the ARS: never the establishment's gap
            spec = entry.spec
            deadline, own = spec.deadline, False
            if spec.due_date_from:
                deadline, own = due_date_answer(answers.get(spec.due_date_from)), True
                own_dates = True
            if spec.source == PORTAL_SOURCE:
                level = _portal_severity(deadline, reference_date, due_soon_until)
            else:
                level = _severity(deadline, reference_date, due_soon_until)
            gaps.append(
                Gap(
                    spec.code,
                    status,
                    level,
                    deadline,
                    float(spec.weight),
                    spec.care_action,
                    spec.label,
                    spec.recommendation,
                    spec.source,
                    spec.source_ref,
                    own,
                )
            )
        if own_dates or self.has_portal_items:
            # An own due date or a portal severity moves a gap out of the precomputed order.
            gaps.sort(key=gap_sort_key)
        return gaps

    def _headline(self, by_index: list[str | None], submitted: bool) -> dict[str, bool | None]:
        """Per headline target: True when every applicable feeder is met, False as soon as one
        is answered and not met, otherwise None (unknown)."""
        flags: dict[str, bool | None] = {}
        for name, feeders in self.headline_feeders.items():
            flags[name] = feeders_flag(by_index[i] for i in feeders)
        for name in STATUS_HEADLINES:
            flags[name] = bool(submitted)
        return flags


def feeders_flag(statuses: Iterable[str | None]) -> bool | None:
    """Whether a target fed by requirements of these statuses is reached: True when every
    applicable one is met, False as soon as one is answered and not met, otherwise None."""
    applicable = [status for status in statuses if status not in _SILENT_PARENT]
    if not applicable:
        return None
    if all(status == MET for status in applicable):
        return True
    if any(status in (PARTIAL, NOT_MET) for status in applicable):
        return False
    return None


def due_date_answer(value: Any) -> date | None:
    """The date an answer gives (``"YYYY-MM-DD"``), or None (unanswered, "never", not a date)."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


_MODEL_CACHE: dict[int, tuple[Any, ScoringModel]] = {}
_MODEL_CACHE_SIZE = 16


def score_assessment(
    requirements: Sequence[RequirementSpec] | ScoringModel,
    answers: Mapping[str, Any],
    *,
    kinds: Iterable[str],
    reference_date: date,
    submitted: bool = False,
) -> AssessmentResult:
    """Statuses, group scores, ordered gaps, headline flags and counts of one assessment.

    ``requirements`` is the referential version's specs (or its ScoringModel); ``answers`` maps
    requirement codes to cleaned values (absent or None = unanswered); ``kinds`` the
    establishment's kinds, e.g. {"ES"} or {"ES", "GHT"} for a GHT member; ``reference_date``
    the submission date, or today for a draft.
    """
    return ScoringModel.from_specs(requirements).score(
        answers, kinds=kinds, reference_date=reference_date, submitted=submitted
    )


# --- how statuses and severities read: one vocabulary for every page, the PDF and the e-mails --


class RequirementStatus(TextChoices):
    """A requirement's status, with the label and the DSFR badge colour every medium shows.

    ``RequirementStatus(status).label`` → "Partiellement atteinte", ``.badge`` → "warning",
    ``.counted(3)`` → "3 partielles".
    """

    MET = MET, gettext_lazy("Atteinte")
    PARTIAL = PARTIAL, gettext_lazy("Partiellement atteinte")
    NOT_MET = NOT_MET, gettext_lazy("Non atteinte")
    UNANSWERED = UNANSWERED, gettext_lazy("Non renseignée")
    NOT_APPLICABLE = NOT_APPLICABLE, gettext_lazy("Non applicable")
    # A follow-up whose condition does not hold reads "not applicable", its parent saying why.
    NOT_ASKED = NOT_ASKED, gettext_lazy("Non applicable")

    @classmethod
    def of(cls, value: str | None) -> RequirementStatus | None:
        """The status a stored value names; None for none (no snapshot yet)."""
        return None if value is None else cls(value)

    @property
    def badge(self) -> str:
        return _STATUS_BADGES[self]

    def counted(self, count: int) -> str:
        """The status after a number, as in "2 atteintes, 1 partielle"."""
        return f"{count} {_STATUS_COUNTED[self][count > 1]}"


_STATUS_BADGES = {
    MET: "success",
    PARTIAL: "warning",
    NOT_MET: "error",
    UNANSWERED: "info",
    NOT_APPLICABLE: "new",
    NOT_ASKED: "new",
}
_STATUS_COUNTED = {
    MET: (gettext_lazy("atteinte"), gettext_lazy("atteintes")),
    PARTIAL: (gettext_lazy("partielle"), gettext_lazy("partielles")),
    NOT_MET: (gettext_lazy("non atteinte"), gettext_lazy("non atteintes")),
    UNANSWERED: (gettext_lazy("non renseignée"), gettext_lazy("non renseignées")),
    NOT_APPLICABLE: (gettext_lazy("non applicable"), gettext_lazy("non applicables")),
    NOT_ASKED: (gettext_lazy("non applicable"), gettext_lazy("non applicables")),
}


class GapSeverity(TextChoices):
    """A gap's severity, with its label, its DSFR badge colour and what it means."""

    OVERDUE = OVERDUE, gettext_lazy("En retard")
    DUE_SOON = DUE_SOON, gettext_lazy("Échéance proche")
    PLANNED = PLANNED, gettext_lazy("Planifié")

    @classmethod
    def of(cls, value: str | None) -> GapSeverity | None:
        return None if value is None else cls(value)

    @property
    def badge(self) -> str:
        return _SEVERITY_BADGES[self]

    @property
    def help(self) -> str:
        return _SEVERITY_HELP[self]


_SEVERITY_BADGES = {OVERDUE: "error", DUE_SOON: "warning", PLANNED: "info"}
_SEVERITY_HELP = {
    OVERDUE: gettext_lazy("L'échéance du plan CaRE est dépassée."),
    DUE_SOON: gettext_lazy("L'échéance tombe dans les six prochains mois."),
    PLANNED: gettext_lazy("L'échéance est plus lointaine ou n'est pas encore fixée."),
}
