"""Sign-in throttling holds whatever spelling of the address is typed, and against spraying."""

import functools
import unicodedata
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from audit.models import Action, AuditEvent
from establishments.models import User
from tests.factories import user_with_role

PASSWORD = "correct-horse-battery"
ADDRESS = "rssi@example.fr"


def sign_in(client, name, password=PASSWORD, ip="127.0.0.1"):
    return client.post(reverse("login"), {"username": name, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@functools.cache
def _look_alike_table() -> dict[str, list[str]]:
    """For each character, every character that compatibility and case folding turn into it."""
    table: dict[str, list[str]] = {}
    for point in range(0x110000):
        candidate = chr(point)
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", candidate).casefold())
        if len(folded) == 1:
            table.setdefault(folded, []).append(candidate)
    return table


def look_alikes(char: str) -> list[str]:
    return _look_alike_table()[char]


# Characters a form strips around the address: plain, non-breaking, ideographic spaces…
SPACES = [" ", "\t", "\u00a0", "\u2003", "\u3000"]


@st.composite
def spellings(draw, address=ADDRESS):
    """The address with any of its characters replaced by a look-alike, spaces around it."""
    body = "".join(draw(st.sampled_from(look_alikes(char))) for char in address)
    before = draw(st.text(st.sampled_from(SPACES), max_size=2))
    after = draw(st.text(st.sampled_from(SPACES), max_size=2))
    return before + body + after


def test_the_look_alikes_cover_the_classes_the_review_tried():
    assert "\uff52" in look_alikes("r")  # fullwidth
    assert "R" in look_alikes("r") and "\U0001d42b" in look_alikes("r")  # capital, mathematical
    assert "\u24e1" in look_alikes("r")  # circled
    assert "\u017f" in look_alikes("s")  # long s, by case folding
    assert "\uff20" in look_alikes("@") and "\uff0e" in look_alikes(".")


lockout_examples = hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@lockout_examples
@given(st.data())
def test_every_spelling_signs_in_to_the_account(world, data):
    spelling = data.draw(spellings())
    client = Client()
    response = sign_in(client, spelling)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.rssi.pk)
    AccessAttempt.objects.all().delete()


@pytest.mark.django_db
@lockout_examples
@given(st.data())
def test_after_the_limit_no_spelling_signs_in(world, data):
    AccessAttempt.objects.all().delete()
    limit = django_settings.AXES_FAILURE_LIMIT
    client = Client()
    for _attempt in range(limit):
        response = sign_in(client, data.draw(spellings()), "wrong")
    assert response.status_code == 429
    for _attempt in range(3):
        locked = sign_in(client, data.draw(spellings()))
        assert locked.status_code == 429
        assert "Connexion temporairement bloquée" in locked.text
        assert not signed_in(client)
    # Recorded under the account's own address, whatever was typed.
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {ADDRESS}
    assert AuditEvent.objects.filter(action=Action.LOCKOUT, target=ADDRESS).exists()
    assert set(
        AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED).values_list("target", flat=True)
    ) == {ADDRESS}


@pytest.mark.django_db
def test_an_account_created_with_capitals_or_look_alikes_is_stored_normalised(world):
    person = User.objects.create_user(email=" Ｊeanne.Dupont@Example.FR ", password=PASSWORD)
    assert person.email == "jeanne.dupont@example.fr"
    client = Client()
    assert sign_in(client, "JEANNE.DUPONT@example.fr").status_code == 302


@pytest.mark.django_db
def test_addresses_saved_with_capitals_are_normalised_by_the_migration(world):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("establishments.migrations.0003_normalize_user_addresses")
    User.objects.filter(pk=world.rssi.pk).update(email="RSSI@Example.fr")
    User.objects.filter(pk=world.director.pk).update(email="Ｄirection@example.fr")
    migration.normalize_addresses(apps, None)
    assert User.objects.get(pk=world.rssi.pk).email == ADDRESS
    assert User.objects.get(pk=world.director.pk).email == "direction@example.fr"


# --- Password spraying --------------------------------------------------------------------------


