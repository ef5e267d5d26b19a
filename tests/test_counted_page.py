"""A filtered list's page and its length read in one query give what Django's paginator gives
(counting, then reading the page), for every page asked, in range or not."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from care_portal.pagination import counted_page
from dashboards.views import _region
from tests.dashboards_data import build_campaign
from tests.test_dashboard_page_rows import dashboard_for

pytestmark = pytest.mark.django_db

PER_PAGE = 7
ASKED = [None, "1", "2", "3", "6", "7", "999", "0", "-1", "abc", "2.5", ""]


@pytest.fixture
def campaign_data(world):
    return build_campaign(world, extra=40)


@pytest.mark.parametrize("params", [{"kind": "ES"}, {"kind": "ES", "sort": "-score"}, {"q": "zzz"}])
def test_every_page_asked_is_the_paginators(world, campaign_data, params):
    rows = dashboard_for(world.ars, _region, "84", **params).rows
    for number in ASKED:
        expected = Paginator(rows, PER_PAGE).get_page(number)
        page = counted_page(rows, PER_PAGE, number)
        assert (page.number, page.paginator.count, page.paginator.num_pages) == (
            expected.number,
            expected.paginator.count,
            expected.paginator.num_pages,
        ), number
        assert list(page.object_list) == list(expected.object_list), number
        assert (
            page.has_next() == expected.has_next() and page.start_index() == expected.start_index()
        )


@pytest.mark.parametrize("extra", [15, 40])
def test_a_page_in_range_is_one_query_whatever_the_lists_length(world, extra):
    build_campaign(world, extra=extra)
    rows = dashboard_for(world.ars, _region, "84", kind="ES").rows
    length = rows.count()
    per_page = length // 3
    assert per_page >= 2
    for number in ("1", "2"):
        with CaptureQueriesContext(connection) as queries:
            page = counted_page(rows, per_page, number)
            shown = list(page.object_list)
        assert len(queries) == 1
        assert page.paginator.count == length and len(shown) == per_page
    # Past the end: the last page, counted apart.
    with CaptureQueriesContext(connection) as queries:
        page = counted_page(rows, per_page, "999")
        shown = list(page.object_list)
    assert page.number == page.paginator.num_pages and shown
    assert len(queries) == 3, [q["sql"][:80] for q in queries]
