"""The establishment list and detail pages, for every role inside and outside scope."""

import pytest
from django.urls import reverse

from tests.campaigns import build_campaign


@pytest.mark.django_db
def test_pages_require_sign_in(client, world):
    for url in [
        reverse("home"),
        reverse("establishments:list"),
        reverse("establishments:detail", args=[world.hospital.finess]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_login_page_is_public_and_french(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="fr"' in response.text
    assert "Connexion au portail CaRE" in response.text


@pytest.mark.django_db
def test_sign_in_with_email_and_land_on_home(client, world):
    response = client.post(
        reverse("login"),
        {"username": "rssi@example.fr", "password": "correct-horse-battery"},
        follow=True,
    )
    assert response.status_code == 200
    # No campaign is open: nothing to fill yet, and the home page says so.
    assert "Pas encore d’auto-évaluation pour Centre hospitalier de Villefranche" in response.text
    assert "RSSI" in response.text  # the role in the header


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_message(client, world):
    response = client.post(reverse("login"), {"username": "rssi@example.fr", "password": "wrong"})
    assert response.status_code == 200
    assert "fr-alert--error" in response.text
    assert "Adresse électronique ou mot de passe incorrect" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected", "hidden"),
    [
        ("rssi", ["hospital"], ["clinic", "nursing_home", "other_hospital"]),
        ("director", ["hospital"], ["clinic", "other_hospital"]),
        ("ght_lead", ["hospital", "clinic"], ["nursing_home", "other_hospital"]),
        ("ars", ["hospital", "clinic", "nursing_home"], ["other_hospital"]),
        ("national", ["hospital", "clinic", "nursing_home", "other_hospital"], []),
    ],
)
def test_list_and_detail_follow_scope(client, world, role, expected, hidden):
    client.force_login(getattr(world, role))
    listing = client.get(reverse("establishments:list"))
    assert listing.status_code == 200
    for name in expected:
        establishment = getattr(world, name)
        assert establishment.name in listing.text
        detail = client.get(reverse("establishments:detail", args=[establishment.finess]))
        assert detail.status_code == 200
        assert establishment.finess_ej in detail.text
    for name in hidden:
        establishment = getattr(world, name)
        assert establishment.name not in listing.text
        detail = client.get(reverse("establishments:detail", args=[establishment.finess]))
        assert detail.status_code == 404
        assert establishment.name not in detail.text


@pytest.mark.django_db
def test_list_filters(client, world):
    client.force_login(world.national)
    by_kind = client.get(reverse("establishments:list"), {"kind": "ESSMS"})
    assert world.nursing_home.name in by_kind.text
    assert world.hospital.name not in by_kind.text
    by_ght = client.get(reverse("establishments:list"), {"ght": world.ght.code})
    assert world.clinic.name in by_ght.text
    assert world.other_hospital.name not in by_ght.text
    by_region = client.get(reverse("establishments:list"), {"region": "11"})
    assert world.other_hospital.name in by_region.text
    assert world.hospital.name not in by_region.text
    by_number = client.get(reverse("establishments:list"), {"q": world.clinic.finess})
    assert world.clinic.name in by_number.text
    assert world.hospital.name not in by_number.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, offered, withheld",
    [
        ("ars", {"84", "69", "GHT-RHONE"}, {"11", "75"}),
        ("other_rssi", {"11", "75"}, {"84", "69", "GHT-RHONE"}),
        ("national", {"84", "69", "GHT-RHONE", "11", "75"}, set()),
    ],
)
def test_list_filters_offer_only_what_the_person_sees(client, world, role, offered, withheld):
    """Regions, departments and GHTs to filter on: those of the visible establishments only."""
    client.force_login(getattr(world, role))
    form = client.get(reverse("establishments:list")).context["filter"].form
    values = {
        str(value)
        for name in ("region", "department", "ght")
        for value, _label in form.fields[name].choices
        if value != ""
    }
    assert offered <= values
    assert not (withheld & values)


@pytest.mark.django_db
def test_list_is_paginated_with_bounded_queries(client, world, django_assert_max_num_queries):
    from tests.factories import EstablishmentFactory

    EstablishmentFactory.create_batch(60, department=world.hospital.department)
    client.force_login(world.ars)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("establishments:list"))
    assert "Page 1 sur 2" in first.text
    second = client.get(reverse("establishments:list"), {"page": 2})
    assert second.status_code == 200


@pytest.mark.django_db
def test_home_tells_each_role_what_to_do(client, world):
    expectations = {
        # No campaign yet: neither is told to fill or validate (see tests/test_home.py).
        "rssi": "Pas encore d’auto-évaluation pour Centre hospitalier de Villefranche",
        "director": "Pas encore d’auto-évaluation pour Centre hospitalier de Villefranche",
        "ght_lead": "Suivre le GHT GHT-RHONE",
        "ars": "Suivre la région Auvergne-Rhône-Alpes",
        "national": "Suivre le programme au niveau national",
    }
    for role, text in expectations.items():
        client.force_login(getattr(world, role))
        assert text in client.get(reverse("home")).text


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["rssi", "director", "ght_lead", "ars", "national"])
def test_detail_links_to_the_establishment_assessments(client, world, role):
    campaign = build_campaign(world)
    client.force_login(getattr(world, role))
    page = client.get(reverse("establishments:detail", args=[world.hospital.finess])).text
    assert "Auto-évaluations CaRE" in page
    assert "Campagne 2025" in page
    assert reverse("assessments:form", args=[campaign.hospital.pk]) in page
    assert reverse("assessments:status", args=[campaign.hospital.pk]) in page
    # The assessment's own pages lead back here for those who did not come from "my assessments".
    header = client.get(reverse("assessments:status", args=[campaign.hospital.pk])).text
    if role in ("rssi", "director"):
        assert reverse("assessments:mine") in header
    else:
        assert reverse("establishments:detail", args=[world.hospital.finess]) in header
