"""National, regional and GHT dashboards, and the exports of their lists.

Every page starts from the person's scope: the region, GHT or national level must be theirs
(404 otherwise) and the establishments counted are `Establishment.objects.for_user(user)`.
"""

from __future__ import annotations

from urllib.parse import quote

import rules
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import ReportedIncident
from audit.models import Action
from audit.services import record_event
from care_portal import charts
from care_portal.collection import without_collection
from care_portal.db_router import reads_from_replica
from care_portal.pagination import KnownCountPaginator, counted_page
from dashboards import fragments
from dashboards.dashboard import GHT_LEVEL, NATIONAL, REGION, Dashboard
from dashboards.exports import (
    FORMATS,
    decorated,
    establishment_columns,
    export_response,
    figures_columns,
    plan_columns,
)
from dashboards.figures import PROGRESS
from dashboards.funding import (
    SteeringFilters,
    call_candidacies,
    export_columns,
    steering_row,
    summaries,
)
from dashboards.listing import SORTS, decorate
from dashboards.maps import chosen_target_index, dashboard_map
from dashboards.not_applicable import counts_by_requirement
from dashboards.not_applicable import region_not_applicable as region_not_applicable_answers
from dashboards.targets import NEAR_DEADLINE_DAYS, STATUS_TONES, TONE_LABELS
from establishments.models import GHT, Establishment, Region
from funding.models import Candidacy, FundingCall

PAGE_SIZE = 50
LIST_NAMES = {
    "establishments": gettext_lazy("Établissements"),
    "regions": gettext_lazy("Région"),
    "departments": gettext_lazy("Département"),
    "ghts": gettext_lazy("GHT"),
    "kinds": gettext_lazy("Type"),
    "legal_statuses": gettext_lazy("Statut juridique"),
}


# --- Building the dashboard from the request --------------------------------------------------


def _national(request: HttpRequest) -> Dashboard:
    if not rules.has_perm("dashboards.view_national", request.user):
        raise Http404
    return Dashboard(
        level=NATIONAL,
        establishments=Establishment.objects.for_user(request.user),
        params=request.GET,
        regions=list(Region.objects.for_user(request.user).order_by("name")),
        whole_area=request.user.scope.everything,
    )


def _region(request: HttpRequest, code: str) -> Dashboard:
    region = get_object_or_404(Region.objects.for_user(request.user), code=code)
    scope = request.user.scope
    return Dashboard(
        level=REGION,
        establishments=Establishment.objects.for_user(request.user).filter(region=region),
        params=request.GET,
        region=region,
        whole_area=scope.whole_region(region.code),
    )


def _ght(request: HttpRequest, code: str) -> Dashboard:
    ght = get_object_or_404(
        GHT.objects.for_user(request.user).select_related("region", "support_establishment"),
        code=code,
    )
    # The summary holds every member; a person who sees only the members in their regions
    # (an ARS) reads those regions' rows; one who sees other members one by one, a live count.
    scope = request.user.scope
    whole = scope.whole_ght(ght.pk)
    return Dashboard(
        level=GHT_LEVEL,
        establishments=Establishment.objects.for_user(request.user).filter(ght=ght),
        params=request.GET,
        region=ght.region,
        ght=ght,
        summary_regions=None if whole else frozenset(scope.region_codes),
        summary_usable=whole or not scope.establishment_ids,
    )


# --- Pages -------------------------------------------------------------------------------------


@reads_from_replica
@without_collection
def national(request: HttpRequest) -> HttpResponse:
    dashboard = _national(request)
    return _render(
        request,
        dashboard,
        title=_("Tableau de bord national"),
        export_url=reverse("dashboards:national_export"),
        extra={"ght_level_figures": dashboard.ght_level_figures(request.user)},
    )


@reads_from_replica
@without_collection
def region(request: HttpRequest, code: str) -> HttpResponse:
    dashboard = _region(request, code)
    return _render(
        request,
        dashboard,
        title=_("Tableau de bord régional — %(name)s") % {"name": dashboard.region.name},
        export_url=reverse("dashboards:region_export", args=[code]),
        extra={
            "ght_level_figures": dashboard.ght_level_figures(request.user),
            "na_list_url": reverse("dashboards:region_not_applicable", args=[code]),
            "incidents_url": reverse("dashboards:region_incidents", args=[code]),
        },
    )


