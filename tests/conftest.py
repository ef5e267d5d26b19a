"""Shared fixtures: a small two-region world and one person per role.

`world` holds two regions, each with a GHT of two establishments and one establishment
outside any GHT, so every role can be tested inside and outside its scope.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.test import Client

from assessments.scoring.compiled import forget_referential
from establishments.models import GHT, Establishment, Kind, Region, Role, User
from tests.campaigns import CampaignWorld, build_campaign
from tests.factories import (
    DepartmentFactory,
    EstablishmentFactory,
    GHTFactory,
    RegionFactory,
    user_with_role,
)


@dataclass
class World:
    region: Region
    other_region: Region
    ght: GHT
    other_ght: GHT
    hospital: Establishment  # member of `ght`, its support establishment
    clinic: Establishment  # member of `ght`
    nursing_home: Establishment  # ESSMS in `region`, no GHT
    other_hospital: Establishment  # in `other_region`, member of `other_ght`
    rssi: User
    director: User
    ght_lead: User
    ars: User
    other_ars: User
    national: User
    other_rssi: User  # RSSI of `other_hospital`


@pytest.fixture
def world(db) -> World:
    region = RegionFactory(code="84", name="Auvergne-Rhône-Alpes")
    other_region = RegionFactory(code="11", name="Île-de-France")
    rhone = DepartmentFactory(code="69", name="Rhône", region=region)
    paris = DepartmentFactory(code="75", name="Paris", region=other_region)
    ght = GHTFactory(code="GHT-RHONE", name="GHT Rhône Centre", region=region)
    other_ght = GHTFactory(code="GHT-PARIS", name="GHT Paris Nord", region=other_region)
    hospital = EstablishmentFactory(
        department=rhone, ght=ght, name="Centre hospitalier de Villefranche"
    )
    ght.support_establishment = hospital
    ght.support_ej = hospital.finess_ej
    ght.save()
    clinic = EstablishmentFactory(department=rhone, ght=ght, name="Hôpital de Tarare")
    nursing_home = EstablishmentFactory(
        department=rhone,
        name="EHPAD Les Tilleuls",
        kind=Kind.ESSMS,
        category_code="500",
        category_label="Etablissement d'hébergement pour personnes âgées dépendantes",
    )
    other_hospital = EstablishmentFactory(
        department=paris, ght=other_ght, name="Hôpital Lariboisière Test"
    )
    return World(
        region=region,
        other_region=other_region,
        ght=ght,
        other_ght=other_ght,
        hospital=hospital,
        clinic=clinic,
        nursing_home=nursing_home,
        other_hospital=other_hospital,
        rssi=user_with_role(Role.RSSI, hospital, email="rssi@example.fr"),
        director=user_with_role(Role.DIRECTOR, hospital, email="direction@example.fr"),
        ght_lead=user_with_role(Role.GHT, ght, email="ght@example.fr"),
        ars=user_with_role(Role.ARS, region, email="ars@example.fr"),
        other_ars=user_with_role(Role.ARS, other_region, email="ars-idf@example.fr"),
        national=user_with_role(Role.NATIONAL, None, email="national@example.fr"),
        other_rssi=user_with_role(Role.RSSI, other_hospital, email="autre@example.fr"),
    )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing passwords properly is slow by design; the tests don't need that strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def campaign(world) -> CampaignWorld:
    """A 2025 campaign on a small referential, one draft assessment per establishment of `world`."""
    return build_campaign(world)


@pytest.fixture(autouse=True)
def _forget_compiled_referentials():
    """Database ids come back between tests: never score against another test's referential."""
    forget_referential()


# --- Signing in within tests ------------------------------------------------------------------
# ARS, national and admin accounts must pass a second factor (accounts.middleware). Tests sign in
# with `client.force_login(user)` as usual: the `client` and `admin_client` fixtures below also
# mark the session as having passed the second factor, as a real sign-in would. To test the
# second factor itself, use the `unverified_client` fixture (a plain Django test client).


def mark_two_factor_verified(client, user) -> None:
    """Record in the client's session that `user` passed the second factor."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def login(client, user) -> None:
    """Sign `user` in on `client`, second factor included."""
    client.force_login(user)
    mark_two_factor_verified(client, user)


class VerifiedClient(Client):
    """A test client whose `force_login` and `login` also pass the second factor."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        mark_two_factor_verified(self, user)

    def login(self, **credentials):
        # Sign-in throttling needs the request to count failures per address.
        request = HttpRequest()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        user = authenticate(request, **credentials)
        if user is None:
            return False
        self._login(user)
        mark_two_factor_verified(self, user)
        return True


@pytest.fixture
def client():
    return VerifiedClient()


@pytest.fixture
def unverified_client():
    return Client()


@pytest.fixture
def admin_client(db, admin_user):
    client = VerifiedClient()
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """API throttling counts requests in the cache, and user ids come back between tests."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    """Background tasks run at once, with their real code, inside the test."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def pytest_collection_modifyitems(items):
    """The browser tests are marked `e2e` and run after the rest of the suite."""
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
