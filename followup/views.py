"""Pages of the follow-up: relaunching establishments, bulk PDF reports and their downloads.

Regions are fetched through `Region.objects.for_user` (an ARS its own, national all; 404
otherwise), relaunches and bulk reports through their own `for_user`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from care_portal.formats import format_date
from care_portal.stored_files import DamagedFile, damaged_file_response, open_verified
from establishments.models import Region
from followup.forms import RelaunchForm, default_relaunch
from followup.models import BulkReport, Relaunch
from followup.relaunches import rssi_recipients
from followup.selection import resolve_selection
from followup.services import create_relaunch, request_bulk_report

PAGE_SIZE = 25
PREVIEW_SIZE = 20


def _region(request: HttpRequest, code: str) -> Region:
    return get_object_or_404(Region.objects.for_user(request.user), code=code)


def _selection(request: HttpRequest, region: Region):
    params = request.POST if request.method == "POST" else request.GET
    return resolve_selection(user=request.user, region=region, params=params)


def _preview(selection) -> dict:
    """The first establishments of a selection and how many RSSIs they reach."""
    recipients = list(rssi_recipients(selection.establishments))
    return {
        "selection": selection,
        "preview": selection.establishments[:PREVIEW_SIZE],
        "recipient_count": sum(1 for _establishment, person in recipients if person["person_id"]),
        "unreachable_count": sum(
            1 for _establishment, person in recipients if not person["person_id"]
        ),
    }


# --- Relaunches -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def relaunch_new(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(request, code)
    selection = _selection(request, region)
    sending = request.method == "POST" and "subject" in request.POST
    form = RelaunchForm(
        request.POST if sending else None,
        initial=default_relaunch(region=region, campaign=selection.campaign, sender=request.user),
    )
    if sending and form.is_valid() and not selection.error:
        if selection.count == 0:
            form.add_error(None, _("Aucun établissement n’est sélectionné : rien n’a été envoyé."))
        else:
            relaunch = create_relaunch(
                sender=request.user,
                region=region,
                establishments=selection.establishments,
                subject=form.cleaned_data["subject"],
                message=form.cleaned_data["message"],
                criteria=selection.criteria,
            )
            messages.success(
                request,
                ngettext(
                    "Relance enregistrée : %(count)s établissement relancé.",
                    "Relance enregistrée : %(count)s établissements relancés.",
                    selection.count,
                )
                % {"count": selection.count},
            )
            return redirect("followup:relaunch_detail", pk=relaunch.pk)
    return render(
        request,
        "followup/relaunch_new.html",
        {
            "page_title": _("Relancer des établissements — %(region)s") % {"region": region.name},
            "region": region,
            "form": form,
            **_preview(selection),
        },
        status=400 if selection.error else 200,
    )


@require_GET
def relaunch_list(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(request, code)
    relaunches = (
        Relaunch.objects.for_user(request.user)
        .filter(region=region)
        .annotate(
            establishment_count=Count("recipients__establishment", distinct=True),
            sent_count=Count("recipients", filter=Q(recipients__sent_at__isnull=False)),
        )
        .order_by("-created_at", "-pk")
    )
    page = Paginator(relaunches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "followup/relaunch_list.html",
        {
            "page_title": _("Historique des relances — %(region)s") % {"region": region.name},
            "region": region,
            "page_obj": page,
        },
    )


@require_GET
def relaunch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    relaunch = get_object_or_404(
        Relaunch.objects.for_user(request.user).select_related("region"), pk=pk
    )
    recipients = relaunch.recipients.select_related("establishment").order_by(
        "establishment__name", "email"
    )
    return render(
        request,
        "followup/relaunch_detail.html",
        {
            "page_title": _("Relance du %(date)s") % {"date": format_date(relaunch.created_at)},
            "relaunch": relaunch,
            "recipients": recipients,
        },
    )


# --- Bulk reports -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def bulk_report_new(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(request, code)
    selection = _selection(request, region)
    if selection.error:
        error = selection.error
    elif selection.campaign is None:
        error = _("Aucune campagne n’est ouverte : il n’y a pas de rapport à produire.")
    elif selection.count == 0:
        error = _("Aucun établissement n’est sélectionné.")
    elif selection.count > settings.CARE_BULK_REPORT_MAX:
        error = _(
            "La sélection compte %(count)s établissements ; une demande en compte au plus "
            "%(max)s. Affinez les filtres du tableau de bord."
        ) % {"count": selection.count, "max": settings.CARE_BULK_REPORT_MAX}
    else:
        error = None
    if request.method == "POST" and error is None:
        request_bulk_report(
            requester=request.user,
            region=region,
            campaign=selection.campaign,
            establishments=selection.establishments,
            criteria=selection.criteria,
        )
        messages.success(
            request,
            _(
                "Demande enregistrée : les rapports sont produits en arrière-plan. Vous recevrez "
                "un courriel quand le fichier sera prêt."
            ),
        )
        return redirect("followup:bulk_reports")
    return render(
        request,
        "followup/bulk_report_new.html",
        {
            "page_title": _("Rapports PDF groupés — %(region)s") % {"region": region.name},
            "region": region,
            "error": error,
            "selection": selection,
            "preview": selection.establishments[:PREVIEW_SIZE],
        },
        status=400 if selection.error else 200,
    )


@require_GET
def bulk_report_list(request: HttpRequest) -> HttpResponse:
    reports = (
        BulkReport.objects.for_user(request.user)
        .filter(requester=request.user)
        .select_related("region", "campaign")
        .annotate(establishment_count=Count("establishments"))
        .order_by("-created_at", "-pk")
    )
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "followup/bulk_report_list.html",
        {
            "page_title": _("Mes rapports PDF groupés"),
            "page_obj": page,
            "refresh": any(r.status in (r.Status.PENDING, r.Status.RUNNING) for r in page),
        },
    )


@require_GET
def bulk_report_download(request: HttpRequest, pk: int) -> FileResponse:
    bulk = get_object_or_404(BulkReport.objects.for_user(request.user), pk=pk)
    if not bulk.is_downloadable or not bulk.file:
        raise Http404
    try:
        handle = open_verified(bulk.file, bulk.sha256)
    except FileNotFoundError as missing:
        raise Http404 from missing
    except DamagedFile:
        return damaged_file_response(request)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=bulk.file.name.rsplit("/", 1)[-1],
        content_type="application/zip",
    )
