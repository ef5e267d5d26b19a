"""A save runs a bounded number of queries, the same whatever the size of the campaign or GHT.

Counted as the database receives them in production: the savepoints the test transaction adds
around each atomic block are not counted (outside a test they are a BEGIN and a COMMIT). The
compiled referential and what is read beside it are warm, as between requests in production.
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from assessments.exercise_register import register_codes
from assessments.models import Answer, ScoreSnapshot
from assessments.scoring.compiled import compiled_referential
from dashboards.summary import campaign_targets
from establishments.models import Role
from tests.campaigns import build_campaign
from tests.factories import AssessmentFactory, EstablishmentFactory, user_with_role

pytestmark = pytest.mark.django_db

# An API save reads the assessment once, through the person's scope, in its transaction.
SAVE_QUERIES = 11
# With a personal API token instead of a session: no session, the person read with the token.
TOKEN_SAVE_QUERIES = 10
# A form step reads the assessment for the page, then locks it to save.
FORM_SAVE_QUERIES = 12
# A GHT-level save also rescores every member: their list, their answers, one upsert (and, on
# PostgreSQL, the lock of the members' groups before they are counted again).
GHT_SAVE_QUERIES = 19
FORM_PAGE_QUERIES = 10


@pytest.fixture(params=[3, 25], ids=["3-members", "25-members"])
def sized(request, world):
    campaign = build_campaign(world)
    for _ in range(request.param):
        establishment = EstablishmentFactory(department=world.hospital.department, ght=world.ght)
        AssessmentFactory(establishment=establishment, campaign=campaign.campaign)
    compiled = compiled_referential(campaign.campaign.referential_id)
    campaign_targets(campaign.campaign)
    register_codes(compiled, world.hospital)  # the exercise targets' codes, read once
    return campaign


def _statements(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def _patch(client, assessment, answers):
    return client.patch(
        f"/api/assessments/{assessment.pk}/answers/",
        json.dumps({"version": 0, "answers": answers}),
        content_type="application/json",
    )


def test_an_api_save_runs_a_bounded_number_of_queries(client, world, sized):
    client.force_login(world.rssi)
    with CaptureQueriesContext(connection) as captured:
        response = _patch(client, sized.hospital, {"GOV-COMITE": "yes"})
    assert response.status_code == 200, response.content
    assert response.json()["answers"]["GOV-COMITE"] == "yes"
    assert len(_statements(captured)) <= SAVE_QUERIES, "\n".join(
        q[:100] for q in _statements(captured)
    )
    assert ScoreSnapshot.objects.get(assessment=sized.hospital).count_met == 1


def test_an_api_save_with_a_personal_token_runs_a_bounded_number_of_queries(client, world, sized):
    """The token, its person and what the second-factor rule needs: one query, then roles."""
    token = Token.objects.create(user=world.rssi)
    with CaptureQueriesContext(connection) as captured:
        response = client.patch(
            f"/api/assessments/{sized.hospital.pk}/answers/",
            json.dumps({"version": 0, "answers": {"GOV-COMITE": "yes"}}),
            content_type="application/json",
            headers={"Authorization": f"Token {token.key}"},
        )
    assert response.status_code == 200, response.content
    assert len(_statements(captured)) <= TOKEN_SAVE_QUERIES, "\n".join(
        q[:100] for q in _statements(captured)
    )


def test_an_api_save_of_a_member_runs_a_bounded_number_of_queries(client, world, sized):
    client.force_login(user_with_role(Role.RSSI, world.clinic))
    with CaptureQueriesContext(connection) as captured:
        response = _patch(client, sized.clinic, {"GOV-COMITE": "yes"})
    assert response.status_code == 200, response.content
    assert len(_statements(captured)) <= SAVE_QUERIES, "\n".join(
        q[:100] for q in _statements(captured)
    )


def test_a_form_step_save_runs_a_bounded_number_of_queries(client, world, sized):
    client.force_login(world.rssi)
    url = reverse("assessments:form", args=[sized.hospital.pk]) + "?step=1"
    assert client.get(url).status_code == 200  # the page read before it is saved
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, {"version": 0, "GOV-COMITE": "yes", "save": "x"})
    assert response.status_code == 302
    assert Answer.objects.get(assessment=sized.hospital).value == "yes"
    assert len(_statements(captured)) <= FORM_SAVE_QUERIES, "\n".join(
        q[:100] for q in _statements(captured)
    )


def test_a_ght_level_save_runs_the_same_queries_whatever_the_members(client, world, sized):
    client.force_login(world.ght_lead)
    url = reverse("assessments:form", args=[sized.hospital.pk]) + "?step=2"
    assert client.get(url).status_code == 200  # the page read before it is saved
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, {"version": 0, "GHT-CONVERGENCE": "true", "save": "x"})
    assert response.status_code == 302
    assert len(_statements(captured)) <= GHT_SAVE_QUERIES, "\n".join(
        q[:120] for q in _statements(captured)
    )
    # Every member is rescored on the new answer.
    members = ScoreSnapshot.objects.filter(
        assessment__campaign=sized.campaign, assessment__establishment__ght=world.ght
    )
    assert members.count() == world.ght.establishments.count()
    assert all(s.detail["statuses"]["GHT-CONVERGENCE"] == "met" for s in members)


def test_the_member_hospital_form_page_runs_a_bounded_number_of_queries(client, world, sized):
    client.force_login(world.ght_lead)
    url = reverse("assessments:form", args=[sized.clinic.pk])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url + "?step=2")
    assert response.status_code == 200
    assert len(_statements(captured)) <= FORM_PAGE_QUERIES, _statements(captured)
