"""GET /api/referentials/{code}/{version}/: the whole referential, for every signed-in caller."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from referential.loader import load_referential_file
from referential.models import ReferentialVersion
from tests.conftest import login

CARE_FILE = "fixtures/referential/care-2025.yaml"
URL = "/api/referentials/CARE/1/"
REQUIREMENT_KEYS = {
    "code",
    "label",
    "help",
    "care_action",
    "applies_to",
    "answer_type",
    "rule",
    "weight",
    "deadline",
    "deadline_label",
    "national_target",
    "domain",
    "funding_call",
    "not_applicable_allowed",
    "required",
    "headline",
    "prerequisite",
    "condition",
    "recommendation",
    # Where the item comes from (null in version 1, which does not say).
    "source",
    "source_ref",
    "source_label",
    "also_feeds",
    "threshold_source",
    "answered_by",
    "reason_required_for_na",
    # The public resources that help (empty in version 1, which names none).
    "resources",
}


@pytest.fixture
def care(db):
    return load_referential_file(CARE_FILE).referential


@pytest.fixture
def api():
    return APIClient()


def _requirements(body: dict) -> dict[str, dict]:
    return {
        requirement["code"]: requirement
        for axis in body["axes"]
        for objective in axis["objectives"]
        for requirement in objective["requirements"]
    }


def test_anonymous_callers_are_refused(api, care):
    assert api.get(URL).status_code in (401, 403)


def test_every_role_gets_the_whole_referential(api, world, care):
    for role in ("rssi", "director", "ght_lead", "ars", "national", "other_rssi"):
        login(api, getattr(world, role))
        response = api.get(URL)
        assert response.status_code == 200, role
        assert len(_requirements(response.json())) == 56, role


def test_the_shape_of_the_referential(api, world, care, django_assert_max_num_queries):
    login(api, world.rssi)
    with django_assert_max_num_queries(10):
        body = api.get(URL).json()

    assert (body["code"], body["version"], body["status"]) == ("CARE", 1, "published")
    assert body["published_on"] == "2025-01-15"
    assert [axis["number"] for axis in body["axes"]] == [1, 2, 3, 4]
    objectives = [o for axis in body["axes"] for o in axis["objectives"]]
    assert [o["number"] for o in objectives] == list(range(1, 21))
    assert objectives[0]["national_only"] is True and objectives[0]["requirements"] == []
    requirements = _requirements(body)
    assert all(set(r) == REQUIREMENT_KEYS for r in requirements.values())

    budget = requirements["BUDGET-NUMERIQUE"]
    assert budget["rule"] == {"type": "ratio_at_least", "met": 0.02, "partial": 0.01}
    assert budget["answer_type"] == "ratio_at_least"
    assert budget["applies_to"] == ["ES"]
    assert budget["deadline"] == "2025-06-30"
    assert budget["weight"] == 3
    assert budget["headline"] == "budget"
    assert budget["domain"] is None and budget["funding_call"] is None
    assert budget["national_target"] == {"share": 100, "population": "des établissements de santé"}
    assert budget["care_action"] == "7-1"
    assert budget["recommendation"].startswith("Fléchez au moins 2 %")

    ad = requirements["D1-AD-NIVEAU"]
    assert ad["rule"]["type"] == "level" and ad["rule"]["choices"]["3"] == 1
    assert ad["domain"] == "D1" and ad["headline"] == "domain1"
    assert requirements["D2-EDR-COUVERTURE"]["deadline"] is None
    assert requirements["D2-EDR-COUVERTURE"]["national_target"] is None
    assert requirements["D3-BASTION"]["not_applicable_allowed"] is True
    assert requirements["D1-GHT-CHEF-PROJET"]["applies_to"] == ["GHT"]
    assert requirements["CRISE-RETEX"]["condition"] == {
        "requirement": "CRISE-EXERCICE",
        "in": [True],
    }
    codes = list(requirements)
    assert codes.index("GOV-RSSI") < codes.index("BUDGET-NUMERIQUE") < codes.index("ID-SSO")


def test_unknown_versions_and_drafts_are_not_found(api, world, care):
    ReferentialVersion.objects.create(code="CARE", version=2, title="Projet", status="draft")
    login(api, world.rssi)
    assert api.get("/api/referentials/CARE/9/").status_code == 404
    assert api.get("/api/referentials/AUTRE/1/").status_code == 404
    assert api.get("/api/referentials/CARE/2/").status_code == 404

    login(api, world.national)
    assert api.get("/api/referentials/CARE/2/").json()["status"] == "draft"


def test_the_list_of_versions(api, world, care):
    ReferentialVersion.objects.create(code="CARE", version=2, title="Projet", status="draft")
    login(api, world.ars)

    body = api.get("/api/referentials/").json()

    assert [(v["code"], v["version"]) for v in body["results"]] == [("CARE", 1)]
    assert body["results"][0]["url"].endswith(URL)


def test_token_authentication(api, world, care):
    token = Token.objects.create(user=world.other_rssi)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(URL).status_code == 200
