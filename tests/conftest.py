"""Shared fixtures: a small two-region world and one person per role.

`world` holds two regions, each with a GHT of two establishments and one establishment
outside any GHT, so every role can be tested inside and outside its scope.
"""

from dataclasses import dataclass

import pytest

from assessments.specs import forget_referential
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
