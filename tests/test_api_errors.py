"""How the API answers what it does not serve: 401, JSON 404 and 413, 400 on bad filters, 429."""

from __future__ import annotations

import json

import pytest
from rest_framework.authtoken.models import Token

from accounts.service_tokens import issue_service_token

pytestmark = pytest.mark.django_db

API_PATHS = [
    "/api/",
    "/api/establishments/",
    "/api/assessments/",
    "/api/referentials/",
    "/api/schema/",
]


@pytest.mark.parametrize("path", API_PATHS)
def test_calls_without_credentials_are_401_with_www_authenticate(client, world, path):
    response = client.get(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token inconnu", "Token \u00e9\u00e9"])
def test_bad_credentials_are_401_with_www_authenticate(client, world, header):
    response = client.get("/api/establishments/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/nope/"),
        ("get", "/api/nope"),
        ("post", "/api/nope/"),
        ("delete", "/api/establishments/nope/deeper/"),
        ("get", "/api/assessments/abc/"),
        ("patch", "/api/assessments/12/unknown/"),
        ("get", "/api/referentials/CARE/"),
        ("get", "/api/referentials/%C3%95/%0A/"),
        ("get", "/api/nope%0Aencore/"),
    ],
)
def test_unknown_api_paths_are_json_404(client, world, method, path):
    client.force_login(world.rssi)
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] in {"Adresse inconnue de l'API.", "Non trouvé."}


def test_unknown_api_paths_are_json_404_for_anonymous_callers_too(client, world):
    response = client.get("/api/nope/")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_an_api_path_without_its_final_slash_is_redirected(client, world):
    client.force_login(world.rssi)
    response = client.get("/api/establishments?kind=ES")
    assert response.status_code == 301
    assert response["Location"] == "/api/establishments/?kind=ES"


