"""Role permissions and the one scope filter behind every `for_user`.

Who may open what is a `rules` permission (`audit.view_log`, `dashboards.view_national`,
`referential.view_drafts`, and `followup.view_relaunch` on one relaunch, beside the assessment
ones); what a
person sees is their scope. A person holding several roles sees the union of what each role
alone would show, on every scoped model.
"""

from __future__ import annotations

import itertools

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import Action, AuditEvent
from establishments.models import GHT, Establishment, Region, Role, RoleAssignment, User
from followup.models import Relaunch
from referential.models import ReferentialVersion
from tests.factories import UserFactory

PERMISSIONS = [
    "audit.view_log",
    "dashboards.view_national",
    "referential.view_drafts",
]
# Who holds each permission, by the name of a person in `world` (plus the three made below).
HOLDERS = {
    "audit.view_log": {"ars", "other_ars", "national", "superuser"},
    "dashboards.view_national": {"national", "superuser"},
    "referential.view_drafts": {"national", "superuser", "staff"},
}
PEOPLE = [
    "rssi",
    "director",
    "ght_lead",
    "ars",
    "other_ars",
    "national",
    "superuser",
    "staff",
    "roleless",
    "anonymous",
]


def _person(world, name: str):
    if name == "anonymous":
        return AnonymousUser()
    if name == "roleless":
        return UserFactory(email="personne@example.fr")
    if name == "staff":
        return UserFactory(email="admin-technique@example.fr", is_staff=True)
    if name == "superuser":
        return UserFactory(email="super@example.fr", is_staff=True, is_superuser=True)
    return getattr(world, name)


@pytest.mark.django_db
@pytest.mark.parametrize(("permission", "name"), list(itertools.product(PERMISSIONS, PEOPLE)))
def test_each_permission_is_held_by_exactly_its_roles(world, permission, name):
    person = _person(world, name)
    assert rules.has_perm(permission, person) is (name in HOLDERS[permission])
    # Asked the Django way, the answer is the same.
    assert person.has_perm(permission) is (name in HOLDERS[permission])


@pytest.mark.django_db
@pytest.mark.parametrize("name", PEOPLE)
def test_a_relaunch_is_opened_by_the_ars_that_sent_it_and_the_national_level(world, name):
    relaunch = Relaunch.objects.create(
        region=world.region, sender_label="ars@example.fr", subject="S", message="M"
    )
    allowed = name in {"ars", "national", "superuser"}
    assert _person(world, name).has_perm("followup.view_relaunch", relaunch) is allowed


@pytest.mark.django_db
def test_a_superuser_sees_the_national_menu_and_their_own_assessments_only_with_a_role(
    client, world
):
    superuser = _person(world, "superuser")
    client.force_login(superuser)
    labels = [item["label"] for item in client.get(reverse("home")).context["nav_items"]]
    assert "Tableau de bord national" in labels
    assert "Journal d'audit" in labels
    assert "Mes auto-évaluations" not in labels
    RoleAssignment.objects.create(user=superuser, role=Role.RSSI, establishment=world.hospital)
    labels = [item["label"] for item in client.get(reverse("home")).context["nav_items"]]
    assert "Mes auto-évaluations" in labels


# --- One scope for every model ---------------------------------------------------------------

ROLE_FIELD = {
    Role.RSSI: "establishment",
    Role.DIRECTOR: "establishment",
    Role.GHT: "ght",
    Role.ARS: "region",
}
# The roles a generated person may hold, as (role, name of the target in `world`).
ASSIGNMENTS = [
    (Role.RSSI, "hospital"),
    (Role.RSSI, "other_hospital"),
    (Role.DIRECTOR, "nursing_home"),
    (Role.GHT, "ght"),
    (Role.GHT, "other_ght"),
    (Role.ARS, "region"),
    (Role.ARS, "other_region"),
    (Role.NATIONAL, None),
]


