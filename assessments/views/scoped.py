"""Fetching an assessment through the person's scope: the one way every assessment page does it."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse

from assessments.models import Assessment


def assessment_for(request: HttpRequest, pk: int, *, annotate=None) -> Assessment:
    """The assessment if the person may see it; 404 otherwise (out of scope looks like absent).

    `annotate`, when given, adds to the query what the page reads (no further query).
    """
    queryset = Assessment.objects.for_user(request.user).select_related(
        "establishment__ght", "establishment__region", "campaign__referential", "snapshot"
    )
    if annotate is not None:
        queryset = annotate(queryset)
    return get_object_or_404(queryset, pk=pk)


def url_or_none(name: str, *args) -> str | None:
    """The URL of a page that may not exist in this installation (the report, the form…)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def form_url(assessment: Assessment, step: str | None = None, code: str | None = None) -> str:
    """The form page, at a step and a requirement's anchor when given."""
    url = url_or_none("assessments:form", assessment.pk) or f"/assessments/{assessment.pk}/"
    if step:
        url += f"?step={step}"
    if code:
        url += f"#req-{code}"
    return url


def report_url(assessment: Assessment) -> str:
    return url_or_none("reports:assessment-report", assessment.pk) or (
        f"/assessments/{assessment.pk}/report.pdf"
    )
