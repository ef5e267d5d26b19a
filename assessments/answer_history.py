"""The history of an assessment's answers, as people read it: what changed, from what to what.

Every write of an answer goes through ``save_answers``, which keeps a django-simple-history row
per change (who, when, the new value). The value before a change is the previous row of the
same requirement; values are written out in French by the answer types of the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assessments.answer_fields import AnswerInput, answer_input
from assessments.form_page import same_answer
from assessments.models import Answer, Assessment
from referential.models import Requirement


@dataclass
class AnswerChange:
    when: datetime
    who: str
    requirement: Requirement
    before: str | None  # None: there was no answer before
    after: str
    reason: str
    url: str = ""  # where the requirement is asked, filled in by the page


def answer_changes(assessment: Assessment, *, code: str | None = None) -> list[AnswerChange]:
    """The answer changes of an assessment, most recent first (two queries)."""
    requirements = {
        requirement.pk: requirement
        for requirement in Requirement.objects.filter(
            referential_id=assessment.campaign.referential_id
        ).select_related("objective__axis")
    }
    rows = Answer.history.filter(assessment_id=assessment.pk).select_related("history_user")
    if code:
        rows = rows.filter(requirement__code=code)
    inputs: dict[int, AnswerInput] = {}
    previous: dict[int, object] = {}
    changes: list[tuple[tuple, AnswerChange]] = []
    for row in rows.order_by("requirement_id", "history_date", "history_id"):
        requirement = requirements.get(row.requirement_id)
        if requirement is None:
            continue
        field = inputs.setdefault(row.requirement_id, answer_input(requirement))
        had_answer = row.requirement_id in previous
        before = previous.get(row.requirement_id)
        after = None if row.history_type == "-" else row.value
        previous[row.requirement_id] = after
        if had_answer and same_answer(before, after):
            continue
        who = row.history_user
        changes.append(
            (
                (row.history_date, row.history_id),
                AnswerChange(
                    when=row.history_date,
                    who=(who.get_full_name() or who.email) if who else "",
                    requirement=requirement,
                    before=field.display(before) if had_answer else None,
                    after=field.display(after),
                    reason=row.history_change_reason or "",
                ),
            )
        )
    changes.sort(key=lambda pair: pair[0], reverse=True)
    return [change for _key, change in changes]
