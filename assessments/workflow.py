"""The life of an assessment: submission, validation, sending back and reopening.

::

    draft ──submit──▶ submitted ──validate──▶ validated
      ▲                 │  │                     │
      └───send_back─────┘  └──────reopen─────────┤
    reopened ◀─────────────────────────reopen────┘
    reopened ──submit──▶ submitted

The RSSI submits (refused while a required answer is missing); the director validates or sends
back with a comment; the ARS of the region or the national level reopens with a comment. Who may
do what is decided by the rules of ``assessments.permissions``. Each change is one ``Transition``
row (the timeline) and one audit event, written in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.exercises import follow_register
from assessments.models import Assessment, Transition
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.service import (
    answers_for_scoring,
    compute_result,
    kinds_of,
    refresh_snapshot,
)
from audit.models import Action as AuditAction
from audit.services import record_event
from establishments.models import User
from referential.rules import UNANSWERED

Status = Assessment.Status
COMMENT_MAX_LENGTH = 2000

AUDIT_ACTIONS = {
    Transition.Action.SUBMIT: AuditAction.SUBMISSION,
    Transition.Action.VALIDATE: AuditAction.VALIDATION,
    Transition.Action.SEND_BACK: AuditAction.SEND_BACK,
    Transition.Action.REOPEN: AuditAction.REOPENING,
}


# Called with (assessment, transition) after each change, in its transaction: the apps above
# (notifications) register here in their AppConfig.ready; this module imports none of them.
_transition_listeners: list[Callable[[Assessment, Transition], None]] = []


def on_transition(listener: Callable[[Assessment, Transition], None]) -> None:
    """Have `listener` told of every status change (registered once per listener)."""
    if listener not in _transition_listeners:
        _transition_listeners.append(listener)


RETURNS = (Transition.Action.SEND_BACK, Transition.Action.REOPEN)


def pending_comments(assessments) -> dict[int, Transition]:
    """Why each editable assessment came back to the RSSI (send-back or reopening), by id.

    Only assessments whose last change was such a return are listed: the comment stands until
    the RSSI submits again. One query whatever the number of assessments.
    """
    editable = [a.pk for a in assessments if a.is_editable]
    latest: dict[int, Transition] = {}
    if not editable:
        return latest
    rows = Transition.objects.filter(assessment_id__in=editable).order_by(
        "assessment_id", "-created_at", "-pk"
    )
    for transition in rows:
        latest.setdefault(transition.assessment_id, transition)
    return {pk: t for pk, t in latest.items() if t.action in RETURNS}


def with_last_transition(queryset):
    """Assessments annotated with their last transition, for `pending_comment` (no extra query)."""
    last = Transition.objects.filter(assessment=OuterRef("pk")).order_by("-created_at", "-pk")
    return queryset.annotate(
        **{
            f"last_transition_{name}": Subquery(last.values(name)[:1])
            for name in ("action", "comment", "created_at", "actor_label")
        }
    )


def pending_comment(assessment: Assessment) -> Transition | None:
    """The send-back or reopening this editable assessment is under, if any.

    Read from the annotations of `with_last_transition` when the assessment has them.
    """
    if not hasattr(assessment, "last_transition_action"):
        return pending_comments([assessment]).get(assessment.pk)
    if not assessment.is_editable or assessment.last_transition_action not in RETURNS:
        return None
    return Transition(
        assessment=assessment,
        action=assessment.last_transition_action,
        comment=assessment.last_transition_comment,
        created_at=assessment.last_transition_created_at,
        actor_label=assessment.last_transition_actor_label,
    )


class WorkflowError(Exception):
    """The transition was asked with bad input (a missing comment…); the message is French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class MissingAnswer:
    """A required requirement still unanswered, and where the form asks it."""

    code: str
    label: str
    step: str
    ght_level: bool

    @property
    def anchor(self) -> str:
        return f"req-{self.code}"