def _alone(world, role: str, target: str | None) -> dict[str, set]:
    """What one role alone shows, worked out from the world rather than from the scope code."""
    everything = role == Role.NATIONAL
    obj = getattr(world, target) if target else None
    establishments = set(Establishment.objects.all())
    if role in (Role.RSSI, Role.DIRECTOR):
        establishments = {obj}
    elif role == Role.GHT:
        establishments = {e for e in establishments if e.ght_id == obj.pk}
    elif role == Role.ARS:
        establishments = {e for e in establishments if e.region_id == obj.pk}
    regions = set(Region.objects.all()) if everything else ({obj} if role == Role.ARS else set())
    ghts = set(GHT.objects.all()) if everything else set()
    if role == Role.GHT:
        ghts = {obj}
    elif role == Role.ARS:
        ghts = set(GHT.objects.filter(region=obj))
    return {"establishments": establishments, "regions": regions, "ghts": ghts}


def _seen(user) -> dict[str, set]:
    return {
        "establishments": set(Establishment.objects.for_user(user)),
        "regions": set(Region.objects.for_user(user)),
        "ghts": set(GHT.objects.for_user(user)),
    }


def _events_and_relaunches(world) -> tuple[dict, dict]:
    """One audit event filed each way for each region, and one relaunch per region."""
    events = {
        (region.pk, "region"): AuditEvent.objects.create(action=Action.EXPORT, region=region)
        for region in (world.region, world.other_region)
    }
    events[world.region.pk, "establishment"] = AuditEvent.objects.create(
        action=Action.EXPORT, establishment=world.clinic
    )
    events[world.other_region.pk, "establishment"] = AuditEvent.objects.create(
        action=Action.EXPORT, establishment=world.other_hospital
    )
    relaunches = {
        region.pk: Relaunch.objects.create(
            region=region, sender_label="ars@example.fr", subject="S", message="M"
        )
        for region in (world.region, world.other_region)
    }
    return events, relaunches


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(held=st.sets(st.sampled_from(ASSIGNMENTS), min_size=1, max_size=4))
def test_several_roles_see_the_union_of_what_each_shows_alone(world, held):
    with transaction.atomic():  # each example leaves the world as it found it
        _check_union(world, held)
        transaction.set_rollback(True)


def _check_union(world, held) -> None:
    person = UserFactory()
    for role, target in held:
        field = ROLE_FIELD.get(role)
        target_kw = {field: getattr(world, target)} if field else {}
        RoleAssignment.objects.create(user=person, role=role, **target_kw)
    person = User.objects.get(pk=person.pk)
    expected: dict[str, set] = {"establishments": set(), "regions": set(), "ghts": set()}
    for role, target in held:
        for key, objects in _alone(world, role, target).items():
            expected[key] |= objects
    assert _seen(person) == expected
    # A region or GHT held whole (its dashboard's list read for the whole area, its summary's
    # rows standing for what the person sees) is one they see every establishment of.
    scope = person.scope
    areas = [
        (region, "region", Role.ARS, scope.whole_region(region.code))
        for region in (world.region, world.other_region)
    ]
    areas += [
        (ght, "ght", Role.GHT, scope.whole_ght(ght.pk)) for ght in (world.ght, world.other_ght)
    ]
    for area, field, area_role, held_whole in areas:
        whole = any(
            role == Role.NATIONAL or (role == area_role and getattr(world, target) == area)
            for role, target in held
        )
        assert held_whole == whole
        members = set(Establishment.objects.filter(**{field: area}))
        if whole:
            assert members <= expected["establishments"]

    events, relaunches = _events_and_relaunches(world)
    national = any(role == Role.NATIONAL for role, _ in held)
    ars_regions = {getattr(world, target).pk for role, target in held if role == Role.ARS}
    readable = set(events) if national else {key for key in events if key[0] in ars_regions}
    assert set(AuditEvent.objects.for_user(person).filter(action=Action.EXPORT)) == {
        events[key] for key in readable
    }
    assert set(Relaunch.objects.for_user(person)) == {
        relaunch for code, relaunch in relaunches.items() if national or code in ars_regions
    }


@pytest.mark.django_db
def test_drafts_of_the_referential_are_read_by_whoever_may_view_them(world):
    draft = ReferentialVersion.objects.create(code="CARE-T", version=99, title="Brouillon")
    assert draft.status == ReferentialVersion.Status.DRAFT
    for name in PEOPLE:
        person = _person(world, name)
        visible = ReferentialVersion.objects.for_user(person).filter(pk=draft.pk).exists()
        expected = name in HOLDERS["referential.view_drafts"] and name != "anonymous"
        assert visible is expected, name
        if name in {"roleless", "staff", "superuser"}:
            person.delete()
