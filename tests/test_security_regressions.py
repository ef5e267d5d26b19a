"""Variants of the security review's findings that the first fixes did not cover.

Each test names the class of input or path it closes; see the README's "Account security".
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.models import ServiceAccount
from accounts.two_factor import regenerate_recovery_codes

pytestmark = pytest.mark.django_db


# --- Second factor: what the admin shows and changes ----------------------------------------


def test_the_admin_never_shows_a_persons_authenticator_secret_nor_recovery_codes(
    admin_client, world
):
    """An administrator reading a national account's secret could compute its codes."""
    device = TOTPDevice.objects.create(user=world.national, name="Téléphone", confirmed=True)
    codes = regenerate_recovery_codes(user=world.national)
    static = StaticDevice.objects.get(user=world.national)
    pages = [
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        reverse("admin:otp_static_staticdevice_changelist"),
        reverse("admin:otp_static_staticdevice_change", args=[static.pk]),
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        content = response.content.decode()
        assert device.key not in content, page
        assert not any(code in content for code in codes), page
    for secret_page in (f"/admin/otp_totp/totpdevice/{device.pk}/config/",
                        f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/"):  # fmt: skip
        response = admin_client.get(secret_page, follow=True)
        assert response.status_code in (200, 403, 404), secret_page
        assert response.get("Content-Type", "").startswith("text/html")
        assert device.key.encode() not in response.content
        assert b"otpauth://" not in response.content


def test_the_admin_cannot_add_or_change_a_second_factor_but_can_remove_one(admin_client, world):
    """Enrolment is the person's own, with their password or a current code; the admin can only
    remove a lost device, after which the person enrols again."""
    device = TOTPDevice.objects.create(user=world.national, name="Téléphone", confirmed=True)
    add = admin_client.post(
        reverse("admin:otp_totp_totpdevice_add"),
        {"user": world.national.pk, "name": "Pirate", "key": "00" * 20, "step": 30, "t0": 0,
         "digits": 6, "tolerance": 1, "drift": 0, "confirmed": "on",
         "throttling_failure_count": 0},
    )  # fmt: skip
    assert add.status_code == 403
    change = admin_client.post(
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        {"user": world.national.pk, "name": "Téléphone", "key": "00" * 20, "step": 30, "t0": 0,
         "digits": 6, "tolerance": 1, "drift": 0, "confirmed": "on",
         "throttling_failure_count": 0},
    )  # fmt: skip
    assert change.status_code == 403
    device.refresh_from_db()
    assert device.key != "00" * 20
    assert admin_client.get(reverse("admin:otp_static_staticdevice_add")).status_code == 403
    removed = admin_client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()


# --- Personal tokens and a second factor chosen -----------------------------------------------


def test_personal_token_of_a_person_who_turned_the_second_factor_on_is_refused(
    client, world, campaign
):
    """An RSSI who chose a second factor must type a code on the portal: a token would skip it."""
    TOTPDevice.objects.create(user=world.rssi, name="Téléphone", confirmed=True)
    key = Token.objects.create(user=world.rssi).key
    response = client.get(
        f"/api/assessments/{campaign.hospital.pk}/", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 403
    assert "double authentification" in response.json()["detail"]


# --- Addresses spelled differently -------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling", ["ＲSSI@example.fr", " RSSI@Example.FR ", "rssi@exam\uff50le.fr"]
)
def test_the_service_token_owner_is_found_whatever_the_spelling(world, spelling):
    out = StringIO()
    call_command("service_token", "outil-ars-84", "ars", "84", "--owner", spelling, stdout=out)
    assert ServiceAccount.objects.get(name="outil-ars-84").owner == world.rssi


# --- API bodies: the charset the caller declares ----------------------------------------------


def _codecs_that_are_not_text() -> list[str]:
    import codecs
    from encodings.aliases import aliases

    names = sorted({*aliases, *aliases.values(), "rot13", "hex", "base64", "zlib", "bz2", "uu"})
    found = []
    for name in names:
        try:
            info = codecs.lookup(name)
        except LookupError:
            continue
        if not getattr(info, "_is_text_encoding", True):
            found.append(name)
    return found


NOT_TEXT = _codecs_that_are_not_text()


def test_the_codecs_tried_include_the_non_text_ones():
    assert {"rot13", "zlib", "base64", "hex", "bz2", "uu"} <= set(NOT_TEXT)


@pytest.mark.parametrize("charset", [*NOT_TEXT, "punycode", "idna", "utf-16", "no-such-codec"])
def test_a_json_body_in_any_declared_charset_gets_a_json_answer_never_a_server_error(
    client, world, campaign, charset
):
    from accounts.service_tokens import issue_service_token

    _account, _token, key = issue_service_token(
        name="outil-rssi", role="rssi", scope=world.hospital.finess, can_write=True
    )
    response = client.generic(
        "PATCH",
        f"/api/assessments/{campaign.hospital.pk}/answers/",
        '{"version": 0, "answers": {"GOV-COMITE": "ça"}}'.encode(),
        content_type=f"application/json; charset={charset}",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code in (200, 400), response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    if response.status_code == 400 and charset in NOT_TEXT:
        assert "UTF-8" in response.json()["detail"]
