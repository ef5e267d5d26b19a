"""Template helpers of the assessment pages: the page tabs, the evidence of a requirement, and
the statuses and severities as they read (``{% with s=gap.severity|gap_severity %}{{ s.label }}``)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from assessments import questions
from assessments.evidence import evidence_by_requirement, may_manage
from assessments.scoring.model import GapSeverity, RequirementStatus
from assessments.views.carry_over import simulation_url
from assessments.views.scoped import form_url, report_url, url_or_none

register = template.Library()


@register.inclusion_tag("assessments/_tabs.html", takes_context=True)
def assessment_tabs(context, assessment, current: str = ""):
    """Links between the pages of one assessment, the current one marked for screen readers."""
    pk = assessment.pk
    tabs = [
        ("form", _("Questionnaire"), form_url(assessment)),
        ("status", _("Statut et transmission"), url_or_none("assessments:status", pk)),
        ("evidence", _("Preuves"), url_or_none("assessments:evidence", pk)),
        ("exercises", _("Exercices de crise"), url_or_none("assessments:exercises", pk)),
        ("incidents", _("Incidents signalés"), url_or_none("assessments:incidents", pk)),
        ("actions", _("Plan d'actions"), url_or_none("actions:plan", pk)),
        ("history", _("Historique"), url_or_none("assessments:history", pk)),
        ("exchange", _("Export / import"), url_or_none("assessments:import", pk)),
        ("workbook", _("Classeur Excel"), url_or_none("assessments:workbook", pk)),
    ]
    user = getattr(context.get("request"), "user", None)
    if user is not None and user.has_perm("assessments.record_ars_answers", assessment):
        # The ARS of the region records the items it holds for the establishment (the CPOM).
        tabs.append(("ars", _("Renseigné par l'ARS"), url_or_none("assessments:ars_answers", pk)))
    return {
        "tabs": [
            {"key": key, "label": label, "url": url, "current": key == current}
            for key, label, url in tabs
            if url
        ],
        "report_url": report_url(assessment),
    }


@register.simple_tag(takes_context=True)
def requirement_evidence(context, assessment, requirement, user=None) -> dict:
    """The evidence of one requirement; the whole assessment's evidence is read once per page.

    ``user`` defaults to the request's (pass it where the template is rendered without one).
    """
    # Kept on the assessment object: included templates do not share their render context.
    by_requirement = getattr(assessment, "_evidence_by_requirement", None)
    if by_requirement is None:
        by_requirement = assessment._evidence_by_requirement = evidence_by_requirement(assessment)
    if not user:
        user = context["request"].user
    return {
        "items": by_requirement.get(requirement.pk, []),
        "may_manage": may_manage(user=user, assessment=assessment, requirement=requirement),
        "manage_url": reverse(
            "assessments:requirement_evidence", args=[assessment.pk, requirement.code]
        ),
    }


@register.simple_tag(takes_context=True)
def simulation_link(context, assessment) -> str | None:
    """The simulation page of an assessment under the version that follows its own, if any."""
    return simulation_url(context["request"].user, assessment)


@register.simple_tag(takes_context=True)
def question_discussion(context, assessment, requirement) -> dict:
    """The comments and the assignee of one question, read once per page for the whole
    assessment, and whether the person may add to them."""
    by_requirement = getattr(assessment, "_discussions", None)
    if by_requirement is None:
        by_requirement = assessment._discussions = questions.discussions(assessment)
        user = context["request"].user
        assessment._may_discuss = questions.may_comment(user, assessment) or questions.may_assign(
            user, assessment
        )
    discussion = by_requirement.get(requirement.pk) or questions.Discussion()
    return {
        "comments": discussion.comments,
        "assignment": discussion.assignment,
        "may_discuss": assessment._may_discuss,
        "url": reverse("assessments:question", args=[assessment.pk, requirement.code]),
    }


@register.simple_tag(takes_context=True)
def open_label(context, assessment) -> str:
    """« Remplir » to whoever may write some of its answers now, « Consulter » to anyone else."""
    user = context["request"].user
    return _("Remplir") if user.has_perm("assessments.fill", assessment) else _("Consulter")


STATUS_BADGES = {
    "draft": "info",
    "submitted": "new",
    "validated": "success",
    "reopened": "warning",
}


@register.inclusion_tag("assessments/_status_badge.html")
def status_badge(assessment):
    """The assessment's status as a DSFR badge."""
    return {
        "level": STATUS_BADGES.get(assessment.status, "info"),
        "label": assessment.get_status_display(),
    }


@register.filter
def requirement_status(value: str | None) -> RequirementStatus | None:
    """A stored status as its label and badge: `.label`, `.badge`."""
    return RequirementStatus.of(value)


@register.filter
def gap_severity(value: str | None) -> GapSeverity | None:
    """A stored severity as its label and badge: `.label`, `.badge`."""
    return GapSeverity.of(value)
