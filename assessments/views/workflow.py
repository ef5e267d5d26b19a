"""The status page of an assessment: where it stands, what each person may do next, its timeline."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from assessments.models import Assessment, Transition
from assessments.review import review
from assessments.views.carry_over import carry_over_context, simulation_url
from assessments.views.mine import progress_of
from assessments.views.review import answer_checks
from assessments.views.scoped import assessment_for, form_url
from assessments.workflow import (
    SubmissionIncomplete,
    WorkflowError,
    available_actions,
    missing_required_answers,
    reopen,
    send_back,
    submit,
    validate,
)
from assessments.workflow_forms import CommentForm

Action = Transition.Action
SUCCESS = {
    Action.SUBMIT: gettext_lazy("L'auto-évaluation a été transmise à la direction."),
    Action.VALIDATE: gettext_lazy("L'auto-évaluation est validée."),
    Action.SEND_BACK: gettext_lazy(
        "L'auto-évaluation a été renvoyée au RSSI avec votre commentaire."
    ),
    Action.REOPEN: gettext_lazy(
        "L'auto-évaluation est rouverte : le RSSI peut de nouveau la modifier."
    ),
}
COMMENT_REQUIRED = {Action.SEND_BACK, Action.REOPEN}


def _comment_forms(actions: list[str], data=None, failed: str | None = None) -> dict:
    return {
        action: CommentForm(
            data if action == failed else None,
            required=action in COMMENT_REQUIRED,
            prefix=action,
        )
        for action in actions
        if action != Action.SUBMIT
    }


def _timeline(assessment: Assessment, carry_overs) -> list[dict]:
    events = [
        {
            "when": assessment.created_at,
            "label": _("Ouverture de l'auto-évaluation (campagne %(year)s)")
            % {"year": assessment.campaign.year},
            "status": Assessment.Status.DRAFT,
            "who": "",
            "comment": "",
        }
    ]
    for record in carry_overs:
        events.append(
            {
                "when": record.created_at,
                "label": _(
                    "Reprise des réponses de la campagne %(year)s (%(source)s → %(target)s) : "
                    "%(carried)d reprise(s) dont %(reread)d à relire, %(dropped)d non reprise(s)"
                )
                % {
                    "year": record.previous_year,
                    "source": record.previous_referential,
                    "target": record.referential,
                    "carried": record.carried_count,
                    "reread": len(record.to_reread),
                    "dropped": len(record.not_carried),
                },
                "status": assessment.Status.DRAFT,
                "who": record.created_by_label,
                "comment": "",
            }
        )
    for transition in assessment.transitions.all():
        events.append(
            {
                "when": transition.created_at,
                "label": transition.get_action_display(),
                "status": transition.to_status,
                "status_label": transition.get_to_status_display(),
                "from_label": transition.get_from_status_display(),
                "who": transition.actor_label,
                "comment": transition.comment,
            }
        )
    return sorted(events, key=lambda event: event["when"])


def _render_status(
    request: HttpRequest,
    assessment: Assessment,
    *,
    comment_forms: dict | None = None,
    missing=None,
    submission_refused: bool = False,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    actions = available_actions(user=user, assessment=assessment)
    if missing is None and Action.SUBMIT in actions:
        missing = missing_required_answers(assessment)
    snapshot = getattr(assessment, "snapshot", None)
    carry_over = carry_over_context(request, assessment)
    context = {
        "page_title": _("Statut de l'auto-évaluation — %(name)s")
        % {"name": assessment.establishment.display_name},
        "assessment": assessment,
        "snapshot": snapshot,
        "progress": progress_of(assessment),
        "actions": actions,
        "comment_forms": comment_forms or _comment_forms(actions),
        "missing": [
            {"item": item, "url": form_url(assessment, item.step, item.code)}
            for item in (missing or [])
        ],
        "missing_ght": any(item.ght_level for item in (missing or [])),
        "submission_refused": submission_refused,
        "timeline": _timeline(assessment, carry_over["carry_overs"]),
        "form_url": form_url(assessment),
        **answer_checks(assessment, review(assessment)),
        "simulation_url": simulation_url(user, assessment),
        **carry_over,
    }
    return render(request, "assessments/status.html", context, status=status)


@require_GET
def assessment_status(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_status(request, assessment_for(request, pk))


@require_POST
def assessment_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in Action.values:
        raise Http404
    assessment = assessment_for(request, pk)
    user = request.user
    form = CommentForm(request.POST, required=action in COMMENT_REQUIRED, prefix=action)
    comment = form.data.get(f"{action}-comment", "")
    try:
        if action == Action.SUBMIT:
            submit(assessment=assessment, user=user, request=request)
        elif action == Action.VALIDATE:
            validate(assessment=assessment, user=user, comment=comment, request=request)
        elif action == Action.SEND_BACK:
            send_back(assessment=assessment, user=user, comment=comment, request=request)
        else:
            reopen(assessment=assessment, user=user, comment=comment, request=request)
    except SubmissionIncomplete as refused:
        messages.error(request, refused.message)
        return _render_status(request, assessment, missing=refused.missing, submission_refused=True)
    except WorkflowError as error:
        forms = _comment_forms(
            available_actions(user=user, assessment=assessment), request.POST, failed=action
        )
        forms[action].is_valid()
        forms[action].add_error("comment", error.message)
        return _render_status(request, assessment, comment_forms=forms)
    messages.success(request, SUCCESS[action])
    return redirect("assessments:status", pk=assessment.pk)
