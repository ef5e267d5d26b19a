"""Agreeing with the ARS on the plan for each CaRE target an establishment does not meet.

::

    (not met) ──file──▶ filed ──agree──▶ agreed ("plan agréé")
                 ▲        │  ▲              │ an action of the plan changed or abandoned
                 │        │  └──agree── to_reagree ("à ré-agréer") ◀─┘
                 └────────┴──ask_changes (with a comment)──▶ changes_requested

Whether the establishment meets a target is the scoring service's headline flag (stored in the
assessment's snapshot); the targets are the referential's headline targets. The RSSI files the
plan (the actions closing the target's gaps); the ARS of the region agrees it or asks for changes,
saying why, like the director's send-back. Each move is a step of the plan and an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.models import Action, TargetPlan, TargetPlanStep
from assessments.models import Assessment
from assessments.scoring.service import counts_changed
from assessments.workflow import COMMENT_MAX_LENGTH
from audit.models import Action as AuditAction
from audit.services import record_event
from establishments.models import User
from referential.models import Requirement
from referential.targets import HeadlineTarget, headline_targets

# An establishment's state against one target; PLAN_AGREED is the dashboards' fifth state,
# beside met / on track / behind.
MET = "met"
NOT_MET = "not_met"
UNKNOWN = "unknown"
PLAN_AGREED = "plan_agreed"
STATE_LABELS = {
    MET: gettext_lazy("Cible atteinte"),
    NOT_MET: gettext_lazy("Cible non atteinte"),
    UNKNOWN: gettext_lazy("Pas encore renseignée"),
    PLAN_AGREED: gettext_lazy("Plan agréé"),
}
STATE_BADGES = {MET: "success", NOT_MET: "error", UNKNOWN: "info", PLAN_AGREED: "new"}
PLAN_AGREED_LABEL = STATE_LABELS[PLAN_AGREED]
# The plans the RSSI may file again, and those awaiting the ARS's decision.
REFILABLE = (TargetPlan.Status.CHANGES_REQUESTED, TargetPlan.Status.TO_REAGREE)
AWAITING_ARS = (TargetPlan.Status.FILED, TargetPlan.Status.TO_REAGREE)


class AgreementError(Exception):
    """The move is refused for what was sent (French message)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class TargetState:
    """One headline target of an assessment: met or not, its plan and the actions in it."""

    target: HeadlineTarget
    met: bool | None
    plan: TargetPlan | None
    feeders: list[str]
    actions: list[Action]

    @property
    def state(self) -> str:
        if self.met:
            return MET
        if self.plan is not None and self.plan.status == TargetPlan.Status.AGREED:
            return PLAN_AGREED
        return NOT_MET if self.met is False else UNKNOWN

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def badge(self) -> str:
        return STATE_BADGES[self.state]

    @property
    def may_be_filed(self) -> bool:
        """Not met, with at least one live action, and not already awaiting or agreed."""
        return (
            self.met is False
            and bool(self.actions)
            and (self.plan is None or self.plan.status in REFILABLE)
        )


def _targets(assessment: Assessment) -> list[HeadlineTarget]:
    kind = assessment.establishment.kind
    return [
        t
        for t in headline_targets(assessment.campaign.referential)
        if t.kind_applies(kind) and not t.from_status
    ]


