"""The unfiltered list of a region or of the country, read page by page through SQL built once,
gives the rows the list's QuerySet gives, in every order, on every page."""

import pytest
from django.test import RequestFactory

from dashboards.dashboard import PagedRows
from dashboards.listing import SORTS
from dashboards.views import _national, _region
from tests.dashboards_data import build_campaign

pytestmark = pytest.mark.django_db

ORDERS = [*SORTS, *(f"-{key}" for key in SORTS)]


@pytest.fixture
def campaign_data(world):
    return build_campaign(world, extra=40)


def dashboard_for(user, build, *args, **params):
    request = RequestFactory().get("/", params)
    request.user = user
    return build(request, *args)


@pytest.mark.parametrize("sort", ORDERS)
def test_a_regions_pages_are_the_lists_rows(world, campaign_data, sort):
    dashboard = dashboard_for(world.ars, _region, "84", sort=sort)
    expected = list(dashboard.rows)
    assert len(expected) > 40
    paged = dashboard.page_rows(len(expected))
    assert isinstance(paged, PagedRows)
    for start, stop in [(0, 20), (20, 40), (40, 60), (len(expected) - 3, len(expected) + 10)]:
        assert paged[start:stop] == expected[start:stop]


@pytest.mark.parametrize("sort", ["name", "-score", "ght", "status"])
def test_the_countrys_pages_are_the_lists_rows(world, campaign_data, sort):
    dashboard = dashboard_for(world.national, _national, sort=sort)
    expected = list(dashboard.rows)
    paged = dashboard.page_rows(len(expected))
    assert isinstance(paged, PagedRows)
    assert paged[0 : len(expected)] == expected
    assert paged[5:15] == expected[5:15]


def test_a_filtered_list_or_a_partial_view_reads_the_queryset(world, campaign_data):
    filtered = dashboard_for(world.ars, _region, "84", kind="ES")
    assert not isinstance(filtered.page_rows(10), PagedRows)
    # Not counted (no known length): the QuerySet, counted by the paginator.
    assert not isinstance(dashboard_for(world.ars, _region, "84").page_rows(None), PagedRows)
    # A national person opening a region sees it whole too.
    national = dashboard_for(world.national, _region, "84")
    assert isinstance(national.page_rows(10), PagedRows)
