"""Changing the second factor takes the password or a current code, unless typed moments ago."""

import re
import time

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import (
    AUTHENTICATED_AT_SESSION_KEY,
    RECENT_AUTHENTICATION,
    otp_demo_device,
    regenerate_recovery_codes,
)
from audit.models import Action, AuditEvent
from tests.test_two_factor import PASSWORD, code, sign_in

KEY = "3132333435363738393031323334353637383930"
WRONG = "Mot de passe ou code incorrect : rien n’a été modifié."
MISSING = "Confirmez qu’il s’agit bien de vous"


@pytest.fixture(autouse=True)
def _no_otp_throttle_delay(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def some_time_later(client):
    """The password was typed longer ago than the re-authentication window."""
    session = client.session
    session[AUTHENTICATED_AT_SESSION_KEY] = time.time() - RECENT_AUTHENTICATION.total_seconds() - 1
    session.save()


def asks_for_identity(page) -> bool:
    return 'name="confirmation"' in page.text


def recovery_codes_of(user) -> set[str]:
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


# --- First enrolment ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_right_after_signing_in_the_enrolment_does_not_ask_again(unverified_client, world):
    sign_in(unverified_client, world.ars.email)
    page = unverified_client.get(reverse("accounts:setup"))
    assert page.status_code == 200 and not asks_for_identity(page)
    device = TOTPDevice.objects.get(user=world.ars, confirmed=False)
    done = unverified_client.post(reverse("accounts:setup"), {"code": code(device)})
    assert len(re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.text)) == 10


@pytest.mark.django_db
def test_enrolling_long_after_signing_in_takes_the_password(unverified_client, world):
    client = unverified_client
    sign_in(client, world.ars.email)
    some_time_later(client)
    page = client.get(reverse("accounts:setup"))
    assert asks_for_identity(page)
    assert ">Mot de passe\n" in page.text  # no device yet: only the password can confirm
    device = TOTPDevice.objects.get(user=world.ars, confirmed=False)

    missing = client.post(reverse("accounts:setup"), {"code": code(device)})
    assert MISSING in missing.text
    wrong = client.post(reverse("accounts:setup"), {"code": code(device), "confirmation": "nope"})
    assert WRONG in wrong.text
    device.refresh_from_db()
    assert not device.confirmed and device.last_t == -1  # the new code was not even used
    assert not AuditEvent.objects.filter(action=Action.TWO_FACTOR_ENABLED).exists()
    assert AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED, target=world.ars.email).exists()

    done = client.post(reverse("accounts:setup"), {"code": code(device), "confirmation": PASSWORD})
    assert "Codes de secours" in done.text
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR_ENABLED, actor=world.ars).exists()


# --- Replacing the application ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("wrong", ["000000", "not-the-password", "aaaaaaaa"])
def test_a_new_application_is_refused_without_a_current_code_or_password(client, world, wrong):
    old = otp_demo_device(world.ars, KEY)
    client.force_login(world.ars)
    some_time_later(client)
    page = client.get(reverse("accounts:setup"))
    assert asks_for_identity(page) and "Mot de passe ou code actuel" in page.text
    new = TOTPDevice.objects.get(user=world.ars, confirmed=False)
    refused = client.post(reverse("accounts:setup"), {"code": code(new), "confirmation": wrong})
    assert WRONG in refused.text
    assert list(TOTPDevice.objects.filter(user=world.ars, confirmed=True)) == [old]
    new.refresh_from_db()
    assert not new.confirmed


@pytest.mark.django_db
@pytest.mark.parametrize("proof", ["code", "password"])
def test_a_current_code_or_the_password_replaces_the_application(client, world, proof):
    old = otp_demo_device(world.ars, KEY)
    client.force_login(world.ars)
    some_time_later(client)
    client.get(reverse("accounts:setup"))
    new = TOTPDevice.objects.get(user=world.ars, confirmed=False)
    confirmation = code(old) if proof == "code" else PASSWORD
    done = client.post(reverse("accounts:setup"), {"code": code(new), "confirmation": confirmation})
    assert "Codes de secours" in done.text
    assert list(TOTPDevice.objects.filter(user=world.ars)) == [new]
    # Confirmed just now: the next change within the window does not ask again.
    assert not asks_for_identity(client.get(reverse("accounts:security")))


# --- New recovery codes -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("confirmation", [None, "", "wrong-password", "000000", "zzzzzzzz"])
def test_new_recovery_codes_are_refused_without_proof(client, world, confirmation):
    otp_demo_device(world.ars, KEY)
    client.force_login(world.ars)
    before = set(regenerate_recovery_codes(user=world.ars))
    some_time_later(client)
    assert asks_for_identity(client.get(reverse("accounts:security")))
    data = {} if confirmation is None else {"confirmation": confirmation}
    response = client.post(reverse("accounts:recovery_codes"), data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:security")
    assert (MISSING if not confirmation else WRONG) in response.text
    assert recovery_codes_of(world.ars) == before
    assert not AuditEvent.objects.filter(action=Action.RECOVERY_CODES).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("proof", ["code", "password", "recovery code"])
def test_new_recovery_codes_with_the_password_or_a_current_code(client, world, proof):
    device = otp_demo_device(world.ars, KEY)
    client.force_login(world.ars)
    before = regenerate_recovery_codes(user=world.ars)
    some_time_later(client)
    confirmation = {"code": code(device), "password": PASSWORD, "recovery code": before[0]}[proof]
    response = client.post(reverse("accounts:recovery_codes"), {"confirmation": confirmation})
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.text)
    assert len(new) == 10 and recovery_codes_of(world.ars) == set(new)
    assert not set(new) & set(before)
    assert AuditEvent.objects.filter(action=Action.RECOVERY_CODES, actor=world.ars).exists()


# --- Turning it off -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("wrong", ["000000", PASSWORD, ""])
def test_turning_it_off_takes_a_current_code_even_right_after_signing_in(client, world, wrong):
    otp_demo_device(world.rssi, KEY)
    client.force_login(world.rssi)
    codes = set(regenerate_recovery_codes(user=world.rssi))
    response = client.post(reverse("accounts:disable"), {"code": wrong}, follow=True)
    assert "la double authentification reste activée" in response.text
    assert TOTPDevice.objects.filter(user=world.rssi, confirmed=True).exists()
    assert recovery_codes_of(world.rssi) == codes
    assert not AuditEvent.objects.filter(action=Action.TWO_FACTOR_DISABLED).exists()


# --- Guessing ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_passwords_typed_to_confirm_end_in_the_sign_in_lock(client, world, settings):
    otp_demo_device(world.ars, KEY)
    client.force_login(world.ars)
    before = set(regenerate_recovery_codes(user=world.ars))
    some_time_later(client)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("accounts:recovery_codes"), {"confirmation": "guess"})
        assert response.status_code == 302
    locked = client.post(reverse("accounts:recovery_codes"), {"confirmation": "guess"})
    assert locked.status_code == 429
    assert "Connexion temporairement bloquée" in locked.text
    still = client.post(reverse("accounts:recovery_codes"), {"confirmation": PASSWORD})
    assert still.status_code == 429
    assert recovery_codes_of(world.ars) == before
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, target=world.ars.email).exists()