def target_states(
    assessment: Assessment,
    *,
    flags: dict | None = None,
    statuses: dict | None = None,
    empty_plan: bool = False,
) -> list[TargetState]:
    """The headline targets the establishment is counted in, each with its plan.

    ``flags`` and ``statuses``: the headline flags (version 1) and requirement statuses
    (version 2) to read, default the stored snapshot's; ``empty_plan``: the caller knows the
    assessment has no action and no target plan (no query for them)."""
    targets = _targets(assessment)
    if flags is None or statuses is None:
        view = assessment.snapshot_view
        flags = view.headline if flags is None else flags
        statuses = view.statuses if statuses is None else statuses
    feeders: dict[str, list[str]] = {}
    plans: dict[str, TargetPlan] = {}
    live: list[Action] = []
    if not empty_plan:
        for code, key in Requirement.objects.filter(
            referential_id=assessment.campaign.referential_id,
            headline__in=[t.key for t in targets],
        ).values_list("code", "headline"):
            feeders.setdefault(key, []).append(code)
        plans = {
            plan.target: plan
            for plan in TargetPlan.objects.filter(assessment=assessment).prefetch_related(
                "steps", "actions"
            )
        }
        live = list(
            Action.objects.filter(assessment=assessment)
            .exclude(status=Action.Status.ABANDONED)
            .prefetch_related("gaps")
        )
    states = []
    for target in targets:
        codes = list(target.requirements) or feeders.get(target.key) or [target.requirement_code]
        actions = [a for a in live if any(r.code in codes for r in a.gaps.all())]
        states.append(
            TargetState(
                target=target,
                met=target.assessment_flag(headline=flags, statuses=statuses, submitted=False),
                plan=plans.get(target.key),
                feeders=codes,
                actions=actions,
            )
        )
    return states


def target_state(assessment: Assessment, key: str) -> TargetState:
    for state in target_states(assessment):
        if state.target.key == key:
            return state
    raise AgreementError(_("Cible inconnue pour cet établissement : « %(key)s ».") % {"key": key})


def agreed_action_ids(assessment: Assessment) -> set[int]:
    """The actions of the assessment that belong to a plan the ARS agreed."""
    return set(
        TargetPlan.objects.agreed()
        .filter(assessment=assessment)
        .values_list("actions__pk", flat=True)
        .exclude(actions__pk=None)
    )


def agreed_plan_counts(assessments: QuerySet[Assessment]) -> dict[str, int]:
    """Target -> how many of these assessments have an agreed plan for it (one query), for
    the dashboards' fifth state."""
    rows = (
        TargetPlan.objects.agreed()
        .filter(assessment__in=assessments)
        .values("target")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["target"]: row["n"] for row in rows}


def agreed_plan_q(target: HeadlineTarget, prefix: str = "cur__") -> Q:
    """Sites (their campaign assessment reached through `prefix`) whose plan for the target the
    ARS agreed: the dashboards' fifth state, counted over the target's unit like the others."""
    agreed = TargetPlan.objects.agreed().filter(target=target.key).values("assessment_id")
    return Q(**{f"{prefix}pk__in": agreed})


def _comment(comment: str, *, required: bool) -> str:
    comment = (comment or "").strip() if isinstance(comment, str) else ""
    if required and not comment:
        raise AgreementError(_("Un commentaire est obligatoire : dites ce qui doit être repris."))
    if len(comment) > COMMENT_MAX_LENGTH:
        raise AgreementError(
            _("Le commentaire dépasse %(max)d caractères.") % {"max": COMMENT_MAX_LENGTH}
        )
    return comment


def _step(plan: TargetPlan, *, step: str, user: User, comment: str, audit: str, request=None):
    TargetPlanStep.objects.create(
        plan=plan, step=step, actor=user, actor_label=str(user)[:254], comment=comment
    )
    assessment = plan.assessment
    counts_changed(assessment)  # the dashboards' « plan agréé » counts
    record_event(
        actor=user,
        action=audit,
        establishment=assessment.establishment,
        request=request,
        detail={
            "assessment": assessment.pk,
            "year": assessment.campaign.year,
            "target": plan.target,
            "status": plan.status,
            "actions": sorted(plan.actions.values_list("pk", flat=True)),
            **({"comment": comment} if comment else {}),
        },
    )


