"""'Not applicable' needs a reason where version 2 says so (``reason_required_for_na``).

The RSSI types it with the answer: the form, the API and the JSON import refuse an N/A without
one (one rule, in ``assessments.answers``), and the reason is shown to the director (status
page), the ARS (assessment pages, the regional list of N/A answers) and in the PDF annex.
"""

import json
from collections import Counter

import pytest
from django.urls import reverse

from assessments.answers import AnswersRejected, save_answers
from assessments.answers_json import ImportRejected, export_answers, import_answers
from assessments.models import Answer
from establishments.models import Role
from reports.pdf import render_report_html
from tests.factories import EstablishmentFactory, user_with_role
from tests.v2_campaign import build_v2_campaign

pytestmark = pytest.mark.django_db

CODE = "TM-BASTION"  # tristate, N/A allowed, reason required (version 2)
REASON = "Aucun accès de télémaintenance : tous les fournisseurs interviennent sur site."
REFUSED = "le motif est obligatoire"


@pytest.fixture
def v2(world):
    return build_v2_campaign(world)


def _save(assessment, user, answers, **kwargs):
    assessment.refresh_from_db()
    return save_answers(
        assessment=assessment,
        answers=answers,
        expected_version=assessment.version,
        user=user,
        **kwargs,
    )


def _stored(assessment, code=CODE):
    return Answer.objects.filter(assessment=assessment, requirement__code=code).first()


def _form_url(assessment, step="4"):
    return reverse("assessments:form", args=[assessment.pk]) + f"?step={step}"


def test_the_form_refuses_an_empty_reason_and_keeps_a_given_one(client, world, v2):
    client.force_login(world.rssi)
    data = {"version": 0, "baseline": "{}", "save": "x", CODE: "not_applicable"}
    for empty in ("", "   "):
        response = client.post(_form_url(v2.hospital), {**data, f"{CODE}__na_reason": empty})
        assert response.status_code == 200
        assert REFUSED in response.text
        assert _stored(v2.hospital) is None  # nothing written
    response = client.post(_form_url(v2.hospital), {**data, f"{CODE}__na_reason": REASON})
    assert response.status_code == 302
    answer = _stored(v2.hospital)
    assert (answer.value, answer.na_reason) == ("not_applicable", REASON)
    # Another answer clears the reason.
    v2.hospital.refresh_from_db()
    client.post(
        _form_url(v2.hospital),
        {**data, "version": v2.hospital.version, CODE: "yes", f"{CODE}__na_reason": REASON},
    )
    answer = _stored(v2.hospital)
    assert (answer.value, answer.na_reason) == ("yes", "")


