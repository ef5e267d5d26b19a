"""A dashboard's figures come from the cache only while what they show is unchanged: after any
change the page is the one drawn afresh, and a scope never shows another's figures."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from assessments import workflow
from assessments.answers import save_answers
from dashboards import views
from establishments.models import GHT, Establishment, Role
from establishments.services import _registry_changed
from tests.answers import complete_answers, given_by_ght_lead
from tests.campaigns import build_campaign
from tests.factories import EstablishmentFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(world, django_capture_on_commit_callbacks):
    campaign = build_campaign(world)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("recompute_scores", campaign=2025)
    return campaign


@pytest.fixture
def drawings(monkeypatch):
    """How many times the figures were drawn (not served from the cache)."""
    calls = []
    real = views._figures_context

    def counted(dashboard):
        calls.append(dashboard.level)
        return real(dashboard)

    monkeypatch.setattr(views, "_figures_context", counted)
    return calls


def figures_html(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    figures = response.context["figures"]
    return str(figures.top) + str(figures.bottom)


def fresh_html(client, url, **params) -> str:
    """The same page drawn with an empty cache."""
    cache.clear()
    return figures_html(client, url, **params)


def rssi_work(world, hospital) -> list:
    """An RSSI's changes to the hospital's assessment: its answers saved, then submitted."""
    return [
        lambda: save_answers(
            assessment=hospital,
            answers=given_by_ght_lead(hospital, complete_answers()),
            expected_version=0,
            user=world.rssi,
        ),
        lambda: workflow.submit(assessment=hospital, user=world.rssi),
    ]


def test_unchanged_figures_are_drawn_once(client, world, built, drawings):
    client.force_login(world.national)
    url = reverse("dashboards:national")
    first = figures_html(client, url)
    assert figures_html(client, url) == first
    assert figures_html(client, url, page="2", sort="-score") == first
    assert drawings == ["national"]
    # An unknown compared target is the default one: the same drawing; another target is
    # another drawing.
    assert figures_html(client, url, compare="inconnue") == first
    assert drawings == ["national"]
    targets = client.get(url).context["dashboard"].targets
    assert len(targets) > 1
    other = next(t.key for t in targets[1:] if t.key != "submitted")
    figures_html(client, url, compare=other)
    assert drawings == ["national", "national"]


def test_after_every_kind_of_change_the_page_is_drawn_afresh(
    client, world, built, drawings, django_capture_on_commit_callbacks
):
    client.force_login(world.national)
    url = reverse("dashboards:national")
    before = figures_html(client, url)

    def changed(change) -> None:
        nonlocal before
        with django_capture_on_commit_callbacks(execute=True):
            change()
        drawn = len(drawings)
        after = figures_html(client, url)
        assert len(drawings) == drawn + 1, "the change was not seen"
        assert after != before
        assert after == fresh_html(client, url)
        before = after

    hospital = built.hospital

    for change in rssi_work(world, hospital):
        changed(change)
    changed(lambda: workflow.validate(assessment=hospital, user=world.director))
    changed(lambda: GHT.objects.filter(pk=world.ght.pk).update(name="GHT Rhône Renommé"))
    assert "GHT Rhône Renommé" in before
    changed(
        lambda: EstablishmentFactory(department=world.hospital.department) and _registry_changed()
    )


def test_each_region_sees_its_own_figures(client, world, built):
    other_ars = user_with_role(Role.ARS, world.other_region, email="ars-autre@example.fr")
    client.force_login(world.ars)
    mine = figures_html(client, reverse("dashboards:region", args=[world.region.code]))
    client.force_login(other_ars)
    theirs = figures_html(client, reverse("dashboards:region", args=[world.other_region.code]))
    assert mine != theirs
    assert world.other_ght.name in theirs and world.other_ght.name not in mine
    assert theirs == fresh_html(
        client, reverse("dashboards:region", args=[world.other_region.code])
    )


def test_a_ght_page_follows_its_support_establishment(client, world, built):
    client.force_login(world.ght_lead)
    url = reverse("dashboards:ght", args=[world.ght.code])
    before = figures_html(client, url)
    assert world.hospital.name in before
    Establishment.objects.filter(pk=world.hospital.pk).update(name="Centre hospitalier renommé")
    after = figures_html(client, url)
    assert "Centre hospitalier renommé" in after
    assert after == fresh_html(client, url)


def test_a_region_page_follows_a_ght_of_another_region_and_the_ght_items(client, world, built):
    # A member of the region whose GHT lies in another region.
    EstablishmentFactory(department=world.hospital.department, ght=world.other_ght)
    call_command("check_summary", campaign=2025, rebuild=True)
    client.force_login(world.ars)
    url = reverse("dashboards:region", args=[world.region.code])
    before = figures_html(client, url)
    assert world.other_ght.name in before
    GHT.objects.filter(pk=world.other_ght.pk).update(name="GHT Paris Renommé")
    after = figures_html(client, url)
    assert "GHT Paris Renommé" in after
    assert after == fresh_html(client, url)
    # A GHT-level item corrected in the administration (saved: the referential is read again).
    item = built.requirements["GHT-CONVERGENCE"]
    item.label = "Convergence des annuaires, libellé corrigé"
    item.save()
    corrected = figures_html(client, url)
    assert "libellé corrigé" in corrected
    assert corrected == fresh_html(client, url)


def test_an_ars_counts_only_the_ght_members_of_its_region(client, world, built):
    """A GHT with a member in another region: its ARS's GHT page counts (from the summary)
    only the members it may see; the GHT lead counts them all."""
    paris = world.other_hospital.department
    EstablishmentFactory(department=paris, ght=world.ght)
    call_command("check_summary", campaign=2025, rebuild=True)
    url = reverse("dashboards:ght", args=[world.ght.code])
    members = Establishment.objects.filter(ght=world.ght, is_active=True)
    client.force_login(world.ars)
    page = client.get(url)
    assert page.context["figures"].total == members.filter(region=world.region).count()
    assert page.context["page_obj"].paginator.count == page.context["figures"].total
    client.force_login(world.ght_lead)
    assert client.get(url).context["figures"].total == members.count()


def test_a_ght_list_is_each_persons_own(client, world, built):
    """The same GHT page, the same query: its ARS lists only the members in its region, the
    GHT lead every member, whichever drew the list first."""
    paris = world.other_hospital.department
    elsewhere = EstablishmentFactory(department=paris, ght=world.ght, name="Clinique de Paris")
    call_command("check_summary", campaign=2025, rebuild=True)
    url = reverse("dashboards:ght", args=[world.ght.code])
    client.force_login(world.ght_lead)
    assert elsewhere.name in list_html(client, url)
    client.force_login(world.ars)
    assert elsewhere.name not in list_html(client, url)
    assert world.hospital.name in list_html(client, url)
    client.force_login(world.ght_lead)
    assert elsewhere.name in list_html(client, url)


# --- The establishment list ---------------------------------------------------------------------


def list_html(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return str(response.context["establishment_list"])


def fresh_list(client, url, **params) -> str:
    cache.clear()
    return list_html(client, url, **params)


@pytest.fixture
def list_drawings(monkeypatch):
    """The rows decorated for drawing (the list not served from the cache)."""
    calls = []
    real = views.decorate

    def counted(row, targets):
        calls.append(row["finess"])
        return real(row, targets)

    monkeypatch.setattr(views, "decorate", counted)
    return calls


def test_an_unchanged_list_is_drawn_once_for_each_query(client, world, built, list_drawings):
    client.force_login(world.ars)
    url = reverse("dashboards:region", args=[world.region.code])
    first = list_html(client, url)
    drawn = len(list_drawings)
    assert drawn > 0
    assert list_html(client, url) == first
    assert len(list_drawings) == drawn
    # Another sort, filter or page is another list, drawn in its turn.
    by_score = list_html(client, url, sort="-score")
    assert len(list_drawings) == 2 * drawn
    assert by_score != first
    assert list_html(client, url, sort="-score") == by_score
    assert len(list_drawings) == 2 * drawn
    filtered = list_html(client, url, kind="ES")
    assert filtered != first
    assert filtered == fresh_list(client, url, kind="ES")


def test_a_list_asked_with_unknown_parameters_or_a_search_is_not_kept(
    client, world, built, list_drawings
):
    client.force_login(world.ars)
    url = reverse("dashboards:region", args=[world.region.code])
    for params in ({"x": "1"}, {"q": world.hospital.name[:8]}):
        before = len(list_drawings)
        first = list_html(client, url, **params)
        drawn = len(list_drawings) - before
        assert drawn > 0
        assert list_html(client, url, **params) == first
        assert len(list_drawings) == before + 2 * drawn


def test_the_list_follows_every_change_to_its_rows(
    client, world, built, django_capture_on_commit_callbacks
):
    client.force_login(world.ars)
    url = reverse("dashboards:region", args=[world.region.code])
    before = list_html(client, url)
    hospital = built.hospital

    def changed(change) -> str:
        nonlocal before
        with django_capture_on_commit_callbacks(execute=True):
            change()
        after = list_html(client, url)
        assert after != before, "the change was not seen"
        assert after == fresh_list(client, url)
        before = after
        return after

    for change in rssi_work(world, hospital):
        changed(change)
    shown = changed(
        lambda: Establishment.objects.filter(pk=world.hospital.pk).update(
            name="Centre hospitalier renommé"
        )
    )
    assert "Centre hospitalier renommé" in shown
    changed(lambda: EstablishmentFactory(department=world.hospital.department))


def test_each_region_lists_its_own_establishments(client, world, built):
    other_ars = user_with_role(Role.ARS, world.other_region, email="ars-autre@example.fr")
    client.force_login(world.ars)
    mine = list_html(client, reverse("dashboards:region", args=[world.region.code]))
    client.force_login(other_ars)
    theirs = list_html(client, reverse("dashboards:region", args=[world.other_region.code]))
    assert world.hospital.name in mine and world.hospital.name not in theirs
    assert world.other_hospital.name in theirs and world.other_hospital.name not in mine
