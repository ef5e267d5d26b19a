"""The ARS of the region records GOV-CPOM (action 2-2) for an establishment: its own page, the API,
the audit log; the RSSI sees it read-only with who recorded it and when; never a gap or a score."""

import pytest
from django.core.exceptions import PermissionDenied

from assessments.answers import AnswersRejected, AssessmentLocked, check_answers, save_answers
from assessments.models import Answer, Assessment
from audit.models import Action, AuditEvent
from reports.content import build_report
from reports.pdf import render_report_pdf
from tests.conftest import login
from tests.scoring_v2 import answer_all, v2_assessment
from tests.test_peer_position import pdf_words

pytestmark = pytest.mark.django_db


def ars_url(assessment) -> str:
    return f"/assessments/{assessment.pk}/ars/"


def cpom(assessment):
    return Answer.objects.filter(assessment=assessment, requirement__code="GOV-CPOM").first()


@pytest.fixture
def answered(world):
    assessment = v2_assessment(world.hospital)
    answer_all(assessment, user=world.rssi)
    return assessment


def record(client, world, assessment, value="true"):
    login(client, world.ars)
    assessment.refresh_from_db()
    return client.post(ars_url(assessment), {"version": assessment.version, "GOV-CPOM": value})


def test_the_ars_records_the_cpom_and_the_rssi_sees_it_read_only(client, world, answered):
    before = answered.snapshot.view
    login(client, world.ars)
    page = client.get(ars_url(answered)).content.decode()
    assert 'id="req-GOV-CPOM"' in page and "<fieldset" in page
    # Only the ARS's item is on its page.
    assert 'id="req-GOV-COMITE"' not in page

    response = record(client, world, answered)
    assert response.status_code == 302
    stored = cpom(answered)
    assert (stored.value, stored.updated_by) == (True, world.ars)
    event = AuditEvent.objects.get(action=Action.ARS_ANSWER)
    assert event.establishment == world.hospital
    assert event.actor == world.ars
    assert event.detail["answers"] == {"GOV-CPOM": True}

    answered.refresh_from_db()
    after = answered.snapshot.view
    # Not the establishment's answer: no score moves, never a gap.
    assert (after.score_global, after.score_care) == (before.score_global, before.score_care)
    assert "GOV-CPOM" not in {gap.requirement for gap in after.gaps}
    assert after.recorded_by_ars == {"GOV-CPOM": "met"}

    login(client, world.rssi)
    html = client.get(f"/assessments/{answered.pk}/?step=1").content.decode()
    section = html[html.index('id="req-GOV-CPOM"') :]
    section = section[: section.index("</section>")]
    assert "<fieldset" not in section
    assert "Oui" in section
    assert "Renseigné par l&#x27;ARS le " in section
    assert f"par {world.ars}." in section

    report = build_report(answered)
    line = next(
        line
        for axis in report.axes
        for objective in axis.objectives
        for line in objective.lines
        if line.code == "GOV-CPOM"
    )
    assert line.recorded_note.startswith("Renseigné par l'ARS le ")
    assert "GOV-CPOM" not in {gap.code for gap in report.gaps}
    text = pdf_words(render_report_pdf(answered))
    assert f"Renseigné par l'ARS le {line.recorded_note.split(' le ')[1]}" in text


@pytest.mark.parametrize("role", ["rssi", "director", "ght_lead", "national"])
def test_nobody_but_the_ars_of_the_region_may_record_it(client, world, answered, role):
    login(client, getattr(world, role))
    assert client.get(ars_url(answered)).status_code == 403
    response = client.post(ars_url(answered), {"version": answered.version, "GOV-CPOM": "true"})
    assert response.status_code == 403
    assert cpom(answered) is None
    assert not AuditEvent.objects.filter(action=Action.ARS_ANSWER).exists()


def test_another_regions_ars_finds_nothing(client, world, answered):
    login(client, world.other_ars)
    assert client.get(ars_url(answered)).status_code == 404
    response = client.post(ars_url(answered), {"version": answered.version, "GOV-CPOM": "true"})
    assert response.status_code == 404
    assert cpom(answered) is None


