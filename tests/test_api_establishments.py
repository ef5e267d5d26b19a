"""The establishments API: documented shape, filters, token authentication, scope."""

import pytest
from rest_framework.authtoken.models import Token

from accounts.service_tokens import issue_service_token


@pytest.mark.django_db
def test_detail_has_the_documented_shape(client, world):
    client.force_login(world.ars)
    response = client.get(f"/api/establishments/{world.hospital.finess}/")
    assert response.status_code == 200
    assert response.json() == {
        "finess": world.hospital.finess,
        "finess_ej": world.hospital.finess_ej,
        "name": world.hospital.name,
        "kind": "ES",
        "category_code": "355",
        "category_label": "Centre Hospitalier (C.H.)",
        "department": "69",
        "region": "84",
        "ght": "GHT-RHONE",
        "legal_status": "",
        "nis2_status": "to_determine",
        "nis2_origin": "derived",
        "is_ose": False,
        "regulatory_set_at": None,
    }


@pytest.mark.django_db
def test_list_is_scoped_and_filtered(client, world):
    client.force_login(world.ars)
    body = client.get("/api/establishments/").json()
    assert body["count"] == 3
    assert {row["finess"] for row in body["results"]} == {
        world.hospital.finess,
        world.clinic.finess,
        world.nursing_home.finess,
    }
    assert client.get("/api/establishments/", {"kind": "ESSMS"}).json()["count"] == 1
    assert client.get("/api/establishments/", {"ght": "GHT-RHONE"}).json()["count"] == 2
    assert client.get("/api/establishments/", {"region": "11"}).json()["count"] == 0


@pytest.mark.django_db
def test_out_of_scope_is_404(client, world):
    client.force_login(world.rssi)
    response = client.get(f"/api/establishments/{world.other_hospital.finess}/")
    assert response.status_code == 404
    assert world.other_hospital.name not in response.text


@pytest.mark.django_db
def test_token_authentication(client, world):
    # A national person must use a second factor: tools at that level use a service token.
    _account, _token, key = issue_service_token(name="outil-national", role="national")
    response = client.get("/api/establishments/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert response.json()["count"] == 4
    token = Token.objects.create(user=world.rssi)
    response = client.get("/api/establishments/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.django_db
def test_anonymous_gets_401_not_a_redirect(client, world):
    response = client.get("/api/establishments/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_openapi_schema(client, world):
    client.force_login(world.rssi)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/establishments/{finess}/" in response.text
