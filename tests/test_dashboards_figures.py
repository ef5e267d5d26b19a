"""Dashboard figures against counts made by hand from a factory-built campaign."""

from datetime import date

import pytest
from django.urls import reverse

from dashboards.targets import BEHIND, MET, NO_DATA, NO_TARGET, ON_TRACK, target_status
from referential.targets import headline_targets
from tests.dashboards_data import build_campaign, expected


@pytest.fixture
def campaign_data(world):
    return build_campaign(world)


def in_region(records, code):
    return [r for r in records if r.establishment.region_id == code]


def assert_figures(figures, records, *, distribution=True):
    want = expected(records)
    assert figures.total == want["total"]
    assert figures.not_started == want["not_started"]
    assert figures.draft == want["draft"]
    assert figures.submitted == want["submitted"]
    assert figures.validated == want["validated"]
    if distribution:  # read from the department counts only
        assert [count for _label, count in figures.distribution] == want["buckets"]
    if want["average"] is None:
        assert figures.average_score is None
    else:
        assert figures.average_score == pytest.approx(want["average"])
    for figure in figures.target_figures:
        met, population = want["targets"][figure.target.key]
        assert (figure.met, figure.population) == (met, population), figure.target.key


def test_region_figures_match_hand_counts(client, world, campaign_data):
    _campaign, records = campaign_data
    client.force_login(world.ars)
    response = client.get(reverse("dashboards:region", args=["84"]))
    assert response.status_code == 200
    mine = in_region(records, "84")
    assert_figures(response.context["total"], mine)
    dashboard = response.context["dashboard"]
    # Breakdowns: each group against the records of that group.
    for figures in dashboard.by_department:
        assert_figures(figures, [r for r in mine if r.establishment.department_id == figures.key])
    assert {f.key for f in dashboard.by_department} == {"01", "69"}
    for figures in dashboard.by_ght:
        group = [
            r
            for r in mine
            if (r.establishment.ght.code if r.establishment.ght else None) == figures.key
        ]
        assert_figures(figures, group, distribution=False)
    for figures in dashboard.by_kind:
        assert_figures(figures, [r for r in mine if r.kind == figures.key], distribution=False)
    for figures in dashboard.by_legal_status:
        group = [r for r in mine if r.establishment.legal_status == figures.key]
        assert_figures(figures, group, distribution=False)
    assert sum(f.total for f in dashboard.by_legal_status) == len(mine)


def test_region_page_shows_the_figures(client, world, campaign_data):
    _campaign, records = campaign_data
    mine = in_region(records, "84")
    want = expected(mine)
    client.force_login(world.ars)
    text = client.get(reverse("dashboards:region", args=["84"])).text
    assert "Tableau de bord régional — Auvergne-Rhône-Alpes" in text
    assert "Campagne 2025" in text
    for label in ("RSSI nommé", "Budget numérique ≥ 2 %", "Auto-évaluation transmise"):
        assert label in text
    met, population = want["targets"]["rssi"]
    assert f"{met} / {population}" in text
    assert "S1 2025" in text
    # Charts are inline SVG with their text alternative, each next to a data table.
    assert text.count('role="img"') >= 3
    assert text.count("Voir les données") >= 2
    assert "En retard" in text and "atteint la cible nationale" in text
    assert "Hôpital Lariboisière Test" not in text  # another region's establishment


def test_national_figures_and_region_comparison(client, world, campaign_data):
    _campaign, records = campaign_data
    client.force_login(world.national)
    response = client.get(reverse("dashboards:national"))
    assert response.status_code == 200
    assert_figures(response.context["total"], records)
    by_region = {f.key: f for f in response.context["dashboard"].by_region}
    assert len(by_region) == 18  # every region is listed, even with no establishment
    assert {k for k, f in by_region.items() if f.total} == {"84", "11"}
    assert_figures(by_region["84"], in_region(records, "84"))
    assert_figures(by_region["11"], in_region(records, "11"))
    text = response.text
    assert "Comparaison des régions" in text
    assert reverse("dashboards:region", args=["11"]) in text
    assert "Avancement des auto-évaluations par région" in text


def test_national_comparison_of_a_chosen_target(client, world, campaign_data):
    _campaign, records = campaign_data
    client.force_login(world.national)
    response = client.get(reverse("dashboards:national"), {"compare": "budget"})
    assert response.context["compare_target"].key == "budget"
    met, population = expected(in_region(records, "84"))["targets"]["budget"]
    share = 100 * met / population
    assert f"Auvergne-Rhône-Alpes : {share:.1f}".rstrip("0").rstrip(".").replace(".", ",") in (
        response.context["regions_target_chart"].replace("\u00a0", " ")
    )


