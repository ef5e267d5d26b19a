"""The simulation: how a 2025 assessment (CARE v1) would read under CARE v2, before carrying over.

It scores exactly what the carry-over would write, writes nothing, and is open to the
establishment's RSSI, the ARS of its region and the national level only.
"""

import pytest
from django.apps import apps

from assessments.carry_over import carry_over_answers, simulate_carry_over
from assessments.models import CarryOver
from assessments.scoring.service import compute_result
from care_portal.template_formats import score
from establishments.models import Role
from referential.loader import load_referential_file
from tests.answers import answer_everything
from tests.factories import AssessmentFactory, CampaignFactory, user_with_role

pytestmark = pytest.mark.django_db

V1_FILE = "fixtures/referential/care-2025.yaml"
V2_FILE = "fixtures/referential/care-2026.yaml"


@pytest.fixture
def last_year(world):
    """The EHPAD's 2025 assessment on version 1, answered; version 2 loaded, no 2026 campaign."""
    v1 = load_referential_file(V1_FILE).referential
    v2 = load_referential_file(V2_FILE).referential
    rssi = user_with_role(Role.RSSI, world.nursing_home, email="rssi.ehpad@example.fr")
    previous = AssessmentFactory(
        establishment=world.nursing_home, campaign=CampaignFactory(year=2025, referential=v1)
    )
    answer_everything(previous, rssi)
    previous.refresh_from_db()
    return previous, v2, rssi


def _rows() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_the_simulated_scores_are_those_of_the_carried_answers(world, last_year):
    previous, v2, rssi = last_year
    simulation = simulate_carry_over(previous)
    assert simulation.referential == v2 and simulation.target is None

    current = AssessmentFactory(
        establishment=world.nursing_home, campaign=CampaignFactory(year=2026, referential=v2)
    )
    carry_over_answers(assessment=current, user=rssi, expected_version=0)
    carried = compute_result(current)
    assert simulation.result.scores == carried.scores
    assert simulation.result.statuses == carried.statuses
    assert [g.requirement for g in simulation.result.gaps] == [g.requirement for g in carried.gaps]
    assert simulation.result.progress == carried.progress
    # The simulation lists what the carry-over then records.
    record = CarryOver.objects.get(assessment=current)
    assert [item.as_dict() for item in simulation.plan.items] == record.items
    # Once the 2026 campaign is open, the simulation names its assessment.
    assert simulate_carry_over(previous).target == current


def test_the_simulation_writes_nothing(client, world, last_year):
    previous, _v2, rssi = last_year
    client.force_login(rssi)
    before = _rows()
    response = client.get(f"/assessments/{previous.pk}/simulation/")
    assert response.status_code == 200
    assert _rows() == before  # no campaign, assessment, answer, snapshot, audit event…


def test_the_page_shows_scores_items_and_gaps(client, world, last_year):
    previous, _v2, _rssi = last_year
    simulation = simulate_carry_over(previous)
    client.force_login(world.ars)
    page = client.get(f"/assessments/{previous.pk}/simulation/").content.decode()
    assert "Simulation : rien n’est enregistré" in page
    assert "Score global (maturité) selon CARE:2" in page
    assert f'id="simulated-global">{score(simulation.result.score_global)}<' in page
    assert f"{score(previous.snapshot.score_global)} selon CARE:1" in page
    # What does not carry, with the map's reason.
    assert "AUTOEVAL-REALISEE" in page
    assert "se lit du statut de l&#x27;auto-évaluation dans le portail" in page
    for gap in simulation.result.gaps:
        assert f"<strong>{gap.requirement}</strong>" in page
    # No assessment on version 2 yet: nothing to carry into.
    assert "Reprendre ces réponses" not in page


def test_a_narrowed_answer_shows_to_reread(client, world):
    v1 = load_referential_file(V1_FILE).referential
    load_referential_file(V2_FILE)
    previous = AssessmentFactory(
        establishment=world.hospital, campaign=CampaignFactory(year=2025, referential=v1)
    )
    answer_everything(previous, world.rssi)
    simulation = simulate_carry_over(previous)
    assert [(i.source, i.code) for i in simulation.plan.to_reread] == [
        ("D4-O1B-PROCEDURES-CRISE", "D2-O1B-CELLULE-CRISE")
    ]
    client.force_login(world.rssi)
    page = client.get(f"/assessments/{previous.pk}/simulation/").content.decode()
    assert (
        "<strong>D4-O1B-PROCEDURES-CRISE</strong> → D2-O1B-CELLULE-CRISE — Sens restreint" in page
    )


def test_links_lead_to_the_simulation_for_those_who_may_see_it(client, world, last_year):
    previous, v2, rssi = last_year
    url = f"/assessments/{previous.pk}/simulation/"
    current = AssessmentFactory(
        establishment=world.nursing_home, campaign=CampaignFactory(year=2026, referential=v2)
    )
    client.force_login(rssi)
    assert url in client.get(f"/assessments/{previous.pk}/status/").content.decode()
    assert url in client.get(f"/establishments/{world.nursing_home.finess}/").content.decode()
    # The carry-over offer, on the status page and on the empty questionnaire, links to it.
    for page in (f"/assessments/{current.pk}/status/", f"/assessments/{current.pk}/"):
        content = client.get(page).content.decode()
        assert "Voir d’abord la simulation" in content and url in content
    page = client.get(url).content.decode()
    assert f"/assessments/{current.pk}/status/#carry-over" in page  # carry over from here
    client.force_login(world.ars)
    assert url in client.get(f"/establishments/{world.nursing_home.finess}/").content.decode()
    assert "Reprendre ces réponses" not in client.get(url).content.decode()  # not the ARS's


def test_the_simulation_is_scoped(client, world, last_year):
    previous, _v2, _rssi = last_year
    url = f"/assessments/{previous.pk}/simulation/"
    expected = {
        world.ars: 200,
        world.national: 200,
        world.other_ars: 404,
        world.other_rssi: 404,
        world.rssi: 404,  # the RSSI of another establishment of the region
    }
    for user, status in expected.items():
        client.force_login(user)
        assert client.get(url).status_code == status, user.email
    director = user_with_role(Role.DIRECTOR, world.nursing_home)
    client.force_login(director)
    assert client.get(url).status_code == 403
    page = client.get(f"/establishments/{world.nursing_home.finess}/").content.decode()
    assert url not in page
    client.logout()
    assert client.get(url).status_code == 302


def test_an_assessment_no_version_follows_has_nothing_to_simulate(client, world, campaign):
    assert simulate_carry_over(campaign.hospital) is None
    client.force_login(world.rssi)
    page = client.get(f"/assessments/{campaign.hospital.pk}/simulation/").content.decode()
    assert "il n’y a rien à simuler" in page
    status = client.get(f"/assessments/{campaign.hospital.pk}/status/").content.decode()
    assert "/simulation/" not in status
