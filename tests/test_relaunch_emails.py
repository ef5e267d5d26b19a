"""What a relaunch e-mail says: the RSSI greeted by name, what the relaunch is about when it was
sent from a filtered list, the ARS sender's signature; and the audit log of relaunches and bulk
report requests, in French."""

import ast
import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from audit.display import KEY_LABELS, _value_labels, detail_lines
from audit.models import Action, AuditEvent
from followup.services import create_relaunch, request_bulk_report
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

NEW = reverse("followup:relaunch_new", args=["84"])
ROOT = Path(__file__).resolve().parents[1]


def _name(user, first: str, last: str):
    user.first_name, user.last_name = first, last
    user.save()
    return user


def _bodies() -> dict[str, str]:
    return {message.to[0]: message.body for message in mail.outbox}


def test_ticked_relaunch_greets_by_name_and_is_signed_by_the_ars_sender(world, campaign):
    _name(world.rssi, "Claire", "Martin")
    _name(world.ars, "Louise", "Perrin")
    create_relaunch(
        sender=world.ars,
        region=world.region,
        establishments=[world.hospital],
        subject="Auto-évaluation à transmettre",
        message="Merci de transmettre votre auto-évaluation.",
        criteria={"mode": "ticked"},
    )
    body = _bodies()[world.rssi.email]
    html = mail.outbox[0].alternatives[0][0]
    assert body.startswith("Bonjour Claire Martin,\n")
    assert world.rssi.email not in body.split("\n")[0]
    assert (
        "Merci de transmettre votre auto-évaluation.\n\nLouise Perrin\nARS Auvergne-Rhône-Alpes\n"
        in body
    )
    assert "Louise Perrin<br>ARS Auvergne-Rhône-Alpes" in html
    assert "liste filtrée" not in body


def test_without_names_the_greeting_is_plain_and_the_ars_still_signs(world, campaign):
    _name(world.rssi, "", "")
    _name(world.ars, "", "")
    create_relaunch(
        sender=world.ars,
        region=world.region,
        establishments=[world.hospital],
        subject="Relance",
        message="Merci.",
        criteria={"mode": "ticked"},
    )
    body = _bodies()[world.rssi.email]
    assert body.startswith("Bonjour,\n")
    assert "Merci.\n\nARS Auvergne-Rhône-Alpes\n" in body
    assert "ars@example.fr" not in body


def test_the_prefilled_signature_is_not_repeated(world, campaign):
    _name(world.ars, "Louise", "Perrin")
    create_relaunch(
        sender=world.ars,
        region=world.region,
        establishments=[world.hospital],
        subject="Relance",
        message="Merci.\n\nCordialement,\nLouise Perrin\nARS Auvergne-Rhône-Alpes",
        criteria={"mode": "ticked"},
    )
    assert _bodies()[world.rssi.email].count("Louise Perrin") == 1


def test_a_relaunch_from_the_filtered_list_says_what_it_is_about(client, world, campaign):
    _name(world.rssi, "Claire", "Martin")
    user_with_role("rssi", world.nursing_home, email="rssi.ehpad@example.fr")
    client.force_login(world.ars)
    params = {"selection": "filters", "status": "not_started", "kind": "ESSMS", "campaign": "2025"}
    client.post(NEW, {**params, "subject": "Relance", "message": "Merci de commencer."})
    about = (
        "Campagne 2025 ; Type : Établissement social et médico-social ; Avancement : Non commencée"
    )
    [message] = mail.outbox
    assert message.to == ["rssi.ehpad@example.fr"]
    assert (
        "Cette relance concerne les établissements de la liste filtrée du tableau de bord de "
        f"l’ARS ({about})." in message.body
    )
    assert about in message.alternatives[0][0]
    event = AuditEvent.objects.get(action=Action.RELAUNCH)
    assert event.actor == world.ars
    lines = dict(detail_lines(event.detail))
    assert lines["nombre"] == "1"
    assert lines["sélection"] == "filtres du tableau de bord"
    assert lines["liste filtrée"] == about
    assert "filtres" not in lines  # the same filters, in words above