class SubmissionIncomplete(WorkflowError):
    """Required answers are missing: ``missing`` lists them in referential order."""

    def __init__(self, missing: list[MissingAnswer]):
        super().__init__(
            ngettext(
                "Il manque %(count)d réponse obligatoire pour transmettre l'auto-évaluation.",
                "Il manque %(count)d réponses obligatoires pour transmettre l'auto-évaluation.",
                len(missing),
            )
            % {"count": len(missing)}
        )
        self.missing = missing


def missing_required_answers(assessment: Assessment) -> list[MissingAnswer]:
    """The required requirements asked of this establishment and not answered yet.

    GHT-level requirements count on the GHT support establishment's assessment, which holds
    them; a member cannot answer them and is not held back by them.
    """
    compiled = compiled_referential(assessment.campaign.referential_id)
    answers = answers_for_scoring(assessment)
    result = compute_result(assessment, answers=answers)
    establishment = assessment.establishment
    asked = compiled.model.asked(
        answers,
        kinds=kinds_of(establishment.kind, establishment.ght_id),
        ght_support=establishment.is_ght_support,
    )
    return [
        MissingAnswer(
            code=spec.code,
            label=spec.label,
            step=spec.axis,
            ght_level=spec.code in compiled.ght_level_codes,
        )
        for spec in asked
        if spec.required and result.statuses[spec.code] == UNANSWERED
    ]


def _locked(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("establishment__ght", "campaign")
        .get(pk=assessment.pk)
    )


def _refusal(locked: Assessment, action: str) -> PermissionDenied:
    """Why this person may not do this now: the status, or their role."""
    status = locked.get_status_display().lower()
    messages = {
        Transition.Action.SUBMIT: _("Seul le RSSI de l'établissement transmet l'auto-évaluation."),
        Transition.Action.VALIDATE: _("Seule la direction de l'établissement valide."),
        Transition.Action.SEND_BACK: _("Seule la direction de l'établissement renvoie au RSSI."),
        Transition.Action.REOPEN: _("Seuls l'ARS de la région et le niveau national rouvrent."),
    }
    allowed_from = {
        Transition.Action.SUBMIT: (Status.DRAFT, Status.REOPENED),
        Transition.Action.VALIDATE: (Status.SUBMITTED,),
        Transition.Action.SEND_BACK: (Status.SUBMITTED,),
        Transition.Action.REOPEN: (Status.SUBMITTED, Status.VALIDATED),
    }
    if locked.status not in allowed_from[action]:
        return PermissionDenied(
            _("Action impossible : l'auto-évaluation est au statut « %(status)s ».")
            % {"status": status}
        )
    return PermissionDenied(messages[action])


def _clean_comment(comment: str, *, required: bool) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise WorkflowError(_("Un commentaire est obligatoire : dites ce qui doit être repris."))
    if len(comment) > COMMENT_MAX_LENGTH:
        raise WorkflowError(
            _("Le commentaire dépasse %(max)d caractères.") % {"max": COMMENT_MAX_LENGTH}
        )
    return comment


def _move(
    locked: Assessment,
    *,
    action: str,
    to: str,
    user: User,
    comment: str = "",
    request=None,
    **fields,
) -> Assessment:
    """Change the status, record the transition and the audit event, refresh the snapshot."""
    from_status = locked.status
    # The conditional update refuses a second, concurrent transition from the same state.
    moved = Assessment.objects.filter(
        pk=locked.pk, status=from_status, version=locked.version
    ).update(version=F("version") + 1)
    if not moved:
        raise PermissionDenied(
            _("L'auto-évaluation vient d'être modifiée par quelqu'un d'autre : rechargez la page.")
        )
    locked.version += 1
    locked.status = to
    for name, value in fields.items():
        setattr(locked, name, value)
    locked._change_reason = Transition.Action(action).label
    locked.save(update_fields=["status", "updated_at", *fields])
    transition = Transition.objects.create(
        assessment=locked,
        action=action,
        from_status=from_status,
        to_status=to,
        actor=user,
        actor_label=str(user)[:254],
        comment=comment,
    )
    refresh_snapshot(locked)
    establishment = locked.establishment
    record_event(
        actor=user,
        action=AUDIT_ACTIONS[action],
        establishment=establishment,
        request=request,
        detail={
            "assessment": locked.pk,
            "year": locked.campaign.year,
            "from": from_status,
            "to": to,
            **({"comment": comment} if comment else {}),
        },
    )
    for listener in _transition_listeners:
        listener(locked, transition)
    return locked


