"""The crisis exercise register is the one source of the exercise questions, in both versions of
the CaRE referential: the answers, the score and the targets follow the register, and no form,
API call or import can give them another value."""

import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments.answers import AnswersRejected, save_answers
from assessments.answers_json import ImportRejected, export_answers, import_answers
from assessments.exercises import delete_exercise, follow_register, record_exercise
from assessments.models import Answer, ScoreSnapshot
from assessments.workbook import ANSWER, WorkbookRejected, build_workbook, preview_workbook
from care_portal.formats import format_date
from referential.loader import load_referential_file
from tests.factories import AssessmentFactory, CampaignFactory

pytestmark = pytest.mark.django_db

FILES = {1: "fixtures/referential/care-2025.yaml", 2: "fixtures/referential/care-2026.yaml"}


def days_ago(days: int):
    return timezone.localdate() - timedelta(days=days)


@pytest.fixture(params=[1, 2], ids=["v1", "v2"])
def hospital(request, world):
    referential = load_referential_file(FILES[request.param]).referential
    campaign = CampaignFactory(year=2024 + request.param, referential=referential)
    return AssessmentFactory(establishment=world.hospital, campaign=campaign)


def stored(assessment) -> dict:
    return dict(
        Answer.objects.filter(assessment=assessment).values_list("requirement__code", "value")
    )


def snapshot(assessment) -> ScoreSnapshot:
    return ScoreSnapshot.objects.get(assessment=assessment)


def log(assessment, user, days: int):
    return record_exercise(
        assessment=assessment,
        user=user,
        held_on=days_ago(days),
        kind="tabletop",
        scenario="Rançongiciel sur le dossier patient informatisé",
    ).exercise


def test_the_register_sets_the_answers_and_the_score(world, hospital):
    # Any save of the RSSI writes the register's reading: no exercise yet, « non ».
    save_answers(
        assessment=hospital, answers={"GOV-COMITE": "yes"}, expected_version=0, user=world.rssi
    )
    assert stored(hospital)["CRISE-EXERCICE"] is False
    assert "CRISE-EXERCICE-DATE" not in stored(hospital)
    empty = snapshot(hospital)
    assert empty.detail["statuses"]["CRISE-EXERCICE"] == "not_met"
    assert empty.hl_exercise is False

    old = log(hospital, world.rssi, 500)
    assert stored(hospital)["CRISE-EXERCICE"] is True
    assert stored(hospital)["CRISE-EXERCICE-DATE"] == days_ago(500).isoformat()
    older = snapshot(hospital)
    assert older.detail["statuses"]["CRISE-EXERCICE"] == "met"
    assert older.detail["statuses"]["CRISE-EXERCICE-DATE"] == "partial"
    assert older.score_global > empty.score_global

    recent = log(hospital, world.rssi, 30)
    assert stored(hospital)["CRISE-EXERCICE-DATE"] == days_ago(30).isoformat()
    assert snapshot(hospital).detail["statuses"]["CRISE-EXERCICE-DATE"] == "met"
    assert snapshot(hospital).hl_exercise is True
    assert snapshot(hospital).score_global > older.score_global

    delete_exercise(assessment=hospital, exercise=recent, user=world.rssi)
    assert stored(hospital)["CRISE-EXERCICE-DATE"] == days_ago(500).isoformat()
    assert snapshot(hospital).score_global == pytest.approx(older.score_global)
    delete_exercise(assessment=hospital, exercise=old, user=world.rssi)
    assert stored(hospital)["CRISE-EXERCICE"] is False
    assert stored(hospital)["CRISE-EXERCICE-DATE"] is None
    assert snapshot(hospital).score_global == pytest.approx(empty.score_global)
    assert snapshot(hospital).hl_exercise is False


@pytest.mark.parametrize(
    "typed", [{"CRISE-EXERCICE": True}, {"CRISE-EXERCICE-DATE": "2025-01-15"}], ids=str
)
def test_a_typed_exercise_answer_is_refused_naming_the_question(world, hospital, typed):
    (code,) = typed
    with pytest.raises(AnswersRejected) as refused:
        save_answers(assessment=hospital, answers=typed, expected_version=0, user=world.rssi)
    assert f"« {code} » se lit dans le registre des exercices" in refused.value.errors[code]
    assert "aucun exercice enregistré" in refused.value.errors[code]
    hospital.refresh_from_db()
    assert hospital.version == 0 and stored(hospital) == {}


