"""What the PDF gap report shows, gathered from the scoring services.

The statuses, scores and gaps come from ``assessments.scoring.service`` (the same computation as
the API), the headline targets from ``referential.targets``; this module only arranges them for
the report: the summary, the action plan, the details per axis, the trend against the previous
campaign, the position among peers and the annex of answers and evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from assessments.answer_fields import answer_input
from assessments.ars_items import ars_answers, recorded_note
from assessments.models import Answer, Assessment, Evidence
from assessments.scoring.model import (
    PORTAL_SOURCE,
    AssessmentResult,
    Gap,
    GapSeverity,
    RequirementStatus,
)
from assessments.scoring.peers import PeerPosition, peer_position
from assessments.scoring.service import SUBMITTED_STATUSES, answers_for_scoring, compute_result
from assessments.target_units import figure_text, regional_target_counts
from care_portal.charts import Bar, bar_chart
from care_portal.formats import format_date
from referential.models import Domain, Requirement, Source, source_badge
from referential.rules import (
    MET,
    NOT_APPLICABLE,
    NOT_ASKED,
)
from referential.targets import headline_targets
from reports.annex import AnswerChecks, answer_checks
from reports.comparison import Trend, previous_campaign_trend
from reports.decisions import Decisions, Validation, build_decisions, validation

# A note or a link longer than this is cut in the evidence list.
EVIDENCE_NAME_LENGTH = 160
# How many gaps the one-page summary lists.
URGENT_GAPS = 3
# Charts are drawn this wide (in SVG units) and scaled to the page width: about 7 pt labels.
CHART_WIDTH = 960


# --- what the report shows --------------------------------------------------------------------


def threshold_note(requirement: Requirement) -> str:
    """ "seuil du portail" for a threshold the plan does not set (version 2 on), else ""."""
    return _("seuil du portail") if requirement.threshold_source == Source.PORTAL else ""


def deadline_text(deadline: date | None, label: str = "") -> str:
    """ "30/06/2025 (S1 2025)", "30/06/2025", "S1 2025" or "—"."""
    if deadline and label:
        return f"{format_date(deadline)} ({label})"
    if deadline:
        return format_date(deadline)
    return label or "—"


@dataclass(frozen=True)
class EvidenceLine:
    requirement: str
    kind: str
    name: str
    size: int | None
    added_on: datetime | None
    added_by: str


@dataclass
class RequirementLine:
    """One requirement as the annex shows it: the answer given and the status it earns."""

    code: str
    label: str
    care_action: str
    deadline: date | None
    deadline_label: str
    status: str
    answer: str
    comment: str
    ght_level: bool
    evidence: list[EvidenceLine] = field(default_factory=list)
    # Version 2 on: "Cible CaRE 3-3", "Appel D2 — O1.C", "Recommandation du portail".
    source_badge: str = ""
    threshold_note: str = ""
    # Recorded by the ARS for the establishment (2-2): not its answer, not its gap.
    recorded_by_ars: bool = False
    # "Renseigné par l'ARS le … par …" once the ARS has recorded it.
    recorded_note: str = ""

    @property
    def status_label(self) -> str:
        return RequirementStatus(self.status).label


@dataclass
class ObjectiveSection:
    code: str
    number: int
    title: str
    score: float | None
    counts: dict[str, int]
    lines: list[RequirementLine]

    @property
    def counts_text(self) -> str:
        """ "2 atteintes, 1 partielle, 1 non renseignée": the statuses found, in a phrase."""
        return ", ".join(
            RequirementStatus(status).counted(count)
            for status, count in self.counts.items()
            if count
        )


@dataclass
class AxisSection:
    code: str
    number: int
    title: str
    score: float | None
    objectives: list[ObjectiveSection]
    gaps: int

    @property
    def counts(self) -> dict[str, int]:
        total = dict.fromkeys(RequirementStatus.values, 0)
        for objective in self.objectives:
            for status, count in objective.counts.items():
                total[status] += count
        return total


@dataclass(frozen=True)
class GapLine:
    """One line of the action plan."""

    rank: int
    code: str
    label: str
    status: str
    severity: str
    deadline: date | None
    deadline_label: str
    care_action: str
    recommendation: str
    source: str = ""
    source_ref: str = ""
    # The deadline is the establishment's own date (HAS: its next certification visit).
    own_deadline: bool = False
    # The public resources that help close it.
    resources: tuple = ()

    @property
    def status_label(self) -> str:
        return RequirementStatus(self.status).label

    @property
    def severity_label(self) -> str:
        return GapSeverity(self.severity).label

    @property
    def source_badge(self) -> str:
        return source_badge(self.source, self.source_ref)

    @property
    def is_care_target(self) -> bool:
        return self.source in (Source.PLAN, Source.FUNDING_CALL)

    @property
    def deadline_text(self) -> str:
        if self.own_deadline:
            if self.deadline is None:
                return _("sans échéance")
            return _("votre prochaine visite de certification le %(date)s") % {
                "date": format_date(self.deadline, long=True)
            }
        if self.source == PORTAL_SOURCE and self.deadline is None:
            return _("sans échéance")
        return deadline_text(self.deadline, self.deadline_label)


@dataclass(frozen=True)
class HeadlineLine:
    """One headline CaRE target and whether this establishment reaches it."""

    label: str
    met: bool | None
    deadline: date | None
    deadline_label: str
    national_share: float | None
    population: str
    care_action: str
    # Version 2: the region's figure over the target's unit ("13 / 59 unités PMSI"), and the
    # note of a target the plan gives as a count rather than a share.
    region_figure: str = ""
    note: str = ""

    @property
    def deadline_text(self) -> str:
        return deadline_text(self.deadline, self.deadline_label)


@dataclass
class Report:
    assessment: Assessment
    result: AssessmentResult
    generated_at: datetime
    reference_date: date
    headlines: list[HeadlineLine]
    gaps: list[GapLine]
    axes: list[AxisSection]
    domains: list[tuple[str, str, float | None]]
    axes_chart: SafeString
    domains_chart: SafeString | None
    trend: Trend | None
    peers: PeerPosition
    evidence: list[EvidenceLine]
    answer_checks: AnswerChecks | None = None
    decisions: Decisions | None = None
    validation: Validation | None = None

    @property
    def two_scores(self) -> bool:
        """Version 2 on: the CaRE-targets score leads, the maturity score beside it."""
        return self.result.sourced

    @property
    def care_gaps(self) -> list[GapLine]:
        return [gap for gap in self.gaps if gap.is_care_target]

    @property
    def portal_gaps(self) -> list[GapLine]:
        return [gap for gap in self.gaps if gap.source == PORTAL_SOURCE]

    @property
    def establishment(self):
        return self.assessment.establishment

    @property
    def campaign(self):
        return self.assessment.campaign

    @property
    def referential(self):
        return self.assessment.campaign.referential

    @property
    def title(self) -> str:
        return _("Rapport d'écarts CaRE %(year)s — %(name)s") % {
            "year": self.campaign.year,
            "name": self.establishment.display_name,
        }

    @property
    def watermark(self) -> str | None:
        """BROUILLON while the RSSI is still answering, NON VALIDÉ until the director signs off."""
        status = self.assessment.status
        if status in (Assessment.Status.DRAFT, Assessment.Status.REOPENED):
            return _("BROUILLON")
        if status == Assessment.Status.SUBMITTED:
            return _("NON VALIDÉ")
        return None

    @property
    def status_notice(self) -> str:
        """What the running header says of a report that does not commit the establishment."""
        status = self.assessment.status
        if status in (Assessment.Status.DRAFT, Assessment.Status.REOPENED):
            return _("BROUILLON — auto-évaluation en cours de saisie")
        if status == Assessment.Status.SUBMITTED:
            return _("NON VALIDÉ — en attente de la validation de la direction")
        return ""

    @property
    def urgent_gaps(self) -> list[GapLine]:
        return self.gaps[:URGENT_GAPS]

    @property
    def gaps_without_action(self) -> list[GapLine]:
        """The gaps no action of the plan closes (all of them without a plan)."""
        if self.decisions is None:
            return self.gaps
        codes = {gap.code for gap in self.decisions.open_gaps}
        return [gap for gap in self.gaps if gap.code in codes]

    @property
    def gaps_by_severity(self) -> list[tuple[str, str, str, list[GapLine]]]:
        """(severity, label, explanation, gaps) of the gaps without an action, in the
        documented order, empty groups left out."""
        groups = []
        for severity in GapSeverity:
            gaps = [gap for gap in self.gaps_without_action if gap.severity == severity]
            if gaps:
                groups.append((severity.value, severity.label, severity.help, gaps))
        return groups

    @property
    def severity_counts(self) -> dict[str, int]:
        return self.result.severity_counts

    @property
    def counts(self) -> dict[str, int]:
        return self.result.counts

    @property
    def applicable_count(self) -> int:
        return sum(self.result.counts.values()) - self.result.counts[NOT_APPLICABLE]


def _person(user) -> str:
    return (user.get_full_name() or user.email) if user else ""


def _requirements(referential_id: int) -> list[Requirement]:
    return list(
        Requirement.objects.filter(referential_id=referential_id)
        .select_related("objective__axis")
        .order_by("order", "pk")
    )


def _evidence(assessment: Assessment) -> list[EvidenceLine]:
    """The evidence attached to the assessment, in referential order."""
    rows = (
        Evidence.objects.filter(assessment=assessment)
        .select_related("requirement", "created_by")
        .order_by("requirement__order", "created_at", "pk")
    )
    return [
        EvidenceLine(
            requirement=evidence.requirement.code,
            kind=evidence.get_kind_display(),
            name=Truncator(str(evidence)).chars(EVIDENCE_NAME_LENGTH),
            size=evidence.size if evidence.kind == Evidence.Kind.FILE else None,
            added_on=evidence.created_at,
            added_by=_person(evidence.created_by),
        )
        for evidence in rows
    ]


def _answer_text(requirement: Requirement, status: str, value: Any) -> str:
    """The answer as French text; a question not asked because of an earlier answer says so."""
    if status == NOT_ASKED:
        return _("Sans objet, d'après la réponse à %(code)s") % {
            "code": requirement.condition.get("requirement", "")
        }
    return answer_input(requirement).display(value)


def _axis_sections(
    requirements: list[Requirement],
    result: AssessmentResult,
    answers: dict[str, Any],
    comments: dict[str, str],
    evidence: list[EvidenceLine],
    recorded_notes: dict[str, str] | None = None,
) -> list[AxisSection]:
    """Axes and objectives in referential order, with the requirements that apply."""
    evidence_by_code: dict[str, list[EvidenceLine]] = {}
    for line in evidence:
        evidence_by_code.setdefault(line.requirement, []).append(line)
    gaps_by_axis: dict[str, int] = {}
    axes: dict[str, AxisSection] = {}
    objectives: dict[str, ObjectiveSection] = {}
    for requirement in requirements:
        status = result.statuses.get(requirement.code)
        by_ars = requirement.code in result.recorded_by_ars
        if by_ars:
            status = result.recorded_by_ars[requirement.code]
        if status is None:
            continue  # does not apply to this kind of establishment
        objective = requirement.objective
        axis = objective.axis
        if axis.code not in axes:
            axes[axis.code] = AxisSection(
                code=axis.code,
                number=axis.number,
                title=axis.title,
                score=result.axes.get(axis.code),
                objectives=[],
                gaps=0,
            )
        if objective.code not in objectives:
            section = ObjectiveSection(
                code=objective.code,
                number=objective.number,
                title=objective.title,
                score=result.objectives.get(objective.code),
                counts=dict.fromkeys(RequirementStatus.values, 0),
                lines=[],
            )
            objectives[objective.code] = section
            axes[axis.code].objectives.append(section)
        section = objectives[objective.code]
        # Counted with the "not applicable" ones in the objective's summary, as its line reads.
        if not by_ars:
            # Counted with the "not applicable" ones in the objective's summary.
            section.counts[NOT_APPLICABLE if status == NOT_ASKED else status] += 1
        if status not in (MET, NOT_APPLICABLE, NOT_ASKED) and not by_ars:
            gaps_by_axis[axis.code] = gaps_by_axis.get(axis.code, 0) + 1
        section.lines.append(
            RequirementLine(
                source_badge=requirement.source_badge,
                threshold_note=threshold_note(requirement),
                code=requirement.code,
                label=requirement.label,
                care_action=requirement.care_action,
                deadline=requirement.deadline,
                deadline_label=requirement.deadline_label,
                status=status,
                answer=_answer_text(requirement, status, answers.get(requirement.code)),
                comment=comments.get(requirement.code, ""),
                ght_level=requirement.is_ght_level,
                evidence=evidence_by_code.get(requirement.code, []),
                recorded_by_ars=by_ars,
                recorded_note=(recorded_notes or {}).get(requirement.code, ""),
            )
        )
    for code, section in axes.items():
        section.gaps = gaps_by_axis.get(code, 0)
    return sorted(axes.values(), key=lambda axis: axis.number)


def _gap_lines(gaps: list[Gap], requirements: dict[str, Requirement]) -> list[GapLine]:
    return [
        GapLine(
            rank=rank,
            code=gap.requirement,
            label=gap.label,
            status=gap.status,
            severity=gap.severity,
            deadline=gap.deadline,
            deadline_label=requirements[gap.requirement].deadline_label,
            care_action=gap.care_action,
            recommendation=gap.recommendation,
            source=gap.source,
            source_ref=gap.source_ref,
            own_deadline=gap.own_deadline,
            resources=tuple(requirements[gap.requirement].help_resources),
        )
        for rank, gap in enumerate(gaps, start=1)
    ]


def _headlines(assessment: Assessment, result: AssessmentResult) -> list[HeadlineLine]:
    """The targets concerning the establishment's kind (never one of another kind)."""
    establishment = assessment.establishment
    targets = [
        target
        for target in headline_targets(assessment.campaign.referential)
        if target.kind_applies(establishment.kind)
    ]
    region = regional_target_counts(establishment, assessment.campaign, targets)
    submitted = assessment.status in SUBMITTED_STATUSES
    return [
        HeadlineLine(
            label=target.label,
            met=target.assessment_flag(
                headline=result.headline, statuses=result.statuses, submitted=submitted
            ),
            deadline=target.deadline,
            deadline_label=target.deadline_label,
            national_share=target.share,
            population=target.population,
            care_action=target.care_action,
            region_figure=figure_text(region[target.key], target) if target.key in region else "",
            note=target.note if target.share is None else "",
        )
        for target in targets
    ]