@transaction.atomic
def file_target_plan(
    *, assessment: Assessment, user: User, target: str, comment: str = "", request=None
) -> TargetPlan:
    """The RSSI files the plan for a target not met: the live actions closing its gaps."""
    if not user.has_perm("actions.file_target_plan", assessment):
        raise PermissionDenied(_("Seul le RSSI de l'établissement dépose un plan auprès de l'ARS."))
    state = target_state(assessment, target)
    if state.met is not False:
        raise AgreementError(
            _("Cette cible n'est pas déclarée non atteinte : aucun plan à déposer.")
        )
    if not state.actions:
        raise AgreementError(
            _("Aucune action du plan ne corrige les écarts de cette cible : ajoutez-en d'abord.")
        )
    if state.plan is not None and state.plan.status not in REFILABLE:
        raise AgreementError(
            _("Le plan de cette cible est déjà au statut « %(status)s ».")
            % {"status": state.plan.get_status_display()}
        )
    plan, _created = TargetPlan.objects.update_or_create(
        assessment=assessment,
        target=target,
        defaults={"status": TargetPlan.Status.FILED, "updated_at": timezone.now()},
    )
    plan.actions.set(state.actions)
    _step(
        plan,
        step=TargetPlanStep.Step.FILE,
        user=user,
        comment=_comment(comment, required=False),
        audit=AuditAction.TARGET_PLAN_FILED,
        request=request,
    )
    return plan


def _decide(plan: TargetPlan, user: User) -> TargetPlan:
    locked = (
        TargetPlan.objects.select_for_update()
        .select_related("assessment__establishment", "assessment__campaign")
        .get(pk=plan.pk)
    )
    if not user.has_perm("actions.decide_target_plan", locked.assessment):
        raise PermissionDenied(
            _("Seule l'ARS de la région agrée un plan ou demande des modifications.")
        )
    if locked.status not in AWAITING_ARS:
        raise AgreementError(
            _("Action impossible : le plan est au statut « %(status)s ».")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def send_back_for_reagreement(
    *, action: Action, user: User, change: str, request=None
) -> list[TargetPlan]:
    """An action of agreed plans changed (``change`` says how): each such plan goes back to the
    ARS, « à ré-agréer », with a step and an audit event. Returns the plans sent back."""
    plans = list(
        TargetPlan.objects.agreed()
        .filter(actions=action)
        .select_for_update(of=("self",))
        .select_related("assessment__establishment", "assessment__campaign")
    )
    comment = _("« %(title)s » : %(change)s") % {"title": action.title, "change": change}
    for plan in plans:
        plan.status = TargetPlan.Status.TO_REAGREE
        plan.updated_at = timezone.now()
        plan.save(update_fields=["status", "updated_at"])
        _step(
            plan,
            step=TargetPlanStep.Step.REOPEN,
            user=user,
            comment=comment[:COMMENT_MAX_LENGTH],
            audit=AuditAction.ACTION_PLAN_CHANGE,
            request=request,
        )
    return plans


@transaction.atomic
def agree_target_plan(*, plan: TargetPlan, user: User, comment: str = "", request=None):
    """The ARS of the region agrees the filed plan: "plan agréé"."""
    locked = _decide(plan, user)
    comment = _comment(comment, required=False)
    locked.status = TargetPlan.Status.AGREED
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "updated_at"])
    _step(
        locked,
        step=TargetPlanStep.Step.AGREE,
        user=user,
        comment=comment,
        audit=AuditAction.TARGET_PLAN_AGREED,
        request=request,
    )
    return locked


@transaction.atomic
def ask_plan_changes(*, plan: TargetPlan, user: User, comment: str, request=None):
    """The ARS of the region sends the filed plan back, saying what to change."""
    locked = _decide(plan, user)
    comment = _comment(comment, required=True)
    locked.status = TargetPlan.Status.CHANGES_REQUESTED
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "updated_at"])
    _step(
        locked,
        step=TargetPlanStep.Step.ASK_CHANGES,
        user=user,
        comment=comment,
        audit=AuditAction.TARGET_PLAN_CHANGES,
        request=request,
    )
    return locked
