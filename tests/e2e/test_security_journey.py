"""Account security in a real browser: an ARS user enrols a second factor from the QR code page,
keeps the recovery codes, signs in again with a code and reads the audit log; repeated wrong
passwords lock an account. Every page is checked with axe-core and screenshotted (see conftest).
"""

import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import user_with_role

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct-horse-battery"


def _code(device, steps_ahead=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def test_ars_enrols_then_signs_in_with_a_code(visitor, world):
    page = visitor.page
    visitor.sign_in(world.ars.email, PASSWORD)
    assert "/accounts/two-factor/setup/" in page.url
    assert page.locator("svg.care-qr").is_visible()
    visitor.check("double-authentification-activation")
    device = TOTPDevice.objects.get(user=world.ars, confirmed=False)
    page.get_by_label("Code de vérification").fill(_code(device))
    page.get_by_role("button", name="Activer").click()
    page.wait_for_load_state("load")
    codes = page.locator(".care-recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    visitor.check("codes-de-secours")
    page.get_by_role("link", name="J’ai noté mes codes, continuer").click()
    page.wait_for_load_state("load")

    visitor.goto("/audit/")
    assert page.get_by_role("heading", name="Journal d'audit").is_visible()
    assert page.locator("tbody").get_by_text("Double authentification activée").is_visible()
    visitor.check("journal-d-audit")

    page.get_by_role("button", name="Se déconnecter").first.click()
    page.wait_for_load_state("load")
    visitor.sign_in(world.ars.email, PASSWORD)
    assert "/accounts/two-factor/verify/" in page.url
    visitor.check("double-authentification-verification")
    device.refresh_from_db()
    page.get_by_label("Code de vérification").fill(_code(device, 1))
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_load_state("load")
    assert re.search(r"/$", page.url)
    visitor.goto("/accounts/security/")
    assert page.get_by_text("Activée").first.is_visible()
    visitor.check("securite-du-compte")


def test_repeated_wrong_passwords_lock_the_account(visitor, world):
    page = visitor.page
    person = user_with_role("rssi", world.clinic, email="distrait@example.fr")
    for _attempt in range(5):
        visitor.page.goto(visitor.base_url + "/accounts/login/")
        page.get_by_label("Adresse électronique").fill(person.email)
        page.get_by_label("Mot de passe").fill("mauvais")
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state("load")
    assert page.get_by_role("heading", name="Connexion temporairement bloquée").is_visible()
    visitor.check("connexion-bloquee")
