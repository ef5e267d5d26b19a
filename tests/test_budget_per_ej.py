"""The budget is answered once per legal entity (FINESS EJ) and shown on each of its sites.

Version 2 marks BUDGET-NUMERIQUE ``answered_at: EJ``: the EJ's site of smallest FINESS ET in the
campaign holds the answer; its other sites read it (who answered, from which site), may not
overwrite it, and are scored on it. Version 1 keeps one budget per site.
"""

import pytest
from django.urls import reverse

from assessments.answers import AnswersRejected, save_answers
from assessments.campaigns import carry_over_answers
from assessments.ej_level import holder_of
from assessments.models import Answer, Assessment
from assessments.scoring.service import compute_result, recompute_snapshots
from establishments.models import Role
from referential.models import ReferentialVersion, Requirement
from tests.factories import CampaignFactory, EstablishmentFactory, user_with_role
from tests.v2_campaign import build_v2_campaign

pytestmark = pytest.mark.django_db

BUDGET = "BUDGET-NUMERIQUE"
# 3 % of the global budget: met (the plan's 2 %).
THREE_PERCENT = {"numerator": 300_000, "denominator": 10_000_000}


@pytest.fixture
def ej(world):
    """Three sites of one legal entity in the 2026 campaign, with an RSSI each."""
    v2 = build_v2_campaign(world)
    finess_ej = world.clinic.finess_ej
    sites = [world.clinic] + [
        EstablishmentFactory(department=world.clinic.department, finess_ej=finess_ej)
        for _ in range(2)
    ]
    assessments = {
        site.finess: (v2.clinic if site == world.clinic else v2.assessment_of(site))
        for site in sites
    }
    holder_finess = min(assessments)  # the rule, computed apart: smallest FINESS ET
    rssis = {
        finess: user_with_role(Role.RSSI, a.establishment) for finess, a in assessments.items()
    }
    others = [assessments[f] for f in sorted(assessments) if f != holder_finess]
    return {
        "v2": v2,
        "holder": assessments[holder_finess],
        "others": others,
        "rssi": rssis,
    }


def _save(assessment, user, answers):
    assessment.refresh_from_db()
    return save_answers(
        assessment=assessment, answers=answers, expected_version=assessment.version, user=user
    )


def test_the_data_marks_the_budget_once_per_legal_entity(ej):
    budget = Requirement.objects.get(referential=ej["v2"].referential, code=BUDGET)
    assert budget.is_ej_level
    assert "même périmètre" in budget.help_text.lower()


def test_the_site_of_smallest_finess_holds_the_answer(ej):
    for assessment in [ej["holder"], *ej["others"]]:
        assert holder_of(assessment).pk == ej["holder"].pk


def test_the_holder_answers_and_every_site_is_scored_on_it(ej):
    holder, others = ej["holder"], ej["others"]
    _save(holder, ej["rssi"][holder.establishment.finess], {BUDGET: THREE_PERCENT})
    for other in others:
        assert not Answer.objects.filter(assessment=other, requirement__code=BUDGET).exists()
        assert compute_result(other).statuses[BUDGET] == "met"
        other.refresh_from_db()
        assert other.snapshot_view.status_of(BUDGET) == "met"  # refreshed when the EJ answered
    # The bulk recomputation reads the same answer.
    recompute_snapshots(Assessment.objects.filter(pk__in=[o.pk for o in others]))
    for other in others:
        other = Assessment.objects.get(pk=other.pk)
        assert other.snapshot_view.status_of(BUDGET) == "met"


