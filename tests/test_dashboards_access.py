"""Who may open which dashboard and export: in scope 200, out of scope 404."""

import pytest
from django.urls import reverse

from tests.dashboards_data import build_campaign
from tests.factories import user_with_role

ROLES = ("rssi", "director", "ght_lead", "ars", "other_ars", "national", "other_rssi")


@pytest.fixture
def campaign_data(world):
    return build_campaign(world, extra=4)


def urls(name, *args):
    return [
        reverse(f"dashboards:{name}", args=args),
        reverse(f"dashboards:{name}_export", args=args) + "?format=csv",
        reverse(f"dashboards:{name}_export", args=args) + "?format=xlsx&list=departments",
    ]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("rssi", False),
        ("director", False),
        ("ght_lead", False),
        ("ars", True),
        ("other_ars", False),
        ("national", True),
        ("other_rssi", False),
    ],
)
def test_region_dashboard_and_exports(client, world, campaign_data, role, allowed):
    client.force_login(getattr(world, role))
    for url in urls("region", "84"):
        assert client.get(url).status_code == (200 if allowed else 404), url


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("rssi", False),
        ("director", False),
        ("ght_lead", False),
        ("ars", False),
        ("other_ars", False),
        ("national", True),
    ],
)
def test_national_dashboard_and_exports(client, world, campaign_data, role, allowed):
    client.force_login(getattr(world, role))
    for url in urls("national"):
        assert client.get(url).status_code == (200 if allowed else 404), url


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("rssi", False),
        ("director", False),
        ("ght_lead", True),
        ("ars", True),
        ("other_ars", False),
        ("national", True),
        ("other_rssi", False),
    ],
)
def test_ght_dashboard_and_exports(client, world, campaign_data, role, allowed):
    client.force_login(getattr(world, role))
    for url in urls("ght", "GHT-RHONE"):
        assert client.get(url).status_code == (200 if allowed else 404), url


def test_ght_lead_sees_only_its_ght(client, world, campaign_data):
    client.force_login(world.ght_lead)
    for url in urls("ght", "GHT-PARIS"):
        assert client.get(url).status_code == 404
    other_lead = user_with_role("ght", world.other_ght)
    client.force_login(other_lead)
    assert client.get(reverse("dashboards:ght", args=["GHT-RHONE"])).status_code == 404
    assert client.get(reverse("dashboards:ght", args=["GHT-PARIS"])).status_code == 200


def test_unknown_region_or_ght_is_404(client, world, campaign_data):
    client.force_login(world.national)
    assert client.get(reverse("dashboards:region", args=["00"])).status_code == 404
    assert client.get(reverse("dashboards:ght", args=["NOPE"])).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, world, campaign_data):
    for url in urls("region", "84") + urls("national") + urls("ght", "GHT-RHONE"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_navigation_links_to_the_dashboards(client, world, campaign_data):
    client.force_login(world.ars)
    assert reverse("dashboards:region", args=["84"]) in client.get(reverse("home")).text
    client.force_login(world.ght_lead)
    assert reverse("dashboards:ght", args=["GHT-RHONE"]) in client.get(reverse("home")).text
