"""The audit log page, for ARS and national users only."""

import rules
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from audit.forms import AuditFilterForm
from audit.models import AuditEvent

PAGE_SIZE = 50


def event_list(request: HttpRequest) -> HttpResponse:
    if not rules.has_perm("audit.view_log", request.user):
        raise Http404
    events = AuditEvent.objects.for_user(request.user).select_related("establishment", "region")
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        events = form.filter(events)
    elif form.is_bound:
        events = events.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/list.html",
        {
            "page_title": _("Journal d'audit"),
            "form": form,
            "page_obj": page,
            "querystring": query.urlencode(),
        },
    )