def test_objects_outside_scope_are_json_404(client, world, campaign):
    client.force_login(world.rssi)
    response = client.get(f"/api/assessments/{campaign.other_hospital.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_oversized_json_bodies_are_json_413_and_write_nothing(client, world, campaign, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client.force_login(world.rssi)
    body = json.dumps({"version": 0, "answers": {"GOV-COMITE": "yes", "GOV-RSSI": "x" * 20_000}})
    response = client.patch(
        f"/api/assessments/{campaign.hospital.pk}/answers/", body, content_type="application/json"
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "trop volumineux" in response.json()["detail"]
    campaign.hospital.refresh_from_db()
    assert campaign.hospital.version == 0


def test_oversized_form_bodies_are_json_413(client, world, campaign, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client.force_login(world.director)
    response = client.post(
        f"/api/assessments/{campaign.hospital.pk}/validate/", {"comment": "x" * 20_000}
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "trop volumineux" in response.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        "kind=",
        "kind=%20",
        "region=",
        "ght=",
        "department=",
        "kind=HOPITAL",
    ],
)
def test_empty_or_invalid_establishment_filters_are_400(client, world, query):
    client.force_login(world.national)
    response = client.get(f"/api/establishments/?{query}")
    assert response.status_code == 400
    name = query.split("=")[0]
    assert response.json()[name]


@pytest.mark.parametrize(
    "query", ["year=", "year=2025.5", "year=1e3", "year=99999999999999999999", "status=", "kind="]
)
def test_empty_or_invalid_assessment_filters_are_400(client, world, campaign, query):
    client.force_login(world.national)
    response = client.get(f"/api/assessments/?{query}")
    assert response.status_code == 400
    assert response.json()[query.split("=")[0]]


def test_valid_filters_still_filter(client, world, campaign):
    client.force_login(world.national)
    listing = client.get("/api/assessments/?year=2025&kind=ESSMS").json()
    assert [row["establishment"] for row in listing["results"]] == [world.nursing_home.finess]
    assert client.get("/api/establishments/?region=84&kind=ES").json()["count"] == 2


@pytest.mark.parametrize("body", [[], "texte", {"comment": 5}, {"comment": ["a"]}])
def test_workflow_bodies_of_the_wrong_shape_are_400(client, world, campaign, body):
    client.force_login(world.ars)
    response = client.post(
        f"/api/assessments/{campaign.hospital.pk}/reopen/",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


# --- Throttling ---------------------------------------------------------------------------------


def test_throttling_answers_429_json_per_caller(client, world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"service": "2/minute", "user": "3/minute", "anon": "1/minute"},
    }
    rssi = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=world.rssi).key}"}
    other = {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=world.other_rssi).key}"}
    _account, _token, key = issue_service_token(name="outil", role="national")
    service = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert [client.get("/api/establishments/", **rssi).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/establishments/", **rssi)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert int(refused["Retry-After"]) > 0
    assert "Requête ralentie" in refused.json()["detail"]
    # Another caller has its own allowance; a service token has its own rate.
    assert client.get("/api/establishments/", **other).status_code == 200
    statuses = [client.get("/api/establishments/", **service).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_throttling_is_off_when_rates_are_none(client, world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"service": None, "user": None, "anon": None},
    }
    client.force_login(world.rssi)
    assert {client.get("/api/establishments/").status_code for _ in range(5)} == {200}


@pytest.mark.parametrize("raw", ["abc", "10", "10/fortnight", "²/minute", "-1/hour"])
def test_bad_rate_settings_fail_loudly(monkeypatch, raw):
    from django.core.exceptions import ImproperlyConfigured

    from care_portal.env import env_rate

    monkeypatch.setenv("CARE_API_RATE_USER", raw)
    with pytest.raises(ImproperlyConfigured, match="CARE_API_RATE_USER"):
        env_rate("CARE_API_RATE_USER", "600/minute")


def test_rate_settings(monkeypatch):
    from care_portal.env import env_rate

    monkeypatch.setenv("CARE_API_RATE_USER", "none")
    assert env_rate("CARE_API_RATE_USER", "600/minute") is None
    monkeypatch.setenv("CARE_API_RATE_USER", " 50/Hour ")
    assert env_rate("CARE_API_RATE_USER", "600/minute") == "50/hour"
    monkeypatch.delenv("CARE_API_RATE_USER")
    assert env_rate("CARE_API_RATE_USER", "600/minute") == "600/minute"


# --- The schema says all this -------------------------------------------------------------------


@pytest.fixture
def schema(client, world):
    client.force_login(world.rssi)
    return client.get("/api/schema/?format=json", HTTP_ACCEPT="application/json").json()


def _component(schema, ref):
    return schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def test_schema_declares_nullable_fields(schema):
    establishment = schema["components"]["schemas"]["Establishment"]["properties"]
    assert establishment["ght"]["nullable"] is True
    requirement = schema["components"]["schemas"]["Requirement"]["properties"]
    for name in ("domain", "headline", "funding_call", "deadline", "national_target"):
        assert requirement[name].get("nullable") is True, name
    detail = schema["components"]["schemas"]["AssessmentDetail"]["properties"]
    assert detail["scores"]["properties"]["global"]["nullable"] is True


def test_schema_documents_the_errors_where_they_occur(schema):
    paths = schema["paths"]
    patch = paths["/api/assessments/{id}/answers/"]["patch"]
    assert {"200", "400", "401", "403", "404", "409", "413", "429"} <= set(patch["responses"])
    listing = paths["/api/establishments/"]["get"]
    assert {"200", "400", "401", "403", "404", "429"} <= set(listing["responses"])
    for action in ("submit", "validate", "send-back", "reopen"):
        post = paths[f"/api/assessments/{{id}}/{action}/"]["post"]
        assert {"200", "400", "401", "403", "404"} <= set(post["responses"]), action
    kind = next(p for p in listing["parameters"] if p["name"] == "kind")
    region = next(p for p in listing["parameters"] if p["name"] == "region")
    assert "" not in kind["schema"].get("enum", [])
    assert region["schema"]["minLength"] == 1


def test_schema_types_the_request_bodies(schema):
    paths = schema["paths"]
    body = paths["/api/assessments/{id}/answers/"]["patch"]["requestBody"]["content"]
    patch = _component(schema, body["application/json"]["schema"])
    assert patch["properties"]["version"]["type"] == "integer"
    assert patch["properties"]["answers"]["type"] == "object"
    assert set(patch["required"]) == {"version", "answers"}
    reopen = paths["/api/assessments/{id}/reopen/"]["post"]["requestBody"]["content"]
    comment = _component(schema, reopen["application/json"]["schema"])
    assert comment["properties"]["comment"]["type"] == "string"
    assert comment["required"] == ["comment"]
    assert "requestBody" not in paths["/api/assessments/{id}/submit/"]["post"]


def test_an_expired_session_is_401_with_www_authenticate(client, world):
    from accounts.middleware import SIGNED_IN_AT_SESSION_KEY

    client.force_login(world.rssi)
    session = client.session
    session[SIGNED_IN_AT_SESSION_KEY] = 0
    session.save()
    response = client.get("/api/establishments/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "Votre session a expiré."