def test_the_api_refuses_an_empty_reason(client, world, v2):
    client.force_login(world.rssi)
    url = f"/api/assessments/{v2.hospital.pk}/answers/"
    for body in ({}, {"na_reasons": {CODE: ""}}, {"na_reasons": {CODE: "  "}}):
        response = client.patch(
            url,
            {"version": 0, "answers": {CODE: "not_applicable"}, **body},
            content_type="application/json",
        )
        assert response.status_code == 400
        assert REFUSED in response.json()["answers"][CODE]
        assert _stored(v2.hospital) is None
    response = client.patch(
        url,
        {"version": 0, "answers": {CODE: "not_applicable"}, "na_reasons": {CODE: REASON}},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["na_reasons"] == {CODE: REASON}
    # A reason with another answer is refused; nothing is written.
    response = client.patch(
        url,
        {"version": 1, "answers": {"TM-INVENTAIRE": "yes"}, "na_reasons": {"TM-INVENTAIRE": "x"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "non applicable" in response.json()["answers"]["TM-INVENTAIRE"]
    assert _stored(v2.hospital, "TM-INVENTAIRE") is None


def test_the_json_import_refuses_an_empty_reason(world, v2):
    _save(v2.hospital, world.rssi, {CODE: "not_applicable"}, na_reasons={CODE: REASON})
    exported = export_answers(v2.hospital)
    assert exported["na_reasons"] == {CODE: REASON}
    Answer.objects.filter(assessment=v2.hospital).delete()
    without = {**exported, "na_reasons": {}}
    v2.hospital.refresh_from_db()
    with pytest.raises(ImportRejected) as rejected:
        import_answers(
            assessment=v2.hospital,
            raw=json.dumps(without),
            user=world.rssi,
            expected_version=v2.hospital.version,
        )
    assert any(CODE in line and REFUSED in line for line in rejected.value.messages)
    assert _stored(v2.hospital) is None
    import_answers(
        assessment=v2.hospital,
        raw=json.dumps(exported),
        user=world.rssi,
        expected_version=v2.hospital.version,
    )
    assert _stored(v2.hospital).na_reason == REASON


def test_version_one_accepts_not_applicable_without_reason(world, campaign):
    _save(campaign.hospital, world.rssi, {"D3-BASTION": "not_applicable"})
    assert _stored(campaign.hospital, "D3-BASTION").value == "not_applicable"


def test_the_reason_is_shown_to_the_director_the_ars_and_in_the_pdf(client, world, v2):
    _save(v2.hospital, world.rssi, {CODE: "not_applicable"}, na_reasons={CODE: REASON})
    client.force_login(world.director)
    status = client.get(reverse("assessments:status", args=[v2.hospital.pk])).text
    assert CODE in status and f"« {REASON} »" in status
    client.force_login(world.ars)
    form = client.get(_form_url(v2.hospital)).text
    section = form[form.index(f'id="req-{CODE}"') :]
    assert REASON in section[: section.index("</section>")]
    html = render_report_html(v2.hospital)
    annex = html[html.index("Annexe C") :]
    assert CODE in annex and REASON in annex


@pytest.fixture
def region_answers(world, v2):
    """N/A answers across the region (with and without reasons) and one outside it."""
    extra = EstablishmentFactory(department=world.hospital.department, name="Clinique du Parc")
    extra_assessment = v2.assessment_of(extra)
    extra_rssi = user_with_role(Role.RSSI, extra)
    clinic_rssi = user_with_role(Role.RSSI, world.clinic)
    _save(
        v2.hospital,
        world.rssi,
        {CODE: "not_applicable", "TM-INVENTAIRE": "not_applicable"},
        na_reasons={CODE: REASON, "TM-INVENTAIRE": "Pas de prestataire."},
    )
    _save(v2.clinic, clinic_rssi, {CODE: "not_applicable"}, na_reasons={CODE: "Sans objet."})
    _save(
        extra_assessment,
        extra_rssi,
        {"TM-INVENTAIRE": "not_applicable"},
        na_reasons={"TM-INVENTAIRE": "Aucun."},
    )
    _save(
        v2.other_hospital,
        world.other_rssi,
        {CODE: "not_applicable"},
        na_reasons={CODE: "Hors région."},
    )
    return extra


def _independent_counts(world, campaign):
    """N/A answers of the region's establishments in the campaign, counted in Python."""
    counts = Counter()
    for answer in Answer.objects.select_related("assessment__establishment", "requirement"):
        if (
            answer.value == "not_applicable"
            and answer.assessment.campaign_id == campaign.pk
            and answer.assessment.establishment.region_id == world.region.pk
        ):
            counts[answer.requirement.code] += 1
    return counts


def test_the_ars_lists_its_regions_not_applicable_answers(client, world, v2, region_answers):
    url = reverse("dashboards:region_not_applicable", args=[world.region.code])
    expected = _independent_counts(world, v2.campaign)
    assert sum(expected.values()) == 4
    client.force_login(world.ars)
    page = client.get(url).text
    assert f"{sum(expected.values())} réponses « non applicable »" in page
    assert REASON in page and "Sans objet." in page and "Clinique du Parc" in page
    assert "Hors région." not in page and world.other_hospital.name not in page
    for code, count in expected.items():
        filtered = client.get(url, {"requirement": code}).text
        assert f"{count} réponse" in filtered[filtered.index('id="na-count"') :][:80]
        assert f"{code} —" in filtered
    # The regional dashboard links to the list.
    assert url in client.get(reverse("dashboards:region", args=[world.region.code])).text


@pytest.mark.parametrize("who", ["other_ars", "rssi", "director", "ght_lead"])
def test_the_list_is_scoped(client, world, v2, region_answers, who):
    client.force_login(getattr(world, who))
    url = reverse("dashboards:region_not_applicable", args=[world.region.code])
    assert client.get(url).status_code == 404


def test_the_national_level_sees_every_region(client, world, v2, region_answers):
    client.force_login(world.national)
    url = reverse("dashboards:region_not_applicable", args=[world.other_region.code])
    page = client.get(url).text
    assert "Hors région." in page and "1 réponse « non applicable »" in page


def test_save_answers_refuses_a_reason_without_an_answer(world, v2):
    with pytest.raises(AnswersRejected) as rejected:
        _save(v2.hospital, world.rssi, {}, na_reasons={CODE: REASON})
    assert CODE in rejected.value.errors
