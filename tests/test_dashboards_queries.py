"""Every dashboard page and export runs a bounded number of queries, whatever its size."""

import pytest
from django.urls import reverse

from dashboards.summary import rebuild_summary
from establishments.models import Establishment
from tests.dashboards_data import build_campaign

# Session, user and roles, the region or GHT, campaigns, the grouped counts, the action plans'
# figures, the filter choices (departments, GHTs), the list (count + page, or both in one
# query when filtered), the GHT-level
# figures, the unread notifications (the referential's targets are read once per process).
PAGE_QUERIES = 13
EXPORT_QUERIES = 10


@pytest.fixture(params=[10, 100], ids=["10-establishments", "100-establishments"])
def sized_campaign(request, world):
    return build_campaign(world, extra=request.param - 4)


FILTERS = {"kind": "ES", "status": "draft", "hl_rssi": "met", "score_min": "10", "sort": "-score"}


@pytest.mark.parametrize(
    ("role", "name", "args"),
    [
        ("ars", "region", ["84"]),
        ("national", "national", []),
        ("ght_lead", "ght", ["GHT-RHONE"]),
    ],
)
def test_pages_run_a_bounded_number_of_queries(
    client, world, sized_campaign, django_assert_max_num_queries, role, name, args
):
    client.force_login(getattr(world, role))
    url = reverse(f"dashboards:{name}", args=args)
    # As in a running process: the referential version's compiled form is read once.
    client.get(url)
    for params in ({}, FILTERS, {"page": "2"}):
        with django_assert_max_num_queries(PAGE_QUERIES):
            assert client.get(url, params).status_code == 200


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("list_name", ["establishments", "departments", "regions"])
def test_exports_run_a_bounded_number_of_queries(
    client, world, sized_campaign, django_assert_max_num_queries, fmt, list_name
):
    client.force_login(world.national)
    url = reverse("dashboards:national_export")
    # As in a running process: the referential version's compiled form is read once.
    client.get(reverse("dashboards:national"))
    with django_assert_max_num_queries(EXPORT_QUERIES):
        response = client.get(url, {"format": fmt, "list": list_name, **FILTERS})
        assert response.status_code == 200
        b"".join(response.streaming_content) if response.streaming else response.content


# Once the campaign's summary is built (what production runs): the national page's goal of 12
# queries, the action plans' figures (overdue actions, costs by funding source) included.
BUILT_PAGE_QUERIES = 12


@pytest.mark.parametrize(
    ("role", "name", "args"),
    [("national", "national", []), ("ars", "region", ["84"])],
)
def test_pages_over_a_built_summary_run_at_most_twelve_queries(
    client, world, sized_campaign, django_assert_max_num_queries, role, name, args
):
    campaign, _records = sized_campaign
    rebuild_summary(campaign)
    client.force_login(getattr(world, role))
    url = reverse(f"dashboards:{name}", args=args)
    # As in a running process: the referential version's compiled form is read once.
    client.get(url, {"compare": "1"})
    shown = Establishment.objects.filter(is_active=True)
    if args:
        shown = shown.filter(region_id=args[0])
    # Filtered, the list's length is read with its page's rows (one query, not two).
    for params in ({}, {"page": "2"}, FILTERS, {"kind": "ES", "sort": "-name"}):
        with django_assert_max_num_queries(BUILT_PAGE_QUERIES) as captured:
            page = client.get(url, params)
        assert page.status_code == 200
        assert any("dashboards_campaignsummary" in q["sql"] for q in captured.captured_queries)
        dashboard = page.context["dashboard"]
        assert dashboard.total.total == shown.count()
        listed = page.context["page_obj"]
        assert listed.paginator.count == dashboard.rows.count()
        assert [row["pk"] for row in listed] == [
            row["pk"] for row in dashboard.rows[listed.start_index() - 1 : listed.end_index()]
        ]


@pytest.mark.parametrize(
    ("role", "name", "args"),
    [("ars", "region", ["84"]), ("national", "national", []), ("ght_lead", "ght", ["GHT-RHONE"])],
)
def test_a_filtered_list_joins_each_assessment_and_snapshot_once(
    client, world, sized_campaign, django_assert_max_num_queries, role, name, args
):
    """The list's filters (progress, score, a target) and its columns read the same join to the
    assessment and its snapshot: a second join would have the database match every assessment
    of the campaign against the scope's establishments."""
    client.force_login(getattr(world, role))
    url = reverse(f"dashboards:{name}", args=args)
    client.get(url)
    with django_assert_max_num_queries(PAGE_QUERIES) as captured:
        page = client.get(url, FILTERS)
    assert page.status_code == 200
    listed = [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "establishments_establishment"' in q["sql"] and " cur ON " in q["sql"]
    ]
    assert len(listed) >= 2  # the list's count and its page (and the figures, counted live)
    for sql in listed:
        assert sql.count('JOIN "assessments_assessment"') == 1, sql
        assert sql.count('JOIN "assessments_scoresnapshot"') == 1, sql