def _back_to_editable() -> dict:
    return {
        "reference_date": None,
        "submitted_at": None,
        "submitted_by": None,
        "validated_at": None,
        "validated_by": None,
    }


@transaction.atomic
def submit(*, assessment: Assessment, user: User, request=None) -> Assessment:
    """Submit to the director; the submission date becomes the scores' reference date.

    Raises PermissionDenied, or SubmissionIncomplete listing the missing required answers.
    """
    locked = _locked(assessment)
    if not user.has_perm("assessments.submit", locked):
        raise _refusal(locked, Transition.Action.SUBMIT)
    now = timezone.now()
    locked.reference_date = timezone.localdate(now)
    follow_register(locked, user)
    locked.version = Assessment.objects.values_list("version", flat=True).get(pk=locked.pk)
    missing = missing_required_answers(locked)
    if missing:
        raise SubmissionIncomplete(missing)
    return _move(
        locked,
        action=Transition.Action.SUBMIT,
        to=Status.SUBMITTED,
        user=user,
        request=request,
        reference_date=locked.reference_date,
        submitted_at=now,
        submitted_by=user,
    )


@transaction.atomic
def validate(*, assessment: Assessment, user: User, comment: str = "", request=None) -> Assessment:
    """The director signs the submitted assessment off."""
    locked = _locked(assessment)
    if not user.has_perm("assessments.validate", locked):
        raise _refusal(locked, Transition.Action.VALIDATE)
    return _move(
        locked,
        action=Transition.Action.VALIDATE,
        to=Status.VALIDATED,
        user=user,
        comment=_clean_comment(comment, required=False),
        request=request,
        validated_at=timezone.now(),
        validated_by=user,
    )


@transaction.atomic
def send_back(*, assessment: Assessment, user: User, comment: str, request=None) -> Assessment:
    """The director returns the submitted assessment to the RSSI as a draft, saying why."""
    locked = _locked(assessment)
    if not user.has_perm("assessments.send_back", locked):
        raise _refusal(locked, Transition.Action.SEND_BACK)
    return _move(
        locked,
        action=Transition.Action.SEND_BACK,
        to=Status.DRAFT,
        user=user,
        comment=_clean_comment(comment, required=True),
        request=request,
        **_back_to_editable(),
    )


@transaction.atomic
def reopen(*, assessment: Assessment, user: User, comment: str, request=None) -> Assessment:
    """The ARS (or the national level) reopens a submitted or validated assessment, saying why."""
    locked = _locked(assessment)
    if not user.has_perm("assessments.reopen", locked):
        raise _refusal(locked, Transition.Action.REOPEN)
    return _move(
        locked,
        action=Transition.Action.REOPEN,
        to=Status.REOPENED,
        user=user,
        comment=_clean_comment(comment, required=True),
        request=request,
        **_back_to_editable(),
    )


TRANSITIONS = {
    Transition.Action.SUBMIT: ("assessments.submit", submit),
    Transition.Action.VALIDATE: ("assessments.validate", validate),
    Transition.Action.SEND_BACK: ("assessments.send_back", send_back),
    Transition.Action.REOPEN: ("assessments.reopen", reopen),
}


def available_actions(*, user: User, assessment: Assessment) -> list[str]:
    """The transitions this person may make on this assessment now."""
    return [
        action for action, (perm, _fn) in TRANSITIONS.items() if user.has_perm(perm, assessment)
    ]
