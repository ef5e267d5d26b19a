"""The header: no portal menu before the second factor, and the markup DSFR's header script needs."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.test_two_factor import PASSWORD, code, sign_in

pytestmark = pytest.mark.django_db

MENU_LABELS = ("Tableau de bord régional", "Établissements", "Référentiel", "Notifications")


def assert_no_portal_menu(text: str) -> None:
    assert 'class="fr-nav"' not in text
    for label in MENU_LABELS:
        assert label not in text
    assert "Se déconnecter" in text  # signing out is always possible


def test_code_page_shows_no_menu_until_the_code_is_given(unverified_client, world):
    device = TOTPDevice.objects.create(user=world.ars, name="app", confirmed=True)
    world.ars.set_password(PASSWORD)
    world.ars.save()
    sign_in(unverified_client, world.ars.email)
    page = unverified_client.get(reverse("accounts:verify"))
    assert page.status_code == 200
    assert_no_portal_menu(page.text)
    assert page.context["nav_items"] == []

    unverified_client.post(reverse("accounts:verify"), {"code": code(device)})
    home = unverified_client.get(reverse("home"))
    assert 'class="fr-nav"' in home.text
    assert "Tableau de bord régional" in home.text


def test_enrolment_page_shows_no_menu(unverified_client, world):
    world.ars.set_password(PASSWORD)
    world.ars.save()
    sign_in(unverified_client, world.ars.email)
    page = unverified_client.get(reverse("accounts:setup"))
    assert page.status_code == 200
    assert_no_portal_menu(page.text)


def test_sign_in_page_has_the_header_menu_its_script_needs(unverified_client):
    page = unverified_client.get(reverse("login"))
    # DSFR's header script copies the tools into the menu: both must be there.
    assert 'class="fr-header__tools-links"' in page.text
    assert 'class="fr-header__menu-links"' in page.text
    assert 'aria-controls="modal-menu"' in page.text
    assert 'class="fr-nav"' not in page.text


def test_a_person_without_a_second_factor_requirement_gets_the_menu(unverified_client, world):
    world.rssi.set_password(PASSWORD)
    world.rssi.save()
    sign_in(unverified_client, world.rssi.email)
    home = unverified_client.get(reverse("home"))
    assert 'class="fr-nav"' in home.text
    assert "Mes auto-évaluations" in home.text