def test_another_site_may_not_overwrite_the_ej_answer(ej, client):
    holder, other = ej["holder"], ej["others"][0]
    _save(holder, ej["rssi"][holder.establishment.finess], {BUDGET: THREE_PERCENT})
    rssi = ej["rssi"][other.establishment.finess]
    with pytest.raises(AnswersRejected) as rejected:
        _save(other, rssi, {BUDGET: {"numerator": 1, "denominator": 100}})
    message = rejected.value.errors[BUDGET]
    assert holder.establishment.name in message and holder.establishment.finess in message
    # Through the API too; sending back the EJ's answer as read is accepted (nothing written).
    client.force_login(rssi)
    url = f"/api/assessments/{other.pk}/answers/"
    other.refresh_from_db()
    response = client.patch(
        url,
        {"version": other.version, "answers": {BUDGET: {"numerator": 5, "denominator": 10}}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert holder.establishment.name in response.json()["answers"][BUDGET]
    state = client.get(f"/api/assessments/{other.pk}/").json()
    assert state["answers"][BUDGET] == THREE_PERCENT
    echoed = client.patch(
        url,
        {"version": state["version"], "answers": state["answers"]},
        content_type="application/json",
    )
    assert echoed.status_code == 200
    assert not Answer.objects.filter(assessment=other, requirement__code=BUDGET).exists()
    assert Answer.objects.get(assessment=holder, requirement__code=BUDGET).value == THREE_PERCENT


def test_a_stale_answer_of_another_site_is_not_scored(ej):
    holder, other = ej["holder"], ej["others"][0]
    _save(holder, ej["rssi"][holder.establishment.finess], {BUDGET: THREE_PERCENT})
    Answer.objects.create(
        assessment=other,
        requirement=Requirement.objects.get(referential=ej["v2"].referential, code=BUDGET),
        value={"numerator": 0, "denominator": 100},
    )
    assert compute_result(other).statuses[BUDGET] == "met"


def test_other_sites_show_the_answer_read_only_with_who_and_where(ej, client):
    holder, other = ej["holder"], ej["others"][0]
    holder_rssi = ej["rssi"][holder.establishment.finess]
    _save(holder, holder_rssi, {BUDGET: THREE_PERCENT})
    client.force_login(ej["rssi"][other.establishment.finess])
    page = client.get(reverse("assessments:form", args=[other.pk]) + "?step=2").text
    section = page[page.index(f'id="req-{BUDGET}"') :]
    section = section[: section.index("</section>")]
    assert f'name="{BUDGET}__numerator"' not in section  # read-only
    assert "ratio 3 %" in section
    assert holder.establishment.name in section and holder.establishment.finess in section
    assert holder_rssi.get_full_name() in section
    assert "Joindre une preuve" not in section  # evidence belongs with the EJ's answer
    # The holder's page says the answer is shared, and explains the method beside the fields.
    client.force_login(holder_rssi)
    page = client.get(reverse("assessments:form", args=[holder.pk]) + "?step=2").text
    section = page[page.index(f'id="req-{BUDGET}"') :]
    section = section[: section.index("</section>")]
    assert f'name="{BUDGET}__numerator"' in section
    assert other.establishment.name in section
    assert section.count("exploitation et investissement") >= 2  # same perimeter both sides
    assert "Palier du portail" in section and "1 %" in section


def test_version_one_keeps_one_budget_per_site(world, campaign):
    # In the small version-1 referential, BUDGET is answered on each site, even of one EJ.
    site = EstablishmentFactory(
        department=world.clinic.department, finess_ej=world.clinic.finess_ej
    )
    second = Assessment.objects.create(establishment=site, campaign=campaign.campaign)
    rssi_a = user_with_role(Role.RSSI, world.clinic)
    rssi_b = user_with_role(Role.RSSI, site)
    _save(campaign.clinic, rssi_a, {"BUDGET": {"numerator": 3, "denominator": 100}})
    _save(second, rssi_b, {"BUDGET": {"numerator": 0, "denominator": 100}})
    assert compute_result(campaign.clinic).statuses["BUDGET"] == "met"
    assert compute_result(second).statuses["BUDGET"] == "not_met"


def test_carry_over_leaves_the_ej_answer_to_its_holding_site(ej):
    v1 = ReferentialVersion.objects.get(code="CARE", version=1)
    campaign_2025 = CampaignFactory(year=2025, referential=v1)
    other = ej["others"][0]
    rssi = ej["rssi"][other.establishment.finess]
    previous = Assessment.objects.create(establishment=other.establishment, campaign=campaign_2025)
    person = {"name": "Alex Durand", "email": "alex.durand@example.fr"}
    _save(previous, rssi, {BUDGET: THREE_PERCENT, "GOV-RSSI": person})
    other.refresh_from_db()
    result = carry_over_answers(assessment=other, user=rssi, expected_version=other.version)
    assert "GOV-RSSI" in result.copied and BUDGET not in result.copied
    assert ej["holder"].establishment.name in result.skipped[BUDGET]