@reads_from_replica
@without_collection
def ght(request: HttpRequest, code: str) -> HttpResponse:
    dashboard = _ght(request, code)
    return _render(
        request,
        dashboard,
        title=_("Tableau de bord du GHT — %(name)s") % {"name": dashboard.ght.name},
        export_url=reverse("dashboards:ght_export", args=[code]),
        extra={"ght_targets": dashboard.ght_targets(request.user)},
    )


def _parents(request: HttpRequest, dashboard: Dashboard) -> list[tuple[str, str]]:
    """The breadcrumb above this dashboard, as far as the person may go."""
    parents = []
    if dashboard.level != NATIONAL and rules.has_perm("dashboards.view_national", request.user):
        parents.append((_("National"), reverse("dashboards:national")))
    if (
        dashboard.level == GHT_LEVEL
        and Region.objects.for_user(request.user).filter(code=dashboard.region.code).exists()
    ):
        parents.append(
            (dashboard.region.name, reverse("dashboards:region", args=[dashboard.region.code]))
        )
    return parents


def _link_groups(request: HttpRequest, dashboard: Dashboard) -> None:
    """Regions and GHTs of the breakdowns link to their own dashboard."""
    if dashboard.level == NATIONAL:
        region_url = _url_pattern("dashboards:region")
        for figures in dashboard.by_region:
            figures.extra["url"] = region_url(figures.key)
    if dashboard.level != GHT_LEVEL:
        ght_url = _url_pattern("dashboards:ght")
        for figures in dashboard.by_ght:
            if figures.key:
                figures.extra["url"] = ght_url(figures.key)


# What `reverse` keeps unquoted in an argument (django.urls.resolvers).
_URL_SAFE = "!$&'()*+,;=/~:@"


def _url_pattern(name: str):
    """The URL of `name` for one code argument, resolved once for a page's hundreds of links
    (the same URL `reverse` gives)."""
    head, _marker, tail = reverse(name, args=["~code~"]).partition("~code~")
    return lambda code: f"{head}{quote(str(code), safe=_URL_SAFE)}{tail}"


def _render(
    request: HttpRequest, dashboard: Dashboard, *, title: str, export_url: str, extra=None
) -> HttpResponse:
    context = {
        "page_title": title,
        "dashboard": dashboard,
        "export_url": export_url,
        "parents": _parents(request, dashboard),
    }
    context.update(extra or {})
    if dashboard.campaign is not None:
        context["campaign_query"] = _campaign_query(dashboard)
        context["near_deadline_days"] = NEAR_DEADLINE_DAYS

        def draw() -> dict:
            _link_groups(request, dashboard)
            return {**context, **_figures_context(dashboard)}

        drawn = fragments.figures(request, dashboard, context, draw)
        form = dashboard.filter_form
        count = dashboard.list_count(drawn.total)
        if count is None:
            # Filtered: the list's length is read with the page's rows.
            page = counted_page(dashboard.rows, PAGE_SIZE, request.GET.get("page"))
        else:
            paginator = KnownCountPaginator(dashboard.page_rows(count), PAGE_SIZE, count=count)
            page = paginator.get_page(request.GET.get("page"))
        page.object_list = rows = list(page.object_list)
        query = request.GET.copy()
        query.pop("page", None)
        filters_query = query.copy()
        filters_query.pop("sort", None)
        context.update(
            {
                "figures": drawn,
                "form": form,
                "page_obj": page,
                "querystring": query.urlencode(),
                "filters_query": filters_query.urlencode(),
                "sort": form.sort_key,
                "sort_columns": _sort_columns(form.sort_key, filters_query.urlencode()),
            }
        )

        def draw_list() -> dict:
            for row in rows:
                decorate(row, dashboard.targets)
            return context

        context["establishment_list"] = fragments.establishment_list(
            request, drawn.key, form, page, draw_list
        )
    return render(request, "dashboards/dashboard.html", context)


