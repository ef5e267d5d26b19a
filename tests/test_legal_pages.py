"""The footer's legal pages: public, reading the deployment's facts from the settings (never
invented), and the personal data page naming every cookie the portal sets."""

import pytest
from django.urls import reverse

from tests.answers import fill

pytestmark = pytest.mark.django_db

PLACEHOLDER = "à compléter par l’exploitant"
FACTS = {
    "publisher": "Agence du numérique en santé, 9 rue Georges Pitard, 75015 Paris",
    "publication_director": "Jeanne Durand, directrice générale",
    "host": "Hébergeur certifié HDS, 1 rue de l’Exemple, 69000 Lyon",
    "contact": "contact-care@example.fr",
    "dpo": "dpo@example.fr",
    "legal_act": "Arrêté du 1er janvier 2026",
    "retention_accounts": "jusqu’à un an après le dernier rôle retiré",
    "retention_audit": "un an",
    "retention_assessments": "dix ans",
}


def _text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&rsquo;", "’")


def test_the_footer_links_both_pages_for_everyone(client, world):
    for page in (client.get(reverse("login")), _signed_in(client, world.rssi).get("/")):
        html = _text(page)
        assert f'href="{reverse("legal_notice")}">Mentions légales</a>' in html
        assert f'href="{reverse("personal_data")}">Données personnelles</a>' in html
        assert "Gestion des cookies" not in html


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_unknown_facts_say_the_operator_completes_them(client, settings):
    settings.CARE_LEGAL = dict.fromkeys(FACTS, "")
    notice = client.get(reverse("legal_notice"))
    data = client.get(reverse("personal_data"))
    assert notice.status_code == data.status_code == 200
    for key in ("publisher", "publication_director", "host", "contact"):
        assert f'data-fact="{key}">{PLACEHOLDER}</' in _text(notice), key
    for key in ("dpo", "legal_act", "retention_accounts", "retention_audit"):
        assert f'data-fact="{key}">{PLACEHOLDER}</' in _text(data), key


def test_the_deployment_s_facts_are_shown(client, settings):
    settings.CARE_LEGAL = FACTS
    notice, data = (
        _text(client.get(reverse("legal_notice"))),
        _text(client.get(reverse("personal_data"))),
    )
    assert PLACEHOLDER not in notice and PLACEHOLDER not in data
    for key in ("publisher", "publication_director", "host"):
        assert FACTS[key].replace("'", "’") in notice.replace("'", "’")
    assert "dpo@example.fr" in data and "un an" in data and "Arrêté du 1er janvier 2026" in data


def test_the_retention_settings_are_the_portal_s(client, settings):
    settings.SESSION_COOKIE_AGE = 4 * 3600
    settings.CARE_BULK_REPORT_DAYS = 5
    data = _text(client.get(reverse("personal_data")))
    assert "au plus tard 4 heures après la connexion" in data
    assert "téléchargeables 5 jours, puis effacés" in data
    for collected in (
        "adresse électronique",
        "rôles",
        "Les connexions",
        "journal d’audit",
        "pièces justificatives",
    ):
        assert collected in data, collected


def test_every_cookie_the_portal_sets_is_named_on_the_page(client, world, campaign):
    """Signing in, saving answers: the cookies set are the essential ones the page lists."""
    set_names = set()

    def keep(response):
        set_names.update(response.cookies.keys())
        return response

    keep(client.get(reverse("login")))
    keep(
        client.post(reverse("login"), {"username": world.rssi.email, "password": "wrong password"})
    )
    client.force_login(world.rssi)
    fill(campaign.hospital, world.rssi)
    keep(client.get(f"/assessments/{campaign.hospital.pk}/"))
    keep(
        client.post(
            f"/assessments/{campaign.hospital.pk}/?step=1",
            {"version": campaign.hospital.version, "GOV-COMITE": "no", "save": "x"},
        )
    )
    set_names |= set(client.cookies.keys())
    assert set_names, "the journey set no cookie at all"
    data = _text(client.get(reverse("personal_data")))
    for name in set_names:
        assert f"<code>{name}</code>" in data, name
