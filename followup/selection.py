"""The establishments an ARS picks on its regional dashboard, for a relaunch or bulk reports.

Either the boxes ticked in the list (`establishment=<id>` parameters) or, with
`selection=filters`, every establishment matching the dashboard's current filters (the same
parameters the dashboard reads). Both are limited to the person's scope within the region:
anything else is ignored. An id that is not one (``²``, 5,000 digits, beyond 64 bits) makes the
selection empty, with a message saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from assessments.models import Campaign
from dashboards.dashboard import REGION, Dashboard
from establishments.models import Establishment, Region, User
from followup.forms import SelectionIdsForm

ALL_FILTERED = "filters"
TICKED = "ticked"
# Parameters of the selection itself, not of the dashboard's filters.
OWN_PARAMS = {"selection", "establishment", "page", "csrfmiddlewaretoken", "subject", "message"}


@dataclass
class Selection:
    region: Region
    dashboard: Dashboard
    mode: str
    ticked_ids: list[int]
    error: str | None = None

    @cached_property
    def establishments(self) -> QuerySet[Establishment]:
        """The establishments chosen, as a plain queryset, by name."""
        if self.mode == ALL_FILTERED:
            form = self.dashboard.filter_form
            form.is_valid()
            chosen = form.filter(self.dashboard.base).values("pk")
        else:
            chosen = self.dashboard.base.filter(pk__in=self.ticked_ids).values("pk")
        return Establishment.objects.filter(pk__in=chosen).order_by("name", "finess")

    @cached_property
    def count(self) -> int:
        return self.establishments.count()

    @property
    def campaign(self) -> Campaign | None:
        return self.dashboard.campaign

    @property
    def filter_params(self) -> list[tuple[str, str]]:
        """The dashboard's parameters, to carry from page to page as hidden fields."""
        return [
            (key, value)
            for key, values in self.dashboard.params.lists()
            if key not in OWN_PARAMS
            for value in values
            if value != ""
        ]

    @property
    def hidden_fields(self) -> list[tuple[str, str]]:
        """Everything needed to resolve the same selection again from a form."""
        fields = [("selection", self.mode), *self.filter_params]
        if self.mode == TICKED:
            fields += [("establishment", str(pk)) for pk in self.ticked_ids]
        return fields

    @property
    def criteria(self) -> dict:
        """How the establishments were chosen, as recorded on a relaunch or a bulk request."""
        if self.mode == ALL_FILTERED:
            filters: dict[str, list[str]] = {}
            for key, value in self.filter_params:
                filters.setdefault(key, []).append(value)
            return {"mode": ALL_FILTERED, "filters": filters}
        return {"mode": TICKED}

    @property
    def about(self) -> str:
        """What the selection is about, in words, when it is the dashboard's filtered list."""
        if self.mode != ALL_FILTERED:
            return ""
        return describe_filters(self.dashboard)

    @property
    def dashboard_query(self) -> str:
        query = QueryDict(mutable=True)
        for key, value in self.filter_params:
            query.appendlist(key, value)
        return query.urlencode()


def resolve_selection(*, user: User, region: Region, params: QueryDict) -> Selection:
    """The selection described by `params`, within what `user` sees of `region`."""
    ids = SelectionIdsForm({"establishment": params.getlist("establishment")})
    valid = ids.is_valid()
    ticked = ids.cleaned_data["establishment"] if valid else []
    error = None if valid else " ".join(ids.errors["establishment"])
    dashboard = Dashboard(
        level=REGION,
        establishments=Establishment.objects.for_user(user).filter(region=region),
        params=params,
        region=region,
    )
    mode = ALL_FILTERED if params.get("selection") == ALL_FILTERED else TICKED
    return Selection(region=region, dashboard=dashboard, mode=mode, ticked_ids=ticked, error=error)


def describe_filters(dashboard: Dashboard) -> str:
    """The dashboard's filters in use, in words (« Campagne 2025 ; Avancement : Non commencée »):
    how a relaunch or a bulk request says which list it was made from."""
    parts = (
        [_("Campagne %(year)s") % {"year": dashboard.campaign.year}] if dashboard.campaign else []
    )
    form = dashboard.filter_form
    if form.is_bound and form.is_valid():
        for name, field in form.fields.items():
            value = form.cleaned_data.get(name)
            if name == "sort" or value in (None, ""):
                continue
            shown = dict(getattr(field, "choices", None) or []).get(value, value)
            parts.append(f"{field.label} : {shown}")
    return " ; ".join(str(part) for part in parts)


def about_criteria(region: Region, criteria: dict | None) -> str:
    """``describe_filters`` for the criteria recorded on a relaunch or a bulk request."""
    criteria = criteria or {}
    if criteria.get("mode") != ALL_FILTERED:
        return ""
    params = QueryDict(mutable=True)
    for key, values in (criteria.get("filters") or {}).items():
        for value in values if isinstance(values, list) else [values]:
            params.appendlist(str(key), str(value))
    dashboard = Dashboard(
        level=REGION,
        establishments=Establishment.objects.filter(region=region),
        params=params,
        region=region,
    )
    return describe_filters(dashboard)
