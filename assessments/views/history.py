"""The readable history of an assessment's answers."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments.answer_history import answer_changes
from assessments.views.scoped import assessment_for, form_url

PAGE_SIZE = 50


@require_GET
def history(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for(request, pk)
    code = request.GET.get("requirement") or None
    changes = answer_changes(assessment, code=code)
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    for change in page:
        requirement = change.requirement
        change.url = form_url(assessment, requirement.objective.axis.code, requirement.code)
    return render(
        request,
        "assessments/history.html",
        {
            "page_title": _("Historique des réponses — %(name)s")
            % {"name": assessment.establishment.display_name},
            "assessment": assessment,
            "page_obj": page,
            "code": code,
            "querystring": urlencode({"requirement": code}) if code else "",
        },
    )
