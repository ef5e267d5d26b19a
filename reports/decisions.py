"""What the board decides on: the report's « décisions » page and its action plan section.

Read from the actions app's public services (the plan in priority order, the gaps without an
action, each CaRE target's state and plan) and from the answers' consistency rules. The funding
calls an establishment takes part in, and their next stage, are its candidacies' (the funding
app).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count
from django.utils.translation import gettext as _

from actions.agreement import agreed_action_ids, target_states
from actions.models import Action
from actions.priorities import gaps_without_action, ordered_actions, reordered
from assessments.models import Assessment, Transition
from assessments.scoring.model import GapSeverity
from care_portal.formats import format_date, format_datetime, format_number
from funding.services import calls_of

# How many actions the « décisions » page lists.
PRIORITY_ACTIONS = 5


@dataclass(frozen=True)
class FundingCallLine:
    """One funding call the establishment takes part in, and what comes next."""

    code: str
    title: str
    next_stage: str = ""
    next_date: date | None = None

    @property
    def next_text(self) -> str:
        if self.next_stage and self.next_date:
            return f"{self.next_stage} ({format_date(self.next_date)})"
        return self.next_stage or _("étape non suivie dans le portail")


def funding_call_lines(assessment: Assessment) -> list[FundingCallLine]:
    """The calls the establishment's candidacies are in (its GHT's, its legal entity's or its
    own), with the stage that comes next."""
    return [
        FundingCallLine(
            code=standing.call.code,
            title=standing.call.title,
            next_stage=(
                f"{standing.stage_label} — "
                + (standing.next_stage["label"] if standing.next_stage else _("dernière étape"))
            ),
            next_date=standing.next_closes_on,
        )
        for standing in calls_of(assessment.establishment, assessment.campaign)
    ]


@dataclass(frozen=True)
class ActionLine:
    """One action as the report shows it."""

    rank: int
    title: str
    gaps: tuple[str, ...]
    owner: str
    due_on: date | None
    cost_investment: Decimal | None
    cost_operating: Decimal | None
    funding: str
    status: str
    status_label: str
    severity: str
    agreed: bool = False
    abandon_reason: str = ""
    # The public resources that help close its gaps.
    resources: tuple = ()

    @property
    def due_text(self) -> str:
        return format_date(self.due_on) if self.due_on else _("à fixer")

    @property
    def cost_parts(self) -> list[str]:
        """["40 000 €", "1 200 €/an"] (empty when not estimated)"""
        parts = []
        if self.cost_investment is not None:
            parts.append(f"{format_number(self.cost_investment)} €")
        if self.cost_operating is not None:
            parts.append(_("%(amount)s €/an") % {"amount": format_number(self.cost_operating)})
        return parts

    @property
    def cost_text(self) -> str:
        """ "40 000 € + 1 200 €/an", "à estimer" """
        return " + ".join(self.cost_parts) or _("à estimer")

    @property
    def funding_text(self) -> str:
        return self.funding or _("à déterminer")


@dataclass(frozen=True)
class TargetLine:
    """A CaRE target the establishment does not meet, and where its plan stands."""

    label: str
    care_action: str
    plan_status: str  # "agreed", "filed", "none" (and the other plan statuses)
    plan_label: str


@dataclass(frozen=True)
class OpenGapLine:
    code: str
    label: str
    severity: str
    source_badge: str
    recommendation: str

    @property
    def severity_label(self) -> str:
        return GapSeverity(self.severity).label


@dataclass
class Decisions:
    priority_actions: list[ActionLine]
    actions: list[ActionLine]
    targets_not_met: list[TargetLine]
    funding_calls: list[FundingCallLine]
    open_gaps: list[OpenGapLine]
    reordered_text: str = ""
    groups: list[tuple[str, str, list[ActionLine]]] = field(default_factory=list)

    @property
    def has_actions(self) -> bool:
        return bool(self.actions)


def _severity(action: Action, severities: dict[str, str]) -> str:
    """The urgency of the action's most urgent gap still open ("" when none is)."""
    found = [severities[code] for code in action.gap_codes if code in severities]
    order = list(GapSeverity.values)
    return min(found, key=order.index) if found else ""


def _action_lines(assessment: Assessment, severities: dict[str, str]) -> list[ActionLine]:
    agreed = agreed_action_ids(assessment)
    return [
        ActionLine(
            rank=rank,
            title=action.title,
            gaps=tuple(action.gap_codes),
            owner=action.owner_label,
            due_on=action.due_on,
            cost_investment=action.cost_investment,
            cost_operating=action.cost_operating,
            funding=action.funding_label,
            status=action.status,
            status_label=action.get_status_display(),
            severity=_severity(action, severities),
            agreed=action.pk in agreed,
            abandon_reason=action.abandon_reason,
            resources=tuple(action.help_resources),
        )
        for rank, action in enumerate(ordered_actions(assessment), start=1)
    ]


