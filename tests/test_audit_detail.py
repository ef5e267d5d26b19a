"""The audit log shows the detail of each event in French, with labels instead of codes."""

import pytest
from django.urls import reverse

from audit.display import detail_lines
from audit.models import Action
from audit.services import record_event
from establishments.models import Role
from establishments.roles import grant_role


def test_workflow_detail_in_words():
    lines = detail_lines(
        {"assessment": 43, "year": 2026, "from": "submitted", "to": "validated", "comment": "OK"}
    )
    assert lines == [
        ("auto-évaluation n°", "43"),
        ("campagne", "2026"),
        ("ancien statut", "Transmise"),
        ("nouveau statut", "Validée"),
        ("commentaire", "OK"),
    ]


def test_role_export_and_evidence_detail_in_words():
    assert detail_lines({"change": "granted", "role": "director", "source": "grant"}) == [
        ("changement", "rôle attribué"),
        ("rôle", "Direction d'établissement"),
        ("origine", "commande d’attribution"),
    ]
    assert detail_lines(
        {"format": "csv", "list": "establishments", "filters": {"kind": "ES", "status": ""}}
    ) == [("format", "CSV"), ("liste", "établissements"), ("filtres", "kind = ES, status = ")]
    assert detail_lines({"kind": "note", "unknown_account": True, "is_staff": False}) == [
        ("type", "Note"),
        ("compte inconnu", "oui"),
        ("accès à l’administration", "non"),
    ]


def test_unknown_keys_and_values_are_shown_as_stored():
    assert detail_lines({"newkey": "value", "role": "nobody"}) == [
        ("newkey", "value"),
        ("rôle", "nobody"),
    ]
    assert detail_lines({}) == [] and detail_lines(None) == []


@pytest.mark.django_db
def test_audit_page_shows_labels_not_codes(client, world):
    grant_role(email="new@example.fr", role=Role.DIRECTOR, scope=world.hospital.finess)
    record_event(
        actor=world.director,
        action=Action.VALIDATION,
        establishment=world.hospital,
        detail={"assessment": 7, "year": 2026, "from": "submitted", "to": "validated"},
    )
    client.force_login(world.ars)
    page = client.get(reverse("audit:list")).content.decode()
    assert "nouveau statut : Validée" in page
    assert "rôle : Direction d&#x27;établissement" in page
    assert "to : validated" not in page
    assert "role : director" not in page
