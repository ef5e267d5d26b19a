"""« Mes auto-évaluations »: the RSSI's and director's establishments, status, progress, score."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from assessments import workflow
from assessments.answers import save_answers
from assessments.models import Assessment
from care_portal.formats import format_score
from tests.answers import fill
from tests.campaigns import build_campaign
from tests.factories import EstablishmentFactory, user_with_role

pytestmark = pytest.mark.django_db


def rows(page: str) -> list[str]:
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return body.split("<tr>")[1:]


def test_rssi_sees_their_assessment_with_progress_score_and_deadline(client, world, campaign):
    assessment = campaign.hospital
    save_answers(
        assessment=assessment,
        answers={
            "GOV-RSSI": {"name": "Claire Martin", "email": "claire.martin@ch-villefranche.fr"},
            "GOV-COMITE": "yes",
            "D3-BASTION": "not_applicable",
        },
        expected_version=0,
        user=world.rssi,
    )
    client.force_login(world.rssi)
    response = client.get("/assessments/mine/")
    assert response.status_code == 200
    page = response.content.decode()
    (row,) = rows(page)
    assert "Centre hospitalier de Villefranche" in row
    assert "2025" in row
    assert "Brouillon" in row
    # 6 requirements asked of the support hospital; 3 answered, "not applicable" included.
    assert 'max="6" value="3"' in row
    assert "3 / 6" in row
    assessment.refresh_from_db()
    assert format_score(assessment.snapshot.score_global) in row
    # Every deadline of the test referential is 30 June 2025.
    if timezone.localdate() <= date(2025, 6, 30):
        assert "30/06/2025" in row
    else:
        assert "3 écarts en retard" in row
    assert f'href="/assessments/{assessment.pk}/"' in row
    assert f'href="/assessments/{assessment.pk}/status/"' in row
    assert f'href="/assessments/{assessment.pk}/report.pdf"' in row
    assert "Remplir" in row


def test_director_sees_the_submitted_assessment(client, world, campaign):
    fill(campaign.hospital, world.rssi)
    workflow.submit(assessment=campaign.hospital, user=world.rssi)
    client.force_login(world.director)
    (row,) = rows(client.get("/assessments/mine/").content.decode())
    assert "Transmise" in row
    assert "Consulter" in row
    assert "Direction d&#x27;établissement" in row


def test_director_is_offered_to_read_a_draft_not_to_fill_it(client, world, campaign):
    client.force_login(world.director)
    (row,) = rows(client.get("/assessments/mine/").content.decode())
    assert "Brouillon" in row
    assert "Consulter" in row
    assert "Remplir" not in row


def test_only_ones_own_establishments(client, world, campaign):
    client.force_login(world.other_rssi)
    page = client.get("/assessments/mine/").content.decode()
    (row,) = rows(page)
    assert "Hôpital Lariboisière Test" in row
    assert "Villefranche" not in page


def test_people_without_an_establishment_role(client, world, campaign):
    client.force_login(world.ars)
    page = client.get("/assessments/mine/").content.decode()
    assert "Aucun établissement à votre nom" in page
    assert "<tbody>" not in page


def test_no_campaign_yet(client, world):
    client.force_login(world.rssi)
    assert "Aucune campagne ouverte" in client.get("/assessments/mine/").content.decode()


def test_queries_do_not_grow_with_the_assessments(
    client, world, campaign, django_assert_max_num_queries
):
    rssi = user_with_role("rssi", world.clinic)
    for _ in range(5):
        establishment = EstablishmentFactory(department=world.hospital.department, ght=world.ght)
        Assessment.objects.create(establishment=establishment, campaign=campaign.campaign)
        rssi.role_assignments.create(role="rssi", establishment=establishment)
    build_campaign(world, year=2024)
    save_answers(
        assessment=campaign.clinic,
        answers={"D3-BASTION": "not_applicable"},
        expected_version=0,
        user=rssi,
    )
    rssi = rssi.__class__.objects.get(pk=rssi.pk)
    client.force_login(rssi)
    with django_assert_max_num_queries(12):
        page = client.get("/assessments/mine/").content.decode()
    assert len(rows(page)) == 7  # 6 in 2025, the clinic in 2024 too
    assert page.index(">2025<") < page.index(">2024<")


def test_next_deadline_is_the_nearest_ahead(world, campaign):
    from assessments.views.mine import gap_deadlines

    assessment = Assessment.objects.select_related("snapshot").get(pk=campaign.hospital.pk)
    fill(assessment, world.rssi)
    save_answers(
        assessment=assessment,
        answers={"GOV-COMITE": "no"},
        expected_version=assessment.version,
        user=world.rssi,
    )
    assessment = Assessment.objects.select_related("snapshot").get(pk=assessment.pk)
    before = gap_deadlines(assessment, date(2025, 1, 1))
    assert (before.next, before.overdue) == (date(2025, 6, 30), 0)
    after = gap_deadlines(assessment, date(2025, 6, 30) + timedelta(days=1))
    assert (after.next, after.overdue) == (None, 1)