def _groups(actions: list[ActionLine]) -> list[tuple[str, str, list[ActionLine]]]:
    """Open actions by the urgency of their gaps (plan order within), then done, abandoned."""
    open_ = [a for a in actions if a.status in (Action.Status.PLANNED, Action.Status.IN_PROGRESS)]
    groups = []
    for severity in GapSeverity:
        members = [a for a in open_ if a.severity == severity]
        if members:
            groups.append((severity.value, str(severity.label), members))
    rest = [a for a in open_ if not a.severity]
    if rest:
        groups.append(("closed", _("Écarts déjà corrigés"), rest))
    for status, label in (
        (Action.Status.DONE, _("Réalisées")),
        (Action.Status.ABANDONED, _("Abandonnées")),
    ):
        members = [a for a in actions if a.status == status]
        if members:
            groups.append((status.value, label, members))
    return groups


PLAN_NONE = "none"


def _targets_not_met(assessment: Assessment, result, empty: bool) -> list[TargetLine]:
    lines = []
    states = target_states(
        assessment, flags=result.headline, statuses=result.statuses, empty_plan=empty
    )
    for state in states:
        if state.met is not False:
            continue
        plan = state.plan
        lines.append(
            TargetLine(
                label=state.target.label,
                care_action=state.target.care_action,
                plan_status=plan.status if plan else PLAN_NONE,
                plan_label=plan.get_status_display() if plan else _("Aucun plan déposé"),
            )
        )
    return lines


def _no_plan(assessment: Assessment) -> bool:
    """Neither an action nor a target plan yet (one query): nothing more to read."""
    counts = Assessment.objects.filter(pk=assessment.pk).aggregate(
        actions=Count("actions", distinct=True), plans=Count("target_plans", distinct=True)
    )
    return not counts["actions"] and not counts["plans"]


def build_decisions(assessment: Assessment, gaps, result) -> Decisions:
    """The « décisions » page and the plan section; `gaps`: the report's gap lines, `result`:
    its scoring result (the targets met or not)."""
    if _no_plan(assessment):
        return Decisions(
            priority_actions=[],
            actions=[],
            targets_not_met=_targets_not_met(assessment, result, empty=True),
            funding_calls=funding_call_lines(assessment),
            open_gaps=[
                OpenGapLine(
                    code=gap.code,
                    label=gap.label,
                    severity=gap.severity,
                    source_badge=gap.source_badge if gap.source else "",
                    recommendation=gap.recommendation,
                )
                for gap in gaps
            ],
        )
    severities = {gap.code: gap.severity for gap in gaps}
    actions = _action_lines(assessment, severities)
    live = [a for a in actions if a.status in (Action.Status.PLANNED, Action.Status.IN_PROGRESS)]
    order = reordered(assessment)
    reordered_text = ""
    if order is not None:
        reordered_text = _("Ordre modifié par l'établissement le %(date)s%(who)s.") % {
            "date": format_datetime(order.reordered_at),
            "who": f" ({order.reordered_by})" if order.reordered_by else "",
        }
    return Decisions(
        priority_actions=live[:PRIORITY_ACTIONS],
        actions=actions,
        targets_not_met=_targets_not_met(assessment, result, empty=False),
        funding_calls=funding_call_lines(assessment),
        open_gaps=[
            OpenGapLine(
                code=requirement.code,
                label=requirement.label,
                severity=gap.severity,
                source_badge=requirement.source_badge if requirement.source else "",
                recommendation=requirement.recommendation,
            )
            for gap, requirement in gaps_without_action(assessment)
        ],
        reordered_text=reordered_text,
        groups=_groups(actions),
    )


@dataclass(frozen=True)
class Validation:
    """Who validated the assessment, when, and the comment they left."""

    who: str
    at: datetime | None
    comment: str


def validation(assessment: Assessment) -> Validation | None:
    if assessment.status != Assessment.Status.VALIDATED:
        return None
    step = (
        Transition.objects.filter(assessment=assessment, to_status=Assessment.Status.VALIDATED)
        .order_by("-created_at", "-pk")
        .first()
    )
    user = assessment.validated_by
    who = (user.get_full_name() or user.email) if user else (step.actor_label if step else "")
    return Validation(
        who=who or "—",
        at=assessment.validated_at,
        comment=(step.comment or "").strip() if step else "",
    )