@pytest.mark.django_db
def test_many_accounts_from_one_address_lock_that_address(world, settings):
    settings.CARE_SIGN_IN_ADDRESS_FAILURE_LIMIT = 13
    assert settings.AXES_FAILURE_LIMIT == 5
    accounts = [world.rssi, world.director, world.ght_lead, world.other_rssi]
    client = Client()
    # Three wrong guesses per account: no pair reaches its own limit of 5.
    for _round in range(3):
        for person in accounts:
            response = sign_in(client, person.email, "wrong", ip="203.0.113.7")
            assert response.status_code == 200
    response = sign_in(client, world.national.email, "wrong", ip="203.0.113.7")
    assert response.status_code == 429
    assert "depuis votre adresse réseau" in response.text
    assert "(13 échecs)" in response.text
    # Every account, even with its right password, is refused from that address…
    for person in [world.rssi, world.national]:
        assert sign_in(client, person.email, ip="203.0.113.7").status_code == 429
    assert not signed_in(client)
    # …and still signs in from another one.
    assert sign_in(Client(), world.rssi.email, ip="198.51.100.1").status_code == 302
    assert AuditEvent.objects.filter(action=Action.LOCKOUT).exists()


@pytest.mark.django_db
def test_one_account_from_many_addresses_locks_that_account(world, settings):
    settings.CARE_SIGN_IN_ACCOUNT_FAILURE_LIMIT = 8
    for n in range(8):
        response = sign_in(Client(), world.rssi.email.upper(), "wrong", ip=f"192.0.2.{n + 1}")
    assert response.status_code == 429
    assert "pour ce compte, depuis plusieurs adresses" in response.text
    assert "(8 échecs)" in response.text
    # The person's own machine, never used for a wrong guess, is refused too.
    own = Client()
    assert sign_in(own, world.rssi.email, ip="198.51.100.1").status_code == 429
    assert not signed_in(own)
    # Other accounts are not affected.
    assert sign_in(Client(), world.director.email, ip="192.0.2.1").status_code == 302


def test_the_spraying_limits_are_configurable_and_higher_than_the_pairs():
    assert django_settings.CARE_SIGN_IN_ADDRESS_FAILURE_LIMIT == 30
    assert django_settings.CARE_SIGN_IN_ACCOUNT_FAILURE_LIMIT == 15
    assert django_settings.AXES_FAILURE_LIMIT == 5


@pytest.mark.django_db
def test_signing_in_to_ones_own_account_does_not_wipe_the_address_count(world, settings):
    settings.CARE_SIGN_IN_ADDRESS_FAILURE_LIMIT = 9
    attacker = user_with_role("rssi", world.clinic, email="attaquant@example.fr")
    client = Client()
    for person in [world.director, world.ght_lead]:
        for _attempt in range(4):
            sign_in(client, person.email, "wrong")
    # A success forgets only that account's failures from that address.
    assert sign_in(client, attacker.email).status_code == 302
    client.post(reverse("logout"))
    assert sign_in(client, world.national.email, "wrong").status_code == 429


@pytest.mark.django_db
def test_a_success_before_the_limit_forgets_the_typos(world):
    client = Client()
    for _attempt in range(4):
        sign_in(client, " RSSI@example.fr", "wrong")
    assert sign_in(client, "ｒssi@example.fr").status_code == 302
    client.post(reverse("logout"))
    for _attempt in range(4):
        assert sign_in(client, world.rssi.email, "wrong").status_code == 200
    assert sign_in(client, world.rssi.email).status_code == 302


# --- Cool-off -----------------------------------------------------------------------------------


def _travel_past_the_cool_off():
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.order_by("-attempt_time").first().attempt_time
        - django_settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["pair", "address", "account"])
def test_the_lock_lifts_after_the_cool_off(world, settings, kind):
    settings.CARE_SIGN_IN_ADDRESS_FAILURE_LIMIT = 6
    settings.CARE_SIGN_IN_ACCOUNT_FAILURE_LIMIT = 6
    if kind == "pair":
        guesses = [(world.rssi.email, "127.0.0.1")] * 5
    elif kind == "address":
        guesses = [(world.director.email, "127.0.0.1")] * 3 + [
            (world.ght_lead.email, "127.0.0.1")
        ] * 3
    else:
        guesses = [(world.rssi.email, f"192.0.2.{n}") for n in range(1, 7)]
    for name, ip in guesses:
        sign_in(Client(), name, "wrong", ip=ip)
    client = Client()
    assert sign_in(client, world.rssi.email).status_code == 429
    _travel_past_the_cool_off()
    assert sign_in(client, world.rssi.email).status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_an_administrator_can_lift_a_lock_with_axes_reset(world):
    from axes.utils import reset

    client = Client()
    for _attempt in range(5):
        sign_in(client, "RSSI@EXAMPLE.FR", "wrong")
    assert sign_in(client, world.rssi.email).status_code == 429
    assert reset(username=ADDRESS) >= 1
    assert sign_in(client, world.rssi.email).status_code == 302