def _axis_label(axis: AxisSection) -> str:
    return _("Axe %(number)s — %(title)s") % {"number": axis.number, "title": axis.title}


def _domains(
    result: AssessmentResult, requirements: list[Requirement]
) -> list[tuple[str, str, float | None]]:
    """(code, label, score) of the technical domains with a requirement for this establishment."""
    labels = dict(Domain.choices)
    present = {r.domain for r in requirements if r.domain and r.code in result.statuses}
    return [
        (code, str(labels.get(code, code)), result.domains[code])
        for code in sorted(result.domains)
        if code in present
    ]


def build_report(assessment: Assessment) -> Report:
    """Everything the report shows, scored by the same services as the API."""
    answers = answers_for_scoring(assessment)
    result = compute_result(assessment, answers=answers)
    requirements = _requirements(assessment.campaign.referential_id)
    comments = dict(
        Answer.objects.filter(assessment=assessment)
        .exclude(comment="")
        .values_list("requirement__code", "comment")
    )
    evidence = _evidence(assessment)
    recorded = {code: recorded_note(a) for code, a in ars_answers(assessment).items()}
    axes = _axis_sections(requirements, result, answers, comments, evidence, recorded)
    domains = _domains(result, requirements)
    axes_chart = bar_chart(
        [Bar(_axis_label(axis), axis.score) for axis in axes],
        title=_("Score par axe du plan CaRE"),
        width=CHART_WIDTH,
        chart_id="chart-axes",
    )
    domains_chart = (
        bar_chart(
            [Bar(label, score) for _code, label, score in domains],
            title=_("Score par domaine technique"),
            width=CHART_WIDTH,
            chart_id="chart-domains",
        )
        if domains
        else None
    )
    gaps = _gap_lines(result.gaps, {r.code: r for r in requirements})
    return Report(
        assessment=assessment,
        result=result,
        generated_at=timezone.localtime(),
        reference_date=assessment.effective_reference_date(),
        headlines=_headlines(assessment, result),
        gaps=gaps,
        axes=axes,
        domains=domains,
        axes_chart=axes_chart,
        domains_chart=domains_chart,
        trend=previous_campaign_trend(
            assessment,
            result,
            axes=[(axis.code, _axis_label(axis), axis.score) for axis in axes],
            domains=domains,
        ),
        peers=peer_position(assessment),
        evidence=evidence,
        answer_checks=answer_checks(assessment, answers),
        decisions=build_decisions(assessment, gaps, result),
        validation=validation(assessment),
    )