def test_the_api_refuses_an_exercise_answer_with_a_400(client, world, hospital):
    log(hospital, world.rssi, 30)
    hospital.refresh_from_db()
    client.force_login(world.rssi)
    response = client.patch(
        f"/api/assessments/{hospital.pk}/answers/",
        {"version": hospital.version, "answers": {"CRISE-EXERCICE-DATE": "2020-01-01"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    message = response.json()["answers"]["CRISE-EXERCICE-DATE"]
    assert "registre des exercices de crise" in message
    assert f"dernier exercice enregistré le {format_date(days_ago(30))}" in message
    assert stored(hospital)["CRISE-EXERCICE-DATE"] == days_ago(30).isoformat()
    # What the API returns, sent back as read, is accepted.
    state = client.get(f"/api/assessments/{hospital.pk}/").json()
    assert state["answers"]["CRISE-EXERCICE-DATE"] == days_ago(30).isoformat()
    again = client.patch(
        f"/api/assessments/{hospital.pk}/answers/",
        {"version": state["version"], "answers": {"CRISE-EXERCICE-DATE": days_ago(30).isoformat()}},
        content_type="application/json",
    )
    assert again.status_code == 200


def test_a_json_import_changing_the_exercise_date_is_refused_with_its_line(world, hospital):
    log(hospital, world.rssi, 30)
    hospital.refresh_from_db()
    data = export_answers(hospital)
    data["answers"]["CRISE-EXERCICE-DATE"] = "2021-03-01"
    text = json.dumps(data, indent=2, ensure_ascii=False)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if '"CRISE-EXERCICE-DATE"' in row)
    before = stored(hospital)
    with pytest.raises(ImportRejected) as refused:
        import_answers(
            assessment=hospital,
            raw=text.encode(),
            user=world.rssi,
            expected_version=hospital.version,
        )
    listed = [m for m in refused.value.messages if "CRISE-EXERCICE-DATE" in m]
    assert listed and listed[0].startswith(f"ligne {line}, « CRISE-EXERCICE-DATE »")
    assert "registre des exercices" in listed[0]
    assert stored(hospital) == before


def test_a_workbook_changing_the_exercise_answer_is_refused_with_its_row(world, hospital):
    hospital.refresh_from_db()
    workbook = load_workbook(io.BytesIO(build_workbook(hospital, world.rssi)))
    found = None
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            if row[0].value == "CRISE-EXERCICE":
                found = (sheet, row[0].row)
    assert found is not None
    sheet, row = found
    assert sheet[f"{ANSWER}{row}"].value == "Non"  # the register is empty
    sheet[f"{ANSWER}{row}"] = "Oui"
    out = io.BytesIO()
    workbook.save(out)
    upload = SimpleUploadedFile("classeur.xlsx", out.getvalue())
    with pytest.raises(WorkbookRejected) as refused:
        preview_workbook(assessment=hospital, upload=upload, user=world.rssi)
    text = " ".join(refused.value.messages)
    assert f"cellule {ANSWER}{row} : « CRISE-EXERCICE » se lit dans le registre" in text


def test_the_form_shows_the_register_read_only_with_a_link(client, world, hospital):
    requirement = hospital.campaign.referential.requirements.get(code="CRISE-EXERCICE")
    step = requirement.objective.axis.code
    client.force_login(world.rssi)
    form_url = reverse("assessments:form", args=[hospital.pk]) + f"?step={step}"
    page = client.get(form_url).content.decode()
    section = page[page.index('id="req-CRISE-EXERCICE"') :]
    section = section[: section.index("</section>")]
    assert "Aucun exercice enregistré" in section
    assert reverse("assessments:exercises", args=[hospital.pk]) in section
    assert 'name="CRISE-EXERCICE"' not in page
    log(hospital, world.rssi, 30)
    page = client.get(form_url).content.decode()
    section = page[page.index('id="req-CRISE-EXERCICE"') :]
    section = section[: section.index("</section>")]
    assert "Dernier exercice enregistré le" in section and "Oui" in section


def test_a_closed_assessment_keeps_what_it_was_submitted_with(world, hospital):
    """Submitted with the register's reading; the next year's exercise changes nothing on it."""
    log(hospital, world.rssi, 400)
    hospital.refresh_from_db()
    follow_register(hospital, world.rssi)
    assert stored(hospital)["CRISE-EXERCICE-DATE"] == days_ago(400).isoformat()
    hospital.status = hospital.Status.VALIDATED
    hospital.submitted_at = timezone.now()
    hospital.reference_date = timezone.localdate()
    hospital.save()
    later = AssessmentFactory(
        establishment=hospital.establishment,
        campaign=CampaignFactory(
            year=hospital.campaign.year + 10, referential=hospital.campaign.referential
        ),
    )
    log(later, world.rssi, 3)
    assert stored(hospital)["CRISE-EXERCICE-DATE"] == days_ago(400).isoformat()
    assert stored(later)["CRISE-EXERCICE-DATE"] == days_ago(3).isoformat()
