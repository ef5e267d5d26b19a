"""The referential page: readable by every signed-in role, filterable, printable."""

from datetime import date

import pytest
from django.contrib.staticfiles import finders

from referential.loader import load_referential_file
from referential.models import ReferentialVersion
from tests.factories import RequirementFactory

CARE_FILE = "fixtures/referential/care-2025.yaml"
URL = "/referential/"
ROLES = ["rssi", "director", "ght_lead", "ars", "other_ars", "national", "other_rssi"]


@pytest.fixture
def care(db):
    return load_referential_file(CARE_FILE).referential


def test_anonymous_visitors_are_sent_to_sign_in(client, care):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_every_role_reads_the_referential(client, world, care):
    for role in ROLES:
        client.force_login(getattr(world, role))
        response = client.get(URL)
        assert response.status_code == 200, role
        assert "56 exigences affichées" in response.content.decode(), role


def test_the_page_shows_deadlines_targets_and_what_is_expected(client, world, care):
    client.force_login(world.rssi)

    page = client.get(URL).content.decode()

    assert "Référentiel d&#x27;auto-évaluation CaRE — version 1" in page
    assert "Axe 1 — Gouvernance et résilience" in page
    assert "Objectif 20 — Intégrer la cybersécurité" in page
    assert "il n'appelle pas de réponse des établissements" in page
    assert "56 exigences affichées" in page
    # What is expected, by when, and the national target.
    assert "GOV-RSSI" in page
    assert "30/06/2025 (S1 2025)" in page
    assert "70 % des établissements" in page
    assert "atteint à partir de 2 %, partiellement à partir de 1 %" in page
    assert "Pas d'échéance fixée par le plan" in page
    assert "Posée seulement si la réponse à CRISE-EXERCICE est : oui." in page


def test_filter_by_kind_keeps_the_requirements_that_apply(client, world, care):
    client.force_login(world.rssi)

    page = client.get(URL, {"kind": "ESSMS"}).content.decode()

    assert "CRISE-EXERCICE-OG" in page and "GOV-RSSI" in page and "ID-2FA" in page
    assert "BUDGET-NUMERIQUE" not in page and "D1-GHT-CHEF-PROJET" not in page
    # Objectives left without any requirement are not shown once filtered.
    assert "Objectif 1 —" not in page and "Objectif 16 —" not in page
    expected = sum("ESSMS" in r.applies_to for r in care.requirements.all())
    assert f"{expected} exigences affichées (filtres appliqués)" in page


def test_filter_by_domain(client, world, care):
    client.force_login(world.director)

    page = client.get(URL, {"domain": "D3", "kind": "ES"}).content.decode()

    for code in ("D3-INVENTAIRE", "D3-BASTION", "D3-BASTION-2FA-TRACES", "D3-ACCES-CONFORMES"):
        assert f'id="exigence-{code}"' in page
    assert "D2-EDR-COUVERTURE" not in page and "GOV-RSSI" not in page
    assert "4 exigences affichées" in page
    assert "Axe 1 —" not in page


def test_an_unknown_filter_value_is_explained_and_ignored(client, world, care):
    client.force_login(world.rssi)

    response = client.get(URL, {"domain": "D9"})

    assert response.status_code == 200
    assert "56 exigences affichées" in response.content.decode()
    assert response.context["form"].errors["domain"]


def test_the_page_is_printable(client, world, care):
    client.force_login(world.rssi)
    page = client.get(URL).content.decode()
    assert "care/referential.css" in page
    with open(finders.find("care/referential.css"), encoding="utf-8") as stylesheet:
        css = stylesheet.read()
    assert "@media print" in css and "break-inside: avoid" in css
    # The filters and the summary are not printed.
    assert 'class="fr-mb-3w care-no-print"' in page
    assert "fr-summary fr-mb-4w care-no-print" in page


def test_the_page_reads_the_referential_in_few_queries(
    client, world, care, django_assert_max_num_queries
):
    client.force_login(world.rssi)
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200


def test_the_version_picker_offers_published_versions_and_drafts_only_to_national(
    client, world, care
):
    newer = ReferentialVersion.objects.create(
        code="CARE", version=2, title="Référentiel CaRE 2026", status="published"
    )
    RequirementFactory(
        objective__axis__referential=newer, code="NOUVELLE-EXIGENCE", deadline=date(2026, 6, 30)
    )
    ReferentialVersion.objects.create(code="CARE", version=3, title="Projet 2027", status="draft")
    client.force_login(world.rssi)

    page = client.get(URL).content.decode()
    assert "NOUVELLE-EXIGENCE" in page, "the newest published version is shown first"
    assert 'value="CARE:1"' in page and 'value="CARE:2"' in page
    assert "CARE:3" not in page

    page = client.get(URL, {"version": "CARE:1"}).content.decode()
    assert "GOV-RSSI" in page and "NOUVELLE-EXIGENCE" not in page

    response = client.get(URL, {"version": "CARE:3"})
    assert "Projet 2027" not in response.content.decode()

    client.force_login(world.national)
    page = client.get(URL, {"version": "CARE:3"}).content.decode()
    assert "Projet 2027" in page and "Brouillon" in page


def test_a_single_version_needs_no_picker(client, world, care):
    client.force_login(world.rssi)
    assert 'name="version"' not in client.get(URL).content.decode()


def test_without_any_published_referential(client, world):
    client.force_login(world.rssi)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Aucun référentiel n'est encore publié." in response.content.decode()
