"""Each role sees exactly its scope, through the one scoping method per model."""

import pytest

from establishments.models import GHT, Establishment, Region


def visible(user) -> set[str]:
    return set(Establishment.objects.for_user(user).values_list("name", flat=True))


@pytest.mark.django_db
def test_each_role_sees_exactly_its_establishments(world):
    all_names = {e.name for e in Establishment.objects.all()}
    assert visible(world.rssi) == {world.hospital.name}
    assert visible(world.director) == {world.hospital.name}
    assert visible(world.ght_lead) == {world.hospital.name, world.clinic.name}
    assert visible(world.ars) == {world.hospital.name, world.clinic.name, world.nursing_home.name}
    assert visible(world.other_ars) == {world.other_hospital.name}
    assert visible(world.national) == all_names


@pytest.mark.django_db
def test_a_person_with_two_roles_sees_both_scopes(world):
    from establishments.roles import grant_role

    grant_role(email=world.rssi.email, role="rssi", scope=world.other_hospital.finess)
    user = type(world.rssi).objects.get(pk=world.rssi.pk)
    assert visible(user) == {world.hospital.name, world.other_hospital.name}


@pytest.mark.django_db
def test_anonymous_and_roleless_people_see_nothing(world, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    roleless = django_user_model.objects.create_user(email="nobody@example.fr", password="x")
    assert not Establishment.objects.for_user(AnonymousUser()).exists()
    assert not Establishment.objects.for_user(roleless).exists()
    assert not GHT.objects.for_user(roleless).exists()
    assert not Region.objects.for_user(roleless).exists()


@pytest.mark.django_db
def test_ght_and_region_scopes(world):
    assert set(GHT.objects.for_user(world.ght_lead)) == {world.ght}
    assert set(GHT.objects.for_user(world.ars)) == {world.ght}
    assert set(GHT.objects.for_user(world.national)) == {world.ght, world.other_ght}
    assert not GHT.objects.for_user(world.rssi).exists()
    assert set(Region.objects.for_user(world.ars)) == {world.region}
    assert set(Region.objects.for_user(world.national)) == set(Region.objects.all())
    assert Region.objects.for_user(world.national).count() == 18  # seeded by a migration
    assert not Region.objects.for_user(world.director).exists()


@pytest.mark.django_db
def test_inactive_user_sees_nothing(world):
    world.ars.is_active = False
    world.ars.save()
    user = type(world.ars).objects.get(pk=world.ars.pk)
    assert not Establishment.objects.for_user(user).exists()
