"""Admin pages of the referential: browse every version; published or used ones are read-only."""

import pytest

from referential.loader import load_referential_file
from referential.models import ReferentialVersion, Requirement
from tests.factories import CampaignFactory, RequirementFactory


@pytest.fixture
def care(db):
    return load_referential_file("fixtures/referential/care-2025.yaml").referential


@pytest.fixture
def draft(db):
    version = ReferentialVersion.objects.create(code="CARE", version=2, title="Projet 2026")
    RequirementFactory(objective__axis__referential=version, code="PROJET-EXIGENCE")
    return version


def _url(obj, action="change"):
    return f"/admin/referential/{obj._meta.model_name}/{obj.pk}/{action}/"


def test_versions_are_listed_with_their_size(admin_client, care, draft):
    page = admin_client.get("/admin/referential/referentialversion/").content.decode()
    assert "Référentiel d&#x27;auto-évaluation CaRE" in page and "Projet 2026" in page
    assert ">56<" in page


def test_a_published_version_can_be_read_but_not_changed_or_deleted(admin_client, care):
    response = admin_client.get(_url(care))
    assert response.status_code == 200
    page = response.content.decode()
    assert "GOV-RSSI" in page, "its requirements are listed"
    assert 'name="_save"' not in page

    assert admin_client.post(_url(care), {"title": "Changé"}).status_code == 403
    assert admin_client.post(_url(care, "delete"), {"post": "yes"}).status_code == 403
    care.refresh_from_db()
    assert care.title == "Référentiel d'auto-évaluation CaRE"

    requirement = care.requirements.get(code="GOV-RSSI")
    assert admin_client.get(_url(requirement)).status_code == 200
    assert admin_client.post(_url(requirement), {"weight": 1}).status_code == 403
    assert Requirement.objects.get(pk=requirement.pk).weight == 3
    assert admin_client.post(_url(requirement, "delete"), {"post": "yes"}).status_code == 403
    objective = care.objectives.get(code="2")
    assert admin_client.post(_url(objective, "delete"), {"post": "yes"}).status_code == 403


def test_a_draft_no_campaign_uses_can_be_corrected(admin_client, draft):
    page = admin_client.get(_url(draft)).content.decode()
    assert 'name="_save"' in page
    requirement = draft.requirements.get()
    assert 'name="_save"' in admin_client.get(_url(requirement)).content.decode()


def test_a_draft_used_by_a_campaign_is_read_only(admin_client, draft):
    CampaignFactory(year=2026, referential=draft)
    assert 'name="_save"' not in admin_client.get(_url(draft)).content.decode()
    assert (
        admin_client.post(_url(draft.requirements.get(), "delete"), {"post": "yes"}).status_code
        == 403
    )


def test_versions_are_not_added_through_the_admin(admin_client, care):
    assert admin_client.get("/admin/referential/referentialversion/add/").status_code == 403


def test_people_without_staff_access_do_not_reach_the_admin(client, world, care):
    client.force_login(world.national)
    response = client.get("/admin/referential/referentialversion/")
    assert response.status_code == 302