def _campaign_query(dashboard: Dashboard) -> str:
    return f"campaign={dashboard.campaign.year}" if dashboard.campaign else ""


def _figures_context(dashboard: Dashboard) -> dict:
    total = dashboard.total
    targets = total.target_figures
    context = {
        "total": total,
        "target_figures": targets,
        "targets_chart": charts.bar_chart(
            [
                charts.Bar(
                    f.target.label,
                    f.share,
                    target=f.target.share,
                    tone=STATUS_TONES.get(f.status, "neutral"),
                )
                for f in targets
            ],
            title=_("Cibles phares CaRE : part des établissements concernés qui les atteignent"),
            description=_("Part atteinte, et cible nationale quand le plan en fixe une."),
            target_label=_("Cible nationale"),
            tone_labels=TONE_LABELS,
        ),
        "progress_chart": charts.stacked_bar(
            [(label, count) for _key, label, count, _share in total.progress],
            title=_("Avancement des auto-évaluations de la campagne"),
            description=_("Nombre d’établissements à chaque étape."),
        ),
        "distribution_chart": charts.histogram(
            total.distribution,
            title=_("Répartition des scores globaux"),
            description=_(
                "Nombre d’auto-évaluations commencées par tranche de score global (en %)."
            ),
            x_label=_("Score global (%)"),
            y_label=_("Établissements"),
        ),
        "breakdowns": dashboard.breakdowns,
        "progress_keys": PROGRESS,
    }
    if dashboard.level == NATIONAL:
        context.update(_region_comparison(dashboard))
    context["map"] = dashboard_map(dashboard)
    return context


def _region_comparison(dashboard: Dashboard) -> dict:
    """The 18 regions side by side: progress, and the share meeting a chosen target."""
    targets = dashboard.targets
    index = chosen_target_index(dashboard)
    regions = dashboard.by_region
    context = {
        "regions_progress_chart": charts.stacked_bars(
            [str(label) for _key, label, _count, _share in dashboard.total.progress],
            [(f.label, [count for _k, _l, count, _s in f.progress]) for f in regions],
            title=_("Avancement des auto-évaluations par région"),
        ),
        "compare_index": index,
    }
    if targets:
        target = targets[index]
        context["compare_target"] = target
        context["regions_target_chart"] = charts.bar_chart(
            [
                charts.Bar(
                    f.label,
                    f.target_figures[index].share,
                    target=target.share,
                    tone=STATUS_TONES.get(f.target_figures[index].status, "neutral"),
                )
                for f in regions
            ],
            title=_("%(target)s : part des établissements par région") % {"target": target.label},
            target_label=_("Cible nationale"),
            tone_labels=TONE_LABELS,
            label_width=220,
        )
    return context


def _sort_columns(current: str, filters_query: str) -> dict:
    """For each sortable column: the link that sorts by it and its aria-sort state."""
    columns = {}
    for key in SORTS:
        if current == key:
            state, next_sort = "ascending", f"-{key}"
        elif current == f"-{key}":
            state, next_sort = "descending", key
        else:
            state, next_sort = "none", key
        prefix = f"{filters_query}&" if filters_query else ""
        columns[key] = {"url": f"?{prefix}sort={next_sort}", "state": state}
    return columns


# --- Exports -----------------------------------------------------------------------------------


@reads_from_replica
def national_export(request: HttpRequest) -> HttpResponse:
    return _export(request, _national(request), "national")


@reads_from_replica
def region_export(request: HttpRequest, code: str) -> HttpResponse:
    return _export(request, _region(request, code), f"region-{code}")


@reads_from_replica
def ght_export(request: HttpRequest, code: str) -> HttpResponse:
    return _export(request, _ght(request, code), f"ght-{code}")


