"""Passwords are stored with Argon2id at OWASP's parameters; an earlier PBKDF2 hash still signs
in and is rewritten as Argon2id."""

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.urls import reverse

from care_portal import settings as portal_settings

pytestmark = pytest.mark.django_db
PASSWORD = "une-phrase-de-passe-solide-2026"


@pytest.fixture
def portal_hashers(settings):
    """The portal's own hashers (the other tests use a fast one)."""
    settings.PASSWORD_HASHERS = portal_settings.PASSWORD_HASHERS


def test_a_new_password_is_stored_with_argon2id_at_owasp_parameters(portal_hashers, world):
    world.rssi.set_password(PASSWORD)
    world.rssi.save()
    world.rssi.refresh_from_db()
    assert world.rssi.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert world.rssi.check_password(PASSWORD)
    assert not world.rssi.check_password(PASSWORD + "x")


def test_an_earlier_pbkdf2_hash_signs_in_and_is_rewritten(portal_hashers, client, world):
    world.rssi.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    world.rssi.save()
    refused = client.post(reverse("login"), {"username": world.rssi.email, "password": "faux"})
    assert refused.status_code == 200
    world.rssi.refresh_from_db()
    assert identify_hasher(world.rssi.password).algorithm == "pbkdf2_sha256"

    response = client.post(reverse("login"), {"username": world.rssi.email, "password": PASSWORD})
    assert response.status_code == 302
    world.rssi.refresh_from_db()
    assert world.rssi.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password(PASSWORD, world.rssi.password)