def test_ght_dashboard_members_and_ght_level_targets(client, world, campaign_data):
    _campaign, records = campaign_data
    client.force_login(world.ght_lead)
    response = client.get(reverse("dashboards:ght", args=["GHT-RHONE"]))
    assert response.status_code == 200
    members = [r for r in records if r.establishment.ght_id == world.ght.pk]
    assert_figures(response.context["total"], members)
    assert response.context["page_obj"].paginator.count == len(members)
    ght_targets = {item["requirement"].code: item for item in response.context["ght_targets"]}
    assert set(ght_targets) == {"GHT-PILOTE", "GHT-AD"}
    assert ght_targets["GHT-PILOTE"]["status"] == "met"
    assert ght_targets["GHT-AD"]["status"] == "partial"
    text = response.text
    assert "Un chef de projet de niveau GHT est désigné" in text
    assert "Centre hospitalier de Villefranche" in text  # the support establishment
    assert "EHPAD Les Tilleuls" not in text  # not a member


def test_ght_level_targets_without_snapshot_are_unanswered(client, world, campaign_data):
    _campaign, records = campaign_data
    records[0].assessment.snapshot.delete()
    client.force_login(world.ght_lead)
    response = client.get(reverse("dashboards:ght", args=["GHT-RHONE"]))
    assert {item["status"] for item in response.context["ght_targets"]} == {"unanswered"}


def test_targets_come_from_the_referential(campaign_data):
    campaign, _records = campaign_data
    targets = {t.key: t for t in headline_targets(campaign.referential)}
    assert list(targets) == ["rssi", "governance", "budget", "exercise", "submitted", "domain1"]
    assert targets["rssi"].share == 70
    assert targets["rssi"].deadline == date(2025, 6, 30)
    assert targets["rssi"].kinds == ("ES", "ESSMS")
    assert targets["budget"].kinds == ("ES",)
    assert targets["governance"].share is None
    # The self-assessment target: every establishment, by the 4-1 item's deadline.
    assert targets["submitted"].share == 100
    assert targets["submitted"].deadline == date(2025, 6, 30)
    assert targets["submitted"].requirement_code == "AUTOEVAL"


def test_target_status_rule():
    today = date(2025, 5, 1)
    assert target_status(70, 70, date(2025, 6, 30), today) == MET
    assert target_status(69.9, 70, date(2025, 6, 30), today) == BEHIND  # within 90 days
    assert target_status(10, 70, date(2024, 12, 31), today) == BEHIND  # past
    assert target_status(10, 70, date(2026, 6, 30), today) == ON_TRACK
    assert target_status(10, 70, None, today) == ON_TRACK
    assert target_status(10, None, None, today) == NO_TARGET
    assert target_status(None, 70, None, today) == NO_DATA


def test_target_statuses_on_the_page(client, world, campaign_data):
    client.force_login(world.ars)
    response = client.get(reverse("dashboards:region", args=["84"]))
    statuses = {f.target.key: f.status for f in response.context["target_figures"]}
    assert statuses["governance"] == NO_TARGET
    assert statuses["domain1"] in (ON_TRACK, MET)  # deadline far away
    assert statuses["budget"] == BEHIND  # 100 % by a past deadline, one hospital without it


def test_campaign_chooser_defaults_to_the_latest(client, world, campaign_data):
    campaign, _records = campaign_data
    from tests.factories import CampaignFactory

    CampaignFactory(year=2026, referential=campaign.referential)
    client.force_login(world.ars)
    url = reverse("dashboards:region", args=["84"])
    response = client.get(url)
    assert response.context["dashboard"].campaign.year == 2026
    assert response.context["total"].submitted == 0  # nothing in the new campaign yet
    response = client.get(url, {"campaign": "2025"})
    assert response.context["dashboard"].campaign.year == 2025
    response = client.get(url, {"campaign": "1999"})
    assert "Cette campagne n’existe pas" in response.text


def test_no_campaign_yet(client, world):
    client.force_login(world.national)
    response = client.get(reverse("dashboards:national"))
    assert response.status_code == 200
    assert "Aucune campagne ouverte" in response.text


def test_region_and_national_count_the_ghts_meeting_ght_level_targets(client, world, campaign_data):
    # The hospital supports GHT-RHONE; its snapshot says GHT-PILOTE met, GHT-AD partial.
    client.force_login(world.ars)
    response = client.get(reverse("dashboards:region", args=["84"]))
    figures = {f["requirement"].code: f for f in response.context["ght_level_figures"]}
    assert (figures["GHT-PILOTE"]["met"], figures["GHT-PILOTE"]["total"]) == (1, 1)
    assert (figures["GHT-AD"]["met"], figures["GHT-AD"]["total"]) == (0, 1)
    assert "Cibles portées par les GHT" in response.text
    client.force_login(world.national)
    response = client.get(reverse("dashboards:national"))
    figures = {f["requirement"].code: f for f in response.context["ght_level_figures"]}
    assert (figures["GHT-PILOTE"]["met"], figures["GHT-PILOTE"]["total"]) == (1, 2)
    assert figures["GHT-PILOTE"]["share"] == 50