def _export(request: HttpRequest, dashboard: Dashboard, scope_name: str) -> HttpResponse:
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        return HttpResponseBadRequest(
            _("Format d’export inconnu « %(format)s » : choisissez csv ou xlsx.") % {"format": fmt},
            content_type="text/plain; charset=utf-8",
        )
    list_name = request.GET.get("list", "establishments")
    if list_name not in LIST_NAMES:
        return HttpResponseBadRequest(
            _("Liste inconnue « %(list)s ».") % {"list": list_name},
            content_type="text/plain; charset=utf-8",
        )
    if dashboard.campaign is None:
        raise Http404
    filename = f"care-{scope_name}-{dashboard.campaign.year}-{list_name}"
    if list_name == "establishments":
        form = dashboard.filter_form
        if form.is_bound and not form.is_valid():
            errors = "; ".join(
                f"{form.fields[name].label if name in form.fields else ''} : {' '.join(msgs)}"
                for name, msgs in form.errors.items()
            )
            return HttpResponseBadRequest(
                _("Filtres invalides, rien n’a été exporté : %(errors)s") % {"errors": errors},
                content_type="text/plain; charset=utf-8",
            )
        _record_export(request, dashboard, scope_name, list_name, fmt)
        rows = dashboard.rows
        iterator = rows.iterator(chunk_size=2000)
        columns = establishment_columns(
            dashboard.targets, request.build_absolute_uri("/").rstrip("/"), dashboard.region_names
        )
        return export_response(
            fmt,
            columns,
            decorated(iterator, dashboard.targets),
            filename,
            str(LIST_NAMES[list_name]),
        )
    breakdown = dashboard.breakdown(list_name)
    if breakdown is None:
        raise Http404
    header, figures = breakdown
    columns = figures_columns(dashboard.targets, header)
    if list_name == dashboard.plan_list:
        dashboard.plan_rows  # noqa: B018 - the groups get their plan figures
        columns += plan_columns(dashboard.funding_sources)
    _record_export(request, dashboard, scope_name, list_name, fmt)
    return export_response(fmt, columns, figures, filename, str(LIST_NAMES[list_name]))


def _record_export(
    request: HttpRequest, dashboard: Dashboard, scope_name: str, list_name: str, fmt: str
) -> None:
    """Exports go to the audit log, filed under the dashboard's region."""
    record_event(
        actor=request.user,
        action=Action.EXPORT,
        region=dashboard.region,
        request=request,
        target=_("Export %(list)s — %(scope)s") % {"list": list_name, "scope": scope_name},
        detail={"format": fmt, "list": list_name, "filters": request.GET.dict()},
    )