def test_bulk_report_requests_are_in_the_audit_log_with_their_filter(world, campaign):
    request_bulk_report(
        requester=world.ars,
        region=world.region,
        campaign=campaign.campaign,
        establishments=[world.hospital, world.clinic],
        criteria={"mode": "filters", "filters": {"status": ["draft"], "campaign": ["2025"]}},
    )
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.actor == world.ars and event.region_id == "84"
    lines = dict(detail_lines(event.detail))
    assert lines["nombre"] == "2"
    assert lines["liste filtrée"] == "Campagne 2025 ; Avancement : En cours"
    assert lines["sélection"] == "filtres du tableau de bord"


# --- every label of the audit log in French ---------------------------------------------------

# English words that have no place in a French label (French words such as « validation »,
# « export » or « rapport » are not listed).
ENGLISH = {
    "the",
    "of",
    "and",
    "by",
    "with",
    "for",
    "to",
    "from",
    "sign",
    "signed",
    "login",
    "logout",
    "failed",
    "failure",
    "created",
    "updated",
    "deleted",
    "revoked",
    "renewed",
    "token",
    "upload",
    "download",
    "user",
    "account",
    "role",
    "changed",
    "answer",
    "answers",
    "assessment",
    "status",
    "year",
    "count",
    "filters",
    "selection",
    "reason",
    "target",
    "title",
    "kind",
    "true",
    "false",
    "yes",
    "no",
    "none",
    "granted",
    "reopening",
    "submission",
    "relaunch",
    "carry",
    "over",
    "evidence",
}


def _words(text) -> set[str]:
    return {word.lower() for word in re.findall(r"[A-Za-zÀ-ÿ']+", str(text))}


def test_every_audit_action_key_and_value_label_is_french():
    labels = [label for _code, label in Action.choices]
    labels += list(KEY_LABELS.values())
    labels += [label for values in _value_labels().values() for label in values.values()]
    english = {str(label): _words(label) & ENGLISH for label in labels}
    assert {label: words for label, words in english.items() if words} == {}


def _detail_keys() -> set[tuple[str, str]]:
    """Every key written in the detail of an audit event by the portal's code."""
    keys = set()
    for path in ROOT.glob("*/**/*.py"):
        if {"tests", "migrations", "node_modules", ".venv"} & set(path.parts):
            continue
        tree = ast.parse(path.read_text())
        dicts = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.endswith("_detail"):
                dicts[node.name] = node
        for node in ast.walk(tree):
            called = getattr(node, "func", None)
            name = getattr(called, "id", getattr(called, "attr", None))
            if not isinstance(node, ast.Call) or name != "record_event":
                continue
            for keyword in node.keywords:
                if keyword.arg != "detail":
                    continue
                for sub in [
                    *ast.walk(keyword.value),
                    *(n for f in dicts.values() for n in ast.walk(f)),
                ]:
                    if isinstance(sub, ast.Dict):
                        keys |= {
                            (k.value, str(path.relative_to(ROOT)))
                            for k in sub.keys
                            if isinstance(k, ast.Constant) and isinstance(k.value, str)
                        }
                    if isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Constant):
                        pass
    return keys


def test_every_detail_key_the_portal_writes_has_a_french_label():
    keys = _detail_keys()
    assert len(keys) > 50  # the scan finds the events (guards against a scan finding nothing)
    assert sorted(k for k in keys if k[0] not in KEY_LABELS) == []


def test_nested_details_are_in_words():
    lines = dict(
        detail_lines({"after": {"nis2_status": "essential", "is_ose": "True"}, "origin": "manual"})
    )
    assert lines["après"].startswith("statut NIS2 = ")
    assert "désignation OSE = oui" in lines["après"]
