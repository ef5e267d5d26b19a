"""Two-factor sign-in, enrolment, recovery codes, sign-in throttling and session lifetime."""

import re
import time

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import SIGNED_IN_AT_SESSION_KEY
from accounts.two_factor import otp_demo_device
from audit.models import Action, AuditEvent

PASSWORD = "correct-horse-battery"


def code(device, steps_ahead=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


@pytest.fixture(autouse=True)
def _no_otp_throttle_delay(settings):
    """django-otp waits 1 s, 2 s, 4 s… after a wrong code; most tests don't need the wait."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def enrol(client, user) -> list[str]:
    client.get(reverse("accounts:setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:setup"), {"code": code(device)})
    assert response.status_code == 200
    return re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.text)


# --- Required for ARS, national and admin accounts ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["ars", "national"])
def test_required_roles_are_sent_to_enrolment_and_refused_everything_else(
    unverified_client, world, role
):
    user = getattr(world, role)
    response = sign_in(unverified_client, user.email)
    assert response.status_code == 302
    landing = unverified_client.get(response["Location"])
    assert landing.status_code == 302
    assert landing["Location"].startswith(reverse("accounts:setup"))
    for url in [
        reverse("home"),
        reverse("establishments:list"),
        reverse("audit:list"),
        reverse("accounts:security"),
    ]:
        response = unverified_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:setup"))
    api = unverified_client.get("/api/establishments/")
    assert api.status_code == 403
    assert "Double authentification requise" in api.json()["detail"]


@pytest.mark.django_db
def test_staff_accounts_need_a_second_factor(unverified_client, world):
    world.rssi.is_staff = True
    world.rssi.save()
    sign_in(unverified_client, world.rssi.email)
    response = unverified_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:setup"))


@pytest.mark.django_db
def test_enrolment_with_qr_code_then_sign_in_with_a_code(unverified_client, world):
    client = unverified_client
    sign_in(client, world.ars.email)
    page = client.get(reverse("accounts:setup"))
    assert page.status_code == 200
    assert "<svg" in page.text and "care-qr" in page.text  # drawn here, inline
    assert "<img" not in page.text.split("care-qr")[0].rsplit("<figure", 1)[-1]
    device = TOTPDevice.objects.get(user=world.ars, confirmed=False)
    key = re.search(r'<code id="manual-key">([A-Z2-7 ]+)</code>', page.text).group(1)
    assert len(key.replace(" ", "")) == 32
    # The same key is shown until it is confirmed (a reload does not invalidate a scanned code).
    assert key in client.get(reverse("accounts:setup")).text

    wrong = client.post(reverse("accounts:setup"), {"code": "000000"})
    assert "Code incorrect" in wrong.text
    codes = enrol(client, world.ars)
    assert len(codes) == 10
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR_ENABLED, actor=world.ars).exists()

    # A later sign-in asks for a code.
    client.post(reverse("logout"))
    sign_in(client, world.ars.email)
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("accounts:verify"))
    bad = client.post(reverse("accounts:verify"), {"code": "123456"})
    assert "Code incorrect ou expiré" in bad.text
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR_FAILED).count() == 1
    device.refresh_from_db()
    # The code used at enrolment cannot be replayed; the next one is accepted.
    ok = client.post(
        reverse("accounts:verify"), {"code": code(device, 1), "next": reverse("audit:list")}
    )
    assert ok.status_code == 302 and ok["Location"] == reverse("audit:list")
    assert client.get(reverse("audit:list")).status_code == 200


@pytest.mark.django_db
def test_recovery_code_works_once(unverified_client, world):
    client = unverified_client
    sign_in(client, world.national.email)
    codes = enrol(client, world.national)
    client.post(reverse("logout"))
    sign_in(client, world.national.email)
    response = client.post(reverse("accounts:verify"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert StaticToken.objects.filter(device__user=world.national).count() == 9
    client.post(reverse("logout"))
    sign_in(client, world.national.email)
    again = client.post(reverse("accounts:verify"), {"code": codes[0]})
    assert "Code incorrect" in again.text


@pytest.mark.django_db
def test_wrong_codes_slow_down_the_next_attempts(unverified_client, world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    device = otp_demo_device(world.ars, "3132333435363738393031323334353637383930")
    sign_in(unverified_client, world.ars.email)
    unverified_client.post(reverse("accounts:verify"), {"code": "000000"})
    response = unverified_client.post(reverse("accounts:verify"), {"code": code(device)})
    assert "Trop de codes erronés : réessayez après" in response.text
    assert unverified_client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_next_parameter_cannot_leave_the_site(unverified_client, world):
    device = otp_demo_device(world.ars, "3132333435363738393031323334353637383930")
    sign_in(unverified_client, world.ars.email)
    response = unverified_client.post(
        reverse("accounts:verify"), {"code": code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


@pytest.mark.django_db
def test_sign_out_is_possible_before_the_second_factor(unverified_client, world):
    sign_in(unverified_client, world.ars.email)
    response = unverified_client.post(reverse("logout"))
    assert response.status_code == 302
    assert unverified_client.get(reverse("home"))["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_required_roles_cannot_disable(client, world):
    client.force_login(world.ars)
    page = client.get(reverse("accounts:security"))
    assert "obligatoire pour votre rôle" in page.text
    client.post(reverse("accounts:disable"), {"code": "000000"})
    assert TOTPDevice.objects.filter(user=world.ars, confirmed=True).exists()


@pytest.mark.django_db
def test_demo_device_has_a_known_secret(world):
    device = otp_demo_device(world.national, "3132333435363738393031323334353637383930")
    assert device.confirmed
    assert "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" in device.config_url
    assert "issuer=Portail%20CaRE" in device.config_url


# --- Offered to everyone else -------------------------------------------------------------------


@pytest.mark.django_db
def test_rssi_works_without_a_second_factor_and_may_turn_it_on_and_off(unverified_client, world):
    client = unverified_client
    sign_in(client, world.rssi.email)
    assert client.get(reverse("home")).status_code == 200
    page = client.get(reverse("accounts:security"))
    assert "Non activée" in page.text
    assert "Sécurité du compte" in client.get(reverse("home")).text  # in the header
    enrol(client, world.rssi)
    assert "Activée" in client.get(reverse("accounts:security")).text
    # From now on the RSSI's sign-ins need a code too.
    client.post(reverse("logout"))
    sign_in(client, world.rssi.email)
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:verify"))
    device = TOTPDevice.objects.get(user=world.rssi, confirmed=True)
    client.post(reverse("accounts:verify"), {"code": code(device, 1)})
    # Turning it off takes a current code.
    refused = client.post(reverse("accounts:disable"), {"code": "000000"}, follow=True)
    assert "la double authentification reste activée" in refused.text
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # half a minute later
    client.post(reverse("accounts:disable"), {"code": code(device)})
    assert not TOTPDevice.objects.filter(user=world.rssi).exists()
    assert AuditEvent.objects.filter(action=Action.TWO_FACTOR_DISABLED).exists()


@pytest.mark.django_db
def test_new_recovery_codes_replace_the_old_ones(client, world):
    client.force_login(world.ars)
    from accounts.two_factor import regenerate_recovery_codes

    old = regenerate_recovery_codes(user=world.ars)
    response = client.post(reverse("accounts:recovery_codes"))
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.text)
    assert len(new) == 10 and not set(new) & set(old)
    assert StaticToken.objects.filter(device__user=world.ars).count() == 10
    assert client.get(reverse("accounts:recovery_codes")).status_code == 405


# --- Sign-in throttling -------------------------------------------------------------------------


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_with_a_french_message(client, world, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _attempt in range(5):
        response = sign_in(client, "RSSI@example.fr ", "wrong")
    assert response.status_code == 429
    assert "Connexion temporairement bloquée" in response.text
    assert "15 minutes" in response.text
    # Locked even with the right password.
    locked = sign_in(client, world.rssi.email)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, target="rssi@example.fr").exists()
    # Another account from the same address is not locked.
    other = sign_in(client, world.director.email)
    assert other.status_code == 302


@pytest.mark.django_db
def test_a_success_resets_the_failure_count(client, world):
    for _attempt in range(4):
        sign_in(client, world.rssi.email, "wrong")
    assert sign_in(client, world.rssi.email).status_code == 302
    client.post(reverse("logout"))
    for _attempt in range(4):
        sign_in(client, world.rssi.email, "wrong")
    assert sign_in(client, world.rssi.email).status_code == 302


# --- Session lifetime ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_session_ends_a_fixed_time_after_sign_in(client, world, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    client.force_login(world.rssi)
    session = client.session
    session[SIGNED_IN_AT_SESSION_KEY] = time.time() - 8 * 3600 + 60
    session.save()
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[SIGNED_IN_AT_SESSION_KEY] = time.time() - 8 * 3600 - 1
    session.save()
    response = client.get(reverse("establishments:list"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "Votre session a expiré" in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_session_cookie_ends_with_the_browser(unverified_client, world):
    response = sign_in(unverified_client, world.rssi.email)
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert cookie["httponly"]
