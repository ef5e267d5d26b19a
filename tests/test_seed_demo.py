"""`seed_demo` builds a usable demo through the real import path, and can be run twice."""

from io import StringIO

import pytest
from django.core.management import call_command

from establishments.models import GHT, Establishment, Kind, Region, User
from referential.models import ReferentialVersion


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


@pytest.mark.django_db
def test_demo_registry_is_populated(demo):
    assert Region.objects.count() == 18
    assert Establishment.objects.filter(kind=Kind.ES).count() > 100
    assert Establishment.objects.filter(kind=Kind.ESSMS).count() > 100
    assert Establishment.objects.values("region").distinct().count() == 18
    assert GHT.objects.count() >= 10
    assert Establishment.objects.filter(ght__isnull=False).exists()


@pytest.mark.django_db
def test_demo_accounts_sign_in_and_see_their_scope(demo, client):
    expected = {
        "national@demo.care.fr": Establishment.objects.count(),
        "ars.ara@demo.care.fr": Establishment.objects.filter(region_id="84").count(),
        "rssi@demo.care.fr": 1,
        "direction@demo.care.fr": 1,
        "rssi.ehpad@demo.care.fr": 1,
    }
    for email, count in expected.items():
        assert client.login(username=email, password="demo-care-2025"), email
        user = User.objects.get(email=email)
        assert Establishment.objects.for_user(user).count() == count
        assert client.get("/").status_code == 200
        client.logout()
    ght_lead = User.objects.get(email="ght@demo.care.fr")
    ght = ght_lead.assignments[0].ght
    assert set(Establishment.objects.for_user(ght_lead)) == set(ght.establishments.all())


@pytest.mark.django_db
def test_seed_demo_is_idempotent(demo):
    counts = (Establishment.objects.count(), User.objects.count(), GHT.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Establishment.objects.count(), User.objects.count(), GHT.objects.count()) == counts


@pytest.mark.django_db
def test_demo_loads_the_care_referential(demo):
    care = ReferentialVersion.objects.get(code="CARE", version=1)
    assert care.status == ReferentialVersion.Status.PUBLISHED
    assert care.objectives.count() == 20
    call_command("seed_demo", stdout=StringIO())
    assert ReferentialVersion.objects.count() == 1
