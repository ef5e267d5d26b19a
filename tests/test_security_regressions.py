"""Variants of the security review's findings that the first fixes did not cover.

Each test names the class of input or path it closes; see the README's "Account security".
"""

from __future__ import annotations

import html
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from accounts.models import ServiceAccount
from accounts.two_factor import regenerate_recovery_codes
from assessments.models import Evidence
from tests import evidence_samples as samples
from tests.test_evidence import (
    SCRIPTS,
    STARBASIC,
    ooxml_with_active_content,
    opendocument_with_active_content,
    post_file,
)

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


# --- Macro checks: active content inside a document inside the document ---------------------


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _wrap(inner: bytes, container: str, name: str) -> bytes:
    """A clean document carrying `inner` as an embedded part under an innocent name."""
    if container == "odt":
        return samples.opendocument(samples.ODF_TYPES["odt"], parts=[(name, inner)])
    folder = {"docx": "word", "xlsx": "xl"}[container]
    return samples.ooxml(container, parts=[(f"{folder}/embeddings/{name}", inner)])


@st.composite
def nested_active_documents(draw):
    """A document with active content, embedded one or two levels down under a clean name."""
    content, message = draw(
        st.one_of(ooxml_with_active_content(), opendocument_with_active_content())
    )
    for _level in range(draw(st.integers(1, 2))):
        container = draw(st.sampled_from(["docx", "xlsx", "odt"]))
        name = draw(st.sampled_from(["Microsoft_Excel_Worksheet.xlsx", "Document1.docx",
                                     "Object 1", "pieces.zip", "image1.png", "oleObject1.dat"]))  # fmt: skip
        content = _wrap(content, container, name)
    return content, message


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=nested_active_documents())
def test_active_content_in_an_embedded_document_is_refused(
    client, world, campaign, _media, document
):
    content, message = document
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "preuve.docx", content)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("folder", "message"),
    [("Basic", STARBASIC), ("Dialogs", STARBASIC), ("Scripts", SCRIPTS)],
)
@pytest.mark.parametrize("listed", [True, False])
def test_macros_of_an_opendocument_object_inside_the_document_are_refused(
    client, world, campaign, folder, message, listed
):
    """LibreOffice keeps an embedded object's own macros under ``Object N/Basic/``."""
    part = f"Object 1/{folder}/Standard/Module1.xml"
    content = samples.opendocument(
        samples.ODF_TYPES["odt"],
        parts=[("Object 1/content.xml", b"<office:document-content/>"), (part, b"<m/>")]
        if not listed
        else [("Object 1/content.xml", b"<office:document-content/>")],
        manifest=[(part, "text/xml")] if listed else [],
    )
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "pv.odt", content)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not Evidence.objects.exists()


def test_documents_nested_too_deep_are_refused(client, world, campaign):
    content = samples.ooxml("xlsx")
    for _level in range(5):
        content = _wrap(content, "docx", "Document1.docx")
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "preuve.docx", content)
    assert response.status_code == 400
    assert "documents imbriqués" in html.unescape(response.content.decode())


def test_a_clean_document_embedded_twice_is_accepted(client, world, campaign, _media):
    content = _wrap(_wrap(samples.ooxml("xlsx"), "xlsx", "Feuille.xlsx"), "docx", "Doc.docx")
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "preuve.docx", content)
    assert response.status_code == 302
