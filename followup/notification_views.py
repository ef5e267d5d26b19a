"""Pages of the notifications: the list, marking read, e-mail preferences, asking the GHT lead.

A person only ever reaches their own notifications (another's is a 404); the assessment the
GHT lead is asked about is fetched through the person's scope.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.models import Assessment
from followup.forms import EmailPreferencesForm
from followup.models import Notification
from followup.notifications import NotifyError, ask_ght_lead, email_kinds_for, set_email_kinds

PAGE_SIZE = 25


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user).select_related(
        "assessment__establishment"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "followup/notification_list.html",
        {
            "page_title": _("Notifications"),
            "page_obj": page,
            "unread_count": notifications.unread().count(),
        },
    )


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    Notification.objects.filter(pk=notification.pk).mark_read()
    return redirect(_back(request, "followup:notifications"))


@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = Notification.objects.filter(recipient=request.user).mark_read()
    messages.success(
        request,
        ngettext(
            "%(count)d notification marquée comme lue.",
            "%(count)d notifications marquées comme lues.",
            count,
        )
        % {"count": count},
    )
    return redirect("followup:notifications")


@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    form = EmailPreferencesForm(
        request.POST or None, initial={"kinds": sorted(email_kinds_for(request.user))}
    )
    if request.method == "POST" and form.is_valid():
        set_email_kinds(person=request.user, kinds=form.cleaned_data["kinds"])
        messages.success(request, _("Vos préférences de courriel sont enregistrées."))
        return redirect("followup:notification_preferences")
    return render(
        request,
        "followup/notification_preferences.html",
        {"page_title": _("Préférences de notification"), "form": form},
    )


@require_POST
def ask_ght_lead_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(
        Assessment.objects.for_user(request.user).select_related("establishment", "campaign"),
        pk=pk,
    )
    try:
        sent = ask_ght_lead(assessment=assessment, user=request.user)
    except NotifyError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "Le responsable du GHT est prévenu.",
                "Les %(count)d responsables du GHT sont prévenus.",
                len(sent),
            )
            % {"count": len(sent)},
        )
    return redirect(_back(request, "home"))
