"""A question's comments and its assignee: posted from the form, back to the question."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments import questions
from assessments.models import COMMENT_TEXT_MAX_LENGTH
from assessments.views.evidence import _requirement_for
from assessments.views.scoped import assessment_for, form_url


def _back(assessment, requirement) -> HttpResponse:
    return redirect(form_url(assessment, requirement.objective.axis.code, requirement.code))


@require_http_methods(["GET"])
def question(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One question's comments and assignee, with the forms to add a comment or entrust it."""
    assessment = assessment_for(request, pk)
    requirement = _requirement_for(assessment, code)
    discussion = questions.discussions(assessment).get(requirement.pk) or questions.Discussion()
    may_assign = questions.may_assign(request.user, assessment)
    return render(
        request,
        "assessments/question.html",
        {
            "page_title": _("Question %(code)s — %(name)s")
            % {"code": code, "name": assessment.establishment.display_name},
            "assessment": assessment,
            "requirement": requirement,
            "comments": discussion.comments,
            "assignment": discussion.assignment,
            "may_comment": questions.may_comment(request.user, assessment),
            "may_assign": may_assign,
            "colleagues": questions.colleagues(assessment) if may_assign else [],
            "max_length": COMMENT_TEXT_MAX_LENGTH,
            "form_url": form_url(assessment, requirement.objective.axis.code, requirement.code),
        },
    )


@require_POST
def question_comment(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    assessment = assessment_for(request, pk)
    requirement = _requirement_for(assessment, code)
    try:
        questions.add_comment(
            assessment=assessment,
            requirement=requirement,
            user=request.user,
            text=request.POST.get("text", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Commentaire ajouté à la question %(code)s.") % {"code": code})
    return _back(assessment, requirement)


@require_POST
def question_assign(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    assessment = assessment_for(request, pk)
    requirement = _requirement_for(assessment, code)
    raw = request.POST.get("assignee", "").strip()
    try:
        assignee_id = int(raw) if raw else None
    except ValueError:
        assignee_id = -1  # no such person: refused below with the same message
    try:
        assignment = questions.assign(
            assessment=assessment,
            requirement=requirement,
            user=request.user,
            assignee_id=assignee_id,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if assignment is None:
            messages.success(
                request, _("La question %(code)s n'est plus confiée.") % {"code": code}
            )
        else:
            messages.success(
                request,
                _("Question %(code)s confiée à %(who)s, qui en est prévenu.")
                % {
                    "code": code,
                    "who": assignment.assignee.get_full_name() or assignment.assignee.email,
                },
            )
    return _back(assessment, requirement)