@reads_from_replica
def region_not_applicable(request: HttpRequest, code: str) -> HttpResponse:
    """The region's "not applicable" answers with their reasons, filterable by requirement."""
    dashboard = _region(request, code)
    campaign = dashboard.campaign
    context = {
        "page_title": _("Réponses « non applicable » — %(name)s") % {"name": dashboard.region.name},
        "dashboard": dashboard,
        "parents": [
            *_parents(request, dashboard),
            (dashboard.region.name, reverse("dashboards:region", args=[code])),
        ],
    }
    if campaign is not None:
        answers = region_not_applicable_answers(request.user, dashboard.region, campaign)
        counts = counts_by_requirement(answers)
        requirement = request.GET.get("requirement") or ""
        if requirement and requirement not in {row.code for row in counts}:
            requirement = ""
        if requirement:
            answers = answers.filter(requirement__code=requirement)
        page = Paginator(answers, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context.update(
            {
                "counts": counts,
                "total": sum(row.count for row in counts),
                "requirement": requirement,
                "page_obj": page,
                "querystring": query.urlencode(),
                "campaign_query": _campaign_query(dashboard),
            }
        )
    return render(request, "dashboards/not_applicable.html", context)


# --- Funding calls ----------------------------------------------------------------------------


def _steering(request: HttpRequest, call_code: str, region_code: str | None, params=None):
    """The call, the regions shown (one, or every region for the national level), the rows."""
    call = get_object_or_404(FundingCall.objects.current(), code=call_code)
    if region_code is None:
        if not rules.has_perm("dashboards.view_national", request.user):
            raise Http404
        regions = list(Region.objects.for_user(request.user).order_by("name"))
    else:
        regions = [get_object_or_404(Region.objects.for_user(request.user), code=region_code)]
    params = request.GET if params is None else params
    form = SteeringFilters(params or None)
    candidacies = call_candidacies(call, request.user, regions)
    rows = [steering_row(c) for c in candidacies]
    if form.is_bound and form.is_valid():
        listed = {c.pk for c in form.filter(candidacies)}
        shown = [r for r in rows if r.candidacy.pk in listed]
    else:
        shown = rows
    return call, regions, form, rows, shown


def _filter_errors(form) -> str:
    return "; ".join(
        f"{form.fields[name].label} : {' '.join(msgs)}" for name, msgs in form.errors.items()
    )


@reads_from_replica
def funding_national(request: HttpRequest, call: str) -> HttpResponse:
    return _steering_page(request, call, None)


@reads_from_replica
def funding_region(request: HttpRequest, code: str, call: str) -> HttpResponse:
    return _steering_page(request, call, code)


def _steering_page(request: HttpRequest, call_code: str, region_code: str | None):
    call, regions, form, rows, shown = _steering(request, call_code, region_code)
    if region_code is None:
        title = _("Appel %(call)s — candidatures de toutes les régions") % {"call": call.code}
        export_url = reverse("dashboards:funding_national_export", args=[call.code])
    else:
        title = _("Appel %(call)s — candidatures de la région %(region)s") % {
            "call": call.code,
            "region": regions[0].name,
        }
        export_url = reverse("dashboards:funding_region_export", args=[region_code, call.code])
    return render(
        request,
        "dashboards/funding.html",
        {
            "page_title": title,
            "call": call,
            "national": region_code is None,
            "summaries": summaries(rows, regions),
            "stages": [str(label) for _value, label in Candidacy.Stage.choices],
            "form": form,
            "rows": shown,
            "export_url": export_url,
            "query": request.GET.urlencode(),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@reads_from_replica
def funding_national_export(request: HttpRequest, call: str) -> HttpResponse:
    return _steering_export(request, call, None)


@reads_from_replica
def funding_region_export(request: HttpRequest, code: str, call: str) -> HttpResponse:
    return _steering_export(request, call, code)


def _steering_export(request: HttpRequest, call_code: str, region_code: str | None):
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        return HttpResponseBadRequest(
            _("Format d’export inconnu « %(format)s » : choisissez csv ou xlsx.") % {"format": fmt},
            content_type="text/plain; charset=utf-8",
        )
    params = request.GET.copy()
    params.pop("format", None)
    params.pop("list", None)
    call, regions, form, _rows, shown = _steering(request, call_code, region_code, params)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(
            _("Filtres invalides, rien n’a été exporté : %(errors)s")
            % {"errors": _filter_errors(form)},
            content_type="text/plain; charset=utf-8",
        )
    scope = "national" if region_code is None else f"region-{region_code}"
    record_event(
        actor=request.user,
        action=Action.EXPORT,
        region=regions[0] if region_code else None,
        request=request,
        target=_("Export candidatures %(call)s — %(scope)s") % {"call": call.code, "scope": scope},
        detail={"format": fmt, "list": "candidacies", "call": call.code, "filters": params.dict()},
    )
    filename = f"care-{scope}-appel-{call.code}-candidatures"
    return export_response(fmt, export_columns(), shown, filename, _("Candidatures"))


@reads_from_replica
def region_incidents(request: HttpRequest, code: str) -> HttpResponse:
    """The incidents the region's establishments reported, beside their maturity."""
    dashboard = _region(request, code)
    incidents = (
        ReportedIncident.objects.for_user(request.user)
        .filter(establishment__region=dashboard.region)
        .select_related("establishment")
    )
    counts = incidents.aggregate(
        total=Count("pk"), degraded=Count("pk", filter=Q(degraded_care=True))
    )
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboards/incidents.html",
        {
            "page_title": _("Incidents signalés — %(name)s") % {"name": dashboard.region.name},
            "dashboard": dashboard,
            "parents": [
                *_parents(request, dashboard),
                (dashboard.region.name, reverse("dashboards:region", args=[code])),
            ],
            "counts": counts,
            "page_obj": page,
            "querystring": query.urlencode(),
        },
    )
