"""Pages of the registry: the establishment list and an establishment's detail."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from care_portal.db_router import reads_from_replica
from establishments.filters import EstablishmentFilter
from establishments.models import Establishment

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
            "page_title": establishment.name,
            "establishment": establishment,
            "assessments": assessments,
        },
    )
