"""Items the ARS records for an establishment (``answered_by: ars``: the CPOM objective, 2-2).

The ARS of the region writes them (``save_answers`` with ``assessments.record_ars_answers``);
every page, the PDF and the API show them read-only to the establishment, with who recorded
them and when, and they are never the establishment's answers, scores or gaps.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from assessments.models import Answer, Assessment
from care_portal.formats import format_date


def recorded_note(answer: Answer | None) -> str:
    """ "Renseigné par l'ARS le 12 mars 2026 par Jeanne Dupont." ("" when not recorded yet)."""
    if answer is None or answer.value is None:
        return ""
    when = format_date(answer.updated_at, long=True)
    if answer.updated_by is None:
        return _("Renseigné par l'ARS le %(date)s.") % {"date": when}
    return _("Renseigné par l'ARS le %(date)s par %(who)s.") % {
        "date": when,
        "who": str(answer.updated_by),
    }


def ars_answers(assessment: Assessment) -> dict[str, Answer]:
    """Code -> the stored answer of each item the ARS records for this assessment."""
    answers = (
        Answer.objects.filter(
            assessment=assessment,
            requirement__answered_by="ars",
            value__isnull=False,
        )
        .select_related("updated_by", "requirement")
        .order_by("requirement__order")
    )
    return {answer.requirement.code: answer for answer in answers}
