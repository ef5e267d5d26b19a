"""Comments on a question and questions entrusted to a colleague of the establishment.

Anyone of the establishment (its RSSI, its direction) may leave a remark on a question while the
assessment is editable; the RSSI may entrust a question to a named colleague, a person with an
account in the establishment, who is told with a link to the question (the apps above register
in their AppConfig.ready through ``on_assignment``; this module imports none of them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from assessments.models import (
    COMMENT_TEXT_MAX_LENGTH,
    Assessment,
    QuestionAssignment,
    QuestionComment,
)
from establishments.models import User
from referential.models import Requirement

_assignment_listeners: list[Callable[[QuestionAssignment], None]] = []


def on_assignment(listener: Callable[[QuestionAssignment], None]) -> None:
    """Have `listener` told of every question entrusted (registered once per listener)."""
    if listener not in _assignment_listeners:
        _assignment_listeners.append(listener)


def colleagues(assessment: Assessment) -> QuerySet[User]:
    """The people with an active account and a role in the assessment's establishment."""
    return (
        User.objects.filter(
            is_active=True, role_assignments__establishment_id=assessment.establishment_id
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


def may_comment(user: User, assessment: Assessment) -> bool:
    """The establishment's people, and the GHT lead on the support's assessment, while editable."""
    if not assessment.is_editable or not user.is_active:
        return False
    # The person's roles are read once per request (``User.assignments``).
    return any(
        role.establishment_id == assessment.establishment_id for role in user.assignments
    ) or user.has_perm("assessments.edit_ght_answers", assessment)


def _count_one_more(assessment: Assessment) -> None:
    Assessment.objects.filter(pk=assessment.pk).update(discussion_count=F("discussion_count") + 1)


def may_assign(user: User, assessment: Assessment) -> bool:
    """Whoever fills the questionnaire (the RSSI) shares out its questions."""
    return assessment.is_editable and user.has_perm("assessments.edit_answers", assessment)


def _refuse_other_referential(assessment: Assessment, requirement: Requirement) -> None:
    if requirement.referential_id != assessment.campaign.referential_id:
        raise PermissionDenied


@transaction.atomic
def add_comment(
    *, assessment: Assessment, requirement: Requirement, user: User, text: str
) -> QuestionComment:
    """A remark on one question; ValidationError when empty or too long."""
    _refuse_other_referential(assessment, requirement)
    if not may_comment(user, assessment):
        raise PermissionDenied(_("Vous ne pouvez pas commenter cette auto-évaluation."))
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Le commentaire est vide."))
    if len(text) > COMMENT_TEXT_MAX_LENGTH:
        raise ValidationError(
            _("Le commentaire dépasse %(max)d caractères (%(length)d saisis).")
            % {"max": COMMENT_TEXT_MAX_LENGTH, "length": len(text)}
        )
    comment = QuestionComment.objects.create(
        assessment=assessment, requirement=requirement, author=user, text=text
    )
    _count_one_more(assessment)
    return comment


@transaction.atomic
def assign(
    *, assessment: Assessment, requirement: Requirement, user: User, assignee_id: int | None
) -> QuestionAssignment | None:
    """Entrust the question to a colleague (None: to nobody any more); the colleague is told."""
    _refuse_other_referential(assessment, requirement)
    if not may_assign(user, assessment):
        raise PermissionDenied(_("Seul le RSSI confie les questions de l'auto-évaluation."))
    if assignee_id is None:
        QuestionAssignment.objects.filter(assessment=assessment, requirement=requirement).delete()
        return None
    assignee = colleagues(assessment).filter(pk=assignee_id).first()
    if assignee is None:
        raise ValidationError(_("Choisissez une personne ayant un compte dans l'établissement."))
    assignment, _created = QuestionAssignment.objects.update_or_create(
        assessment=assessment,
        requirement=requirement,
        defaults={"assignee": assignee, "assigned_by": user},
    )
    _count_one_more(assessment)
    if assignee.pk != user.pk:
        for listener in _assignment_listeners:
            listener(assignment)
    return assignment


@dataclass
class Discussion:
    comments: list[QuestionComment] = field(default_factory=list)
    assignment: QuestionAssignment | None = None


def discussions(assessment: Assessment) -> dict[int, Discussion]:
    """The comments and the assignee of each question, by requirement id: two queries, none
    while no question was ever discussed."""
    by_requirement: dict[int, Discussion] = {}
    if not assessment.discussion_count:
        return by_requirement
    comments = QuestionComment.objects.filter(assessment=assessment).select_related("author")
    for comment in comments:
        by_requirement.setdefault(comment.requirement_id, Discussion()).comments.append(comment)
    assignments = QuestionAssignment.objects.filter(assessment=assessment).select_related(
        "assignee"
    )
    for assignment in assignments:
        by_requirement.setdefault(assignment.requirement_id, Discussion()).assignment = assignment
    return by_requirement
