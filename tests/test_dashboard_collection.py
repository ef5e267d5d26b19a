"""The dashboard pages build thousands of short-lived objects: Python's cyclic collector is
paused while a page is built and back on once it is served, whatever happens."""

import gc

import pytest
from django.urls import reverse

from care_portal.collection import collector_paused
from dashboards import views
from tests.dashboards_data import build_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def collector_seen(monkeypatch):
    """The collector's state while each page draws its map (the real map, observed)."""
    seen = []
    real = views.dashboard_map

    def observed(dashboard):
        seen.append(gc.isenabled())
        return real(dashboard)

    monkeypatch.setattr(views, "dashboard_map", observed)
    return seen


def test_the_collector_is_paused_while_a_dashboard_is_built_only(client, world, collector_seen):
    build_campaign(world, extra=5)
    client.force_login(world.national)
    assert gc.isenabled()
    for url in (
        reverse("dashboards:national"),
        reverse("dashboards:region", args=[world.hospital.region_id]),
        reverse("dashboards:ght", args=[world.ght.code]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert "Cibles phares CaRE" in page.content.decode()
        assert gc.isenabled()
    assert collector_seen == [False, False, False]


def test_the_collector_comes_back_after_an_error_and_stays_off_if_it_was():
    with pytest.raises(ZeroDivisionError), collector_paused():
        assert not gc.isenabled()
        1 / 0  # noqa: B018
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
