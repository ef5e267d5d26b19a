"""Sign-in through ProConnect and Pro Santé Connect, against a real OpenID Connect provider
served over HTTP for the test (tests/oidc_provider.py): real discovery, JWKS, signed ID tokens
and signed userinfo."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from audit.models import Action, AuditEvent
from establishments.models import SiretCheck, User
from tests.oidc_provider import LocalProvider, Login, follow_to_provider

PROCONNECT_SIRET = "26690011400012"


@pytest.fixture
def provider(settings):
    server = LocalProvider()
    settings.CARE_OIDC_PROVIDERS = {
        "proconnect": {
            "discovery_url": server.discovery_url,
            "client_id": server.client_id,
            "client_secret": server.client_secret,
        }
    }
    yield server
    server.stop()


@pytest.fixture
def browser(db) -> Client:
    return Client()


def start(browser: Client, next_url: str = "") -> str:
    """Click the ProConnect button: the URL of the provider's authorisation endpoint."""
    url = reverse("accounts:oidc_login", args=["proconnect"])
    response = browser.get(url, {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return response["Location"]


def sign_in(browser: Client, provider: LocalProvider, login: Login, next_url: str = ""):
    provider.next_login = login
    callback = follow_to_provider(start(browser, next_url))
    return browser.get(callback)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def signed_in_user(browser: Client):
    return browser.get(reverse("accounts:security")).wsgi_request.user


def test_sign_in_page_shows_a_button_per_configured_provider(browser, provider, settings):
    page = browser.get(reverse("login")).content.decode()
    assert "S’identifier avec" in page and "ProConnect" in page
    assert "Qu’est-ce que ProConnect ?" in page
    assert reverse("accounts:oidc_login", args=["proconnect"]) in page
    assert "Pro Santé Connect" not in page

    settings.CARE_OIDC_PROVIDERS = {}
    page = browser.get(reverse("login")).content.decode()
    assert "ProConnect" not in page
    assert browser.get(reverse("accounts:oidc_login", args=["proconnect"])).status_code == 404


def test_the_authorisation_request_carries_long_state_and_nonce(browser, provider):
    query = parse_qs(urlsplit(start(browser)).query)
    assert len(query["state"][0]) >= 32
    assert len(query["nonce"][0]) >= 32
    assert query["redirect_uri"] == ["http://testserver/accounts/oidc/proconnect/callback/"]
    assert set(query["scope"][0].split()) >= {"openid", "email", "siret", "usual_name"}
    assert urlsplit(provider.discovery_url).path == "/api/v2/.well-known/openid-configuration"


def test_an_existing_account_signs_in_and_the_siret_is_kept(browser, provider, world):
    login = Login(email="RSSI@Example.fr", siret=PROCONNECT_SIRET)
    response = sign_in(browser, provider, login, next_url="/establishments/")
    assert response.status_code == 302 and response["Location"] == "/establishments/"
    assert signed_in_user(browser) == world.rssi
    world.rssi.refresh_from_db()
    assert world.rssi.provider_siret == PROCONNECT_SIRET
    event = AuditEvent.objects.filter(action=Action.SIGN_IN, actor=world.rssi).latest("pk")
    assert event.detail == {
        "provider": "proconnect",
        "acr": "eidas1",
        "amr": ["pwd"],
        "second_factor": False,
    }


def test_an_unknown_address_is_refused_and_recorded(browser, provider, world):
    response = sign_in(browser, provider, Login(email="inconnu@example.fr"))
    assert response["Location"] == reverse("login")
    (message,) = messages_of(response)
    assert "Aucun compte du portail CaRE n’est ouvert à l’adresse inconnu@example.fr" in message
    assert not signed_in_user(browser).is_authenticated
    assert not User.objects.filter(email="inconnu@example.fr").exists()
    event = AuditEvent.objects.get(action=Action.SIGN_IN_FAILED, target="inconnu@example.fr")
    assert event.detail["provider"] == "proconnect" and event.detail["unknown_account"]


def test_an_inactive_account_is_refused(browser, provider, world):
    User.objects.filter(pk=world.rssi.pk).update(is_active=False)
    sign_in(browser, provider, Login(email=world.rssi.email))
    assert not signed_in_user(browser).is_authenticated


@pytest.mark.parametrize("mode", ["tampered", "foreign", "json"])
def test_userinfo_must_be_signed_by_the_provider(browser, provider, world, mode):
    """ProConnect's userinfo is a JWT signed with its published keys: a changed payload, another
    key, or plain JSON is refused."""
    provider.userinfo_mode = mode
    response = sign_in(browser, provider, Login(email=world.rssi.email))
    assert response["Location"] == reverse("login")
    assert "n’a pas pu être vérifiée" in messages_of(response)[0]
    assert not signed_in_user(browser).is_authenticated
    assert AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED).exists()


def test_a_state_that_is_not_ours_is_refused(browser, provider, world):
    provider.next_login = Login(email=world.rssi.email)
    callback = follow_to_provider(start(browser))
    path, _, query = callback.partition("?")
    params = parse_qs(query)
    response = browser.get(path, {"code": params["code"][0], "state": "x" * 40})
    assert "ne correspond à aucune connexion en cours" in messages_of(response)[0]
    assert not signed_in_user(browser).is_authenticated


def test_a_nonce_that_is_not_ours_is_refused(browser, provider, world):
    provider.forced_nonce = "n" * 40
    response = sign_in(browser, provider, Login(email=world.rssi.email))
    assert "n’a pas pu être vérifiée" in messages_of(response)[0]
    assert not signed_in_user(browser).is_authenticated


def test_a_code_is_used_once(browser, provider, world):
    provider.next_login = Login(email=world.rssi.email)
    callback = follow_to_provider(start(browser))
    assert browser.get(callback).status_code == 302
    assert signed_in_user(browser) == world.rssi
    # The same answer replayed in another browser, and straight to the provider: both refused.
    other = Client()
    response = other.get(callback)
    assert "ne correspond à aucune connexion en cours" in messages_of(response)[0]
    assert not signed_in_user(other).is_authenticated
    code = parse_qs(urlsplit(callback).query)["code"][0]
    import requests

    replay = requests.post(
        provider.issuer + "/token",
        data={
            "client_id": provider.client_id,
            "client_secret": provider.client_secret,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://testserver/accounts/oidc/proconnect/callback/",
        },
        timeout=10,
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_an_ars_agent_with_two_factors_at_the_provider_goes_straight_in(browser, provider, world):
    sign_in(browser, provider, Login(email=world.ars.email, acr="eidas2", amr=["pwd", "mfa"]))
    response = browser.get(reverse("dashboards:region", args=[world.region.code]))
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action=Action.SIGN_IN, actor=world.ars).latest("pk")
    assert event.detail["acr"] == "eidas2" and event.detail["second_factor"] is True


def test_an_amr_with_mfa_counts_as_the_second_factor(browser, provider, world):
    sign_in(browser, provider, Login(email=world.national.email, acr="eidas1", amr=["mfa"]))
    assert browser.get(reverse("home")).status_code == 200


def test_an_ars_agent_with_one_factor_at_the_provider_is_sent_to_the_code(browser, provider, world):
    sign_in(browser, provider, Login(email=world.ars.email, acr="eidas1", amr=["pwd"]))
    response = browser.get(reverse("home"))
    assert response.status_code == 302
    # No authenticator yet: enrol one (a person who has one is asked for its code).
    assert response["Location"].startswith(reverse("accounts:setup"))


def test_the_second_factor_values_are_configurable(browser, provider, world, settings):
    settings.CARE_OIDC_PROVIDERS["proconnect"]["two_factor_acr"] = "eidas3"
    sign_in(browser, provider, Login(email=world.ars.email, acr="eidas2", amr=["pwd"]))
    assert browser.get(reverse("home")).status_code == 302


def test_sign_out_goes_through_the_provider(browser, provider, world):
    sign_in(browser, provider, Login(email=world.rssi.email))
    response = browser.post(reverse("logout"))
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == provider.issuer + "/session/end"
    assert not signed_in_user(browser).is_authenticated
    back = follow_to_provider(response["Location"])
    (request,) = provider.end_session_requests
    assert request["id_token_hint"] in provider.issued_id_tokens
    assert request["post_logout_redirect_uri"] == (
        "http://testserver/accounts/oidc/proconnect/logged-out/"
    )
    response = browser.get(back)
    assert response["Location"] == reverse("login")
    assert messages_of(response) == ["Vous êtes déconnecté du portail CaRE et de ProConnect."]


def test_password_sign_out_stays_on_the_portal(client, world, provider):
    client.force_login(world.rssi)
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert provider.end_session_requests == []


def test_the_siret_is_checked_against_the_role(provider, world, browser):
    world.hospital.siret = PROCONNECT_SIRET
    world.hospital.save()
    sign_in(browser, provider, Login(email=world.rssi.email, siret="26690011400099"))
    assignment = User.objects.get(pk=world.rssi.pk).assignments[0]
    assert assignment.siret_check() == SiretCheck.MATCH  # same SIREN, another establishment
    sign_in(Client(), provider, Login(email=world.rssi.email, siret="77568811100015"))
    assignment = User.objects.get(pk=world.rssi.pk).assignments[0]
    assert assignment.siret_check() == SiretCheck.MISMATCH
    world.hospital.siret = ""
    world.hospital.save()
    assignment = User.objects.get(pk=world.rssi.pk).assignments[0]
    assert assignment.siret_check() == SiretCheck.UNKNOWN


# --- The SIRET of each establishment, from the FINESS extract ---------------------------------


def test_the_finess_import_keeps_each_establishments_siret(tmp_path, db):
    from establishments.finess import Column
    from establishments.models import Establishment
    from establishments.services import import_finess
    from tests.finess_samples import FLEYRIAT, MANIFEST, MAVOUNA, replace_field, write

    import_finess(path=write(tmp_path, [MANIFEST, FLEYRIAT, MAVOUNA]))
    assert Establishment.objects.get(finess="010000024").siret == "26010004500012"
    # A later extract with another SIRET updates it.
    changed = replace_field(FLEYRIAT, Column.SIRET, "26010004500020")
    summary = import_finess(path=write(tmp_path, [MANIFEST, changed, MAVOUNA]))
    assert summary.updated == 1
    assert Establishment.objects.get(finess="010000024").siret == "26010004500020"


@pytest.mark.parametrize("siret", ["2601000450001", "26010004500012345", "2601000450001A"])
def test_a_malformed_siret_in_the_extract_is_a_line_error(tmp_path, db, siret):
    from establishments.finess import Column
    from establishments.services import import_finess
    from tests.finess_samples import FLEYRIAT, MANIFEST, replace_field, write

    summary = import_finess(
        path=write(tmp_path, [MANIFEST, replace_field(FLEYRIAT, Column.SIRET, siret)])
    )
    assert not summary.ok
    assert any("SIRET" in str(error) and "14 chiffres" in str(error) for error in summary.errors)


def test_whoever_grants_a_role_sees_the_siret_and_a_mismatch(admin_client, world):
    world.hospital.siret = PROCONNECT_SIRET
    world.hospital.save()
    User.objects.filter(pk=world.rssi.pk).update(provider_siret="77568811100015")
    page = admin_client.get(
        reverse("admin:establishments_user_change", args=[world.rssi.pk])
    ).content.decode()
    assert "77568811100015" in page
    assert "SIRET différent de celui de l’établissement du rôle : à vérifier" in page


def test_the_grant_command_flags_a_mismatching_siret(world):
    from io import StringIO

    from django.core.management import call_command

    world.clinic.siret = PROCONNECT_SIRET
    world.clinic.save()
    User.objects.filter(pk=world.rssi.pk).update(provider_siret="77568811100015")
    out = StringIO()
    call_command("grant", world.rssi.email, "rssi", world.clinic.finess, stdout=out)
    assert "SIRET transmis par ProConnect 77568811100015 : SIRET différent" in out.getvalue()
