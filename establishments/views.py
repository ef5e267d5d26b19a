"""Pages of the registry: the establishment list and an establishment's detail."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from care_portal.db_router import reads_from_replica
from establishments.filters import EstablishmentFilter
from establishments.models import Establishment
from establishments.regulatory import set_regulatory_status
from establishments.regulatory_forms import RegulatoryStatusForm

PAGE_SIZE = 50


@reads_from_replica
def establishment_list(request: HttpRequest) -> HttpResponse:
    queryset = Establishment.objects.for_user(request.user).select_related(
        "region", "department", "ght"
    )
    filterset = EstablishmentFilter(request.GET or None, queryset=queryset, user=request.user)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "establishments/list.html",
        {
            "page_title": _("Établissements"),
            "filter": filterset,
            "page_obj": page,
            "querystring": query.urlencode(),
        },
    )


def establishment_detail(request: HttpRequest, finess: str) -> HttpResponse:
    establishment = get_object_or_404(
        Establishment.objects.for_user(request.user).select_related("region", "department", "ght"),
        finess=finess,
    )
    # Through the reverse relation: the registry does not import the apps built on it.
    assessments = (
        establishment.assessments.for_user(request.user)
        .select_related("campaign", "snapshot")
        .order_by("-campaign__year")
    )
    return render(
        request,
        "establishments/detail.html",
        {
            "page_title": establishment.display_name,
            "establishment": establishment,
            "assessments": assessments,
            "may_set_regulatory": request.user.has_perm(
                "establishments.set_regulatory_status", establishment
            ),
        },
    )


def regulatory_status(request: HttpRequest, finess: str) -> HttpResponse:
    """The ARS sets an establishment's NIS2 status and OSE designation (its region only)."""
    establishment = get_object_or_404(
        Establishment.objects.for_user(request.user).select_related("region", "regulatory_set_by"),
        finess=finess,
    )
    if not request.user.has_perm("establishments.set_regulatory_status", establishment):
        raise PermissionDenied(
            _("Seuls l'ARS de la région et le niveau national fixent ce statut.")
        )
    form = RegulatoryStatusForm.for_establishment(
        establishment, request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            set_regulatory_status(
                establishment=establishment,
                change=form.change(),
                user=request.user,
                request=request,
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                for message in field_errors:
                    form.add_error(field, message)
        else:
            messages.success(request, _("Statut réglementaire enregistré."))
            return redirect("establishments:detail", finess=establishment.finess)
    return render(
        request,
        "establishments/regulatory.html",
        {
            "page_title": _("Statut réglementaire — %(name)s")
            % {"name": establishment.display_name},
            "establishment": establishment,
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )
