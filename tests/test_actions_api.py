"""The action plan API (read in scope, written by the RSSI) and the XLSX export read back."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from openpyxl import load_workbook

from actions.models import Action
from assessments.answers import save_answers


@pytest.fixture
def hospital(world, campaign):
    assessment = campaign.hospital
    save_answers(
        assessment=assessment,
        answers={"GOV-COMITE": "no", "D3-BASTION": False},
        expected_version=0,
        user=world.rssi,
    )
    assessment.refresh_from_db()
    return assessment


def _post(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_the_rssi_writes_the_plan_through_the_api(world, hospital, client):
    client.force_login(world.rssi)
    url = f"/api/assessments/{hospital.pk}/actions/"
    created = _post(
        client,
        url,
        {
            "title": "Passerelle d'accès",
            "gaps": ["D3-BASTION"],
            "owner": "M. Leroy",
            "due_on": "2026-09-30",
            "cost_eur": {"investment": 40000, "operating": 1200.5},
            "funding": "own",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body | {"id": 0} == {
        "id": 0,
        "title": "Passerelle d'accès",
        "gaps": ["D3-BASTION"],
        "owner": "M. Leroy",
        "due_on": "2026-09-30",
        "cost_eur": {"investment": 40000.0, "operating": 1200.5},
        "funding": "own",
        "status": "planned",
        "abandon_reason": "",
        "agreed_by_ars": False,
        "rank": 1,
    }
    detail = f"{url}{body['id']}/"
    refused = _post(client, detail, {"status": "abandoned"}, method="patch")
    assert refused.status_code == 400
    assert refused.json() == {"abandon_reason": ["Dites pourquoi l'action est abandonnée."]}
    done = _post(client, detail, {"status": "done"}, method="patch")
    assert done.json()["status"] == "done"
    assert client.delete(detail).status_code == 204
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"title": "X", "gaps": ["GOV-RSSI-NOPE"]}, "gaps", "Pas un écart"),
        (
            {"title": "X", "gaps": ["D3-BASTION"], "cost_eur": {"investment": -1}},
            "cost_eur.investment",
            "négatif",
        ),
        (
            {"title": "X", "gaps": ["D3-BASTION"], "cost_eur": {"operating": "12"}},
            "cost_eur.operating",
            "nombre JSON",
        ),
        ({"title": "X", "gaps": ["D3-BASTION"], "funding": "call:D1"}, "funding", "aucun appel"),
        ({"title": "X", "gaps": ["D3-BASTION"], "due_on": "30/06/2026"}, "due_on", "AAAA-MM-JJ"),
        ({"gaps": ["D3-BASTION"]}, "title", "obligatoire"),
    ],
)
def test_bad_bodies_get_a_400_naming_the_field(world, hospital, client, body, field, message):
    client.force_login(world.rssi)
    response = _post(client, f"/api/assessments/{hospital.pk}/actions/", body)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Action.objects.exists()


def test_a_scientific_number_is_refused(world, hospital, client):
    client.force_login(world.rssi)
    response = client.post(
        f"/api/assessments/{hospital.pk}/actions/",
        '{"title": "X", "gaps": ["D3-BASTION"], "cost_eur": {"investment": 1e6}}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "notation scientifique" in " ".join(response.json()["cost_eur.investment"])


@pytest.mark.parametrize("role", ["director", "ght_lead", "ars", "national"])
def test_readers_read_and_may_not_write(world, hospital, client, role):
    action = Action.objects.create(assessment=hospital, title="Existante")
    client.force_login(getattr(world, role))
    url = f"/api/assessments/{hospital.pk}/actions/"
    assert [a["title"] for a in client.get(url).json()] == ["Existante"]
    assert _post(client, url, {"title": "X", "gaps": ["D3-BASTION"]}).status_code == 403
    assert _post(client, f"{url}{action.pk}/", {"title": "Y"}, method="patch").status_code == 403
    assert client.delete(f"{url}{action.pk}/").status_code == 403
    action.refresh_from_db()
    assert action.title == "Existante"


def test_outside_the_scope_is_a_404(world, hospital, client):
    action = Action.objects.create(assessment=hospital, title="Existante")
    client.force_login(world.other_rssi)
    url = f"/api/assessments/{hospital.pk}/actions/"
    assert client.get(url).status_code == 404
    assert client.get(f"{url}{action.pk}/").status_code == 404
    assert _post(client, url, {"title": "X", "gaps": ["D3-BASTION"]}).status_code == 404


def test_the_plan_as_xlsx_read_back(world, hospital, client):
    client.force_login(world.rssi)
    client.post(
        f"/assessments/{hospital.pk}/actions/new/",
        {
            "title": "=Comité de gouvernance",
            "gaps": ["GOV-COMITE"],
            "owner_name": "Mme Durand",
            "due_on": "2026-06-30",
            "cost_investment": "1 250,50",
            "cost_operating": "",
            "funding": "own",
        },
    )
    response = client.get(f"/assessments/{hospital.pk}/actions/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook["Plan d'actions"]
    header = [cell.value for cell in sheet[1]]
    assert header[:6] == [
        "Rang",
        "Action",
        "Écarts corrigés",
        "Porteur",
        "Date cible",
        "Investissement (€)",
    ]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == sheet.dimensions
    assert sheet.column_dimensions["B"].width == 50
    row = [cell.value for cell in sheet[2]]
    assert row[1] == "'=Comité de gouvernance"  # never a formula
    assert row[2] == "GOV-COMITE" and row[3] == "Mme Durand"
    assert row[4] == datetime(2026, 6, 30) and sheet["E2"].number_format == "DD/MM/YYYY"
    assert row[5] == 1250.5 and "€" in sheet["F2"].number_format
    assert row[9] == "Non"
    gaps = workbook["Écarts sans action"]
    codes = [row[0] for row in gaps.iter_rows(min_row=2, values_only=True)]
    assert "D3-BASTION" in codes and "GOV-COMITE" not in codes