def test_a_bad_value_is_refused_with_a_message_and_nothing_written(client, world, answered):
    response = record(client, world, answered, value="peut-etre")
    assert response.status_code == 400
    assert "invalide" in response.content.decode().lower()
    assert cpom(answered) is None
    assert not AuditEvent.objects.filter(action=Action.ARS_ANSWER).exists()


def test_the_ars_may_record_it_on_a_submitted_assessment(client, world, answered):
    Assessment.objects.filter(pk=answered.pk).update(status=Assessment.Status.SUBMITTED)
    assert record(client, world, answered).status_code == 302
    assert cpom(answered).value is True


def test_the_ars_tab_is_shown_to_the_ars_only(client, world, answered):
    login(client, world.ars)
    assert ars_url(answered) in client.get(f"/assessments/{answered.pk}/status/").content.decode()
    login(client, world.director)
    assert (
        ars_url(answered) not in client.get(f"/assessments/{answered.pk}/status/").content.decode()
    )


# --- through the API ---------------------------------------------------------------------------


def patch(client, assessment, answers):
    assessment.refresh_from_db()
    return client.patch(
        f"/api/assessments/{assessment.pk}/answers/",
        {"version": assessment.version, "answers": answers},
        content_type="application/json",
    )


def test_the_ars_saves_that_item_through_the_api_and_only_that_item(client, world, answered):
    login(client, world.ars)
    assert patch(client, answered, {"GOV-COMITE": "yes"}).status_code == 403
    assert patch(client, answered, {"GOV-CPOM": True, "GOV-COMITE": "yes"}).status_code == 403
    assert cpom(answered) is None

    # "Not applicable" needs the ARS's reason here too.
    response = patch(client, answered, {"GOV-CPOM": "not_applicable"})
    assert response.status_code == 400 and "motif" in str(response.json())
    assert cpom(answered) is None
    answered.refresh_from_db()
    response = client.patch(
        f"/api/assessments/{answered.pk}/answers/",
        {
            "version": answered.version,
            "answers": {"GOV-CPOM": "not_applicable"},
            "na_reasons": {"GOV-CPOM": "Pas de CPOM signé avec cet établissement"},
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    assert cpom(answered).na_reason == "Pas de CPOM signé avec cet établissement"
    assert cpom(answered).value == "not_applicable"
    assert "GOV-CPOM" not in response.json()["answers"]
    assert "GOV-CPOM" not in {gap["requirement"] for gap in response.json()["gaps"]}
    assert AuditEvent.objects.filter(action=Action.ARS_ANSWER).count() == 1

    login(client, world.rssi)
    refused = patch(client, answered, {"GOV-CPOM": True})
    assert refused.status_code == 400
    assert "renseignée par l'ARS" in refused.json()["answers"]["GOV-CPOM"]
    assert cpom(answered).value == "not_applicable"


def test_the_national_level_may_not_save_it_through_the_api(client, world, answered):
    login(client, world.national)
    assert patch(client, answered, {"GOV-CPOM": True}).status_code == 403
    assert cpom(answered) is None


@pytest.mark.parametrize("status", [Assessment.Status.DRAFT, Assessment.Status.SUBMITTED])
def test_the_dry_run_allows_and_refuses_what_the_save_does(world, answered, status):
    """check_answers (the preview before a save) follows the save's rights, the ARS's included."""
    Assessment.objects.filter(pk=answered.pk).update(status=status)
    answered.refresh_from_db()
    assert check_answers(assessment=answered, answers={"GOV-CPOM": True}, user=world.ars) == {
        "GOV-CPOM": True
    }
    assert cpom(answered) is None
    for user, answers in [
        (world.ars, {"GOV-COMITE": True}),
        (world.ars, {"GOV-CPOM": True, "GOV-COMITE": True}),
        (world.director, {"GOV-CPOM": True}),
    ]:
        outcomes = []
        for attempt in (check_answers, save_answers):
            extra = {"expected_version": answered.version} if attempt is save_answers else {}
            try:
                attempt(assessment=answered, answers=answers, user=user, **extra)
                outcomes.append(None)
            except (AssessmentLocked, PermissionDenied, AnswersRejected) as refusal:
                outcomes.append(type(refusal))
        assert outcomes[0] is not None and outcomes[0] == outcomes[1], (user, answers)
