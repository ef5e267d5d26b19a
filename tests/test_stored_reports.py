"""Reports of transmitted assessments: rendered by the worker, served from the storage while
nothing they are made of has changed, checked against their checksum."""

import gc
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from actions.models import Action
from assessments import workflow
from assessments.answers import save_answers
from assessments.models import Assessment
from establishments.models import Establishment, Role
from reports import pdf, stored
from reports.models import StoredReport
from tests.answers import complete_answers, given_by_ght_lead
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch, settings, tmp_path):
    """How many times WeasyPrint really ran (the real rendering, counted)."""
    settings.MEDIA_ROOT = tmp_path
    calls = []
    real = pdf.html_to_pdf

    def counted(html):
        calls.append(gc.isenabled())
        return real(html)

    monkeypatch.setattr(pdf, "html_to_pdf", counted)
    return calls


@pytest.fixture
def submitted(world, campaign, renders, django_capture_on_commit_callbacks):
    assessment = campaign.hospital
    save_answers(
        assessment=assessment,
        answers=given_by_ght_lead(assessment, complete_answers()),
        expected_version=0,
        user=world.rssi,
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(assessment=assessment, user=world.rssi)
    return Assessment.objects.get(pk=assessment.pk)


def download(client, user, assessment) -> bytes:
    client.force_login(user)
    response = client.get(reverse("reports:assessment-report", args=[assessment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_the_worker_renders_on_submission_and_downloads_read_the_stored_file(
    client, world, submitted, renders
):
    assert len(renders) == 1
    report = StoredReport.objects.get(assessment=submitted)
    modified = report.file.storage.get_modified_time(report.file.name)
    first = download(client, world.director, submitted)
    again = download(client, world.rssi, submitted)
    assert first == again == report.file.open("rb").read()
    assert first.startswith(b"%PDF")
    assert len(renders) == 1
    report.refresh_from_db()
    assert report.file.storage.get_modified_time(report.file.name) == modified


def test_validation_reopening_and_a_new_answer_render_again(
    client, world, submitted, renders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.validate(assessment=submitted, user=world.director)
    assert len(renders) == 2
    download(client, world.director, submitted)
    assert len(renders) == 2
    # Reopened: a draft again, its report rendered at each download, never stored.
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reopen(assessment=submitted, user=world.ars, comment="Budget à revoir.")
    download(client, world.rssi, submitted)
    download(client, world.rssi, submitted)
    assert len(renders) == 4
    # A new answer, submitted again: the stored report is replaced.
    before = StoredReport.objects.get(assessment=submitted)
    draft = Assessment.objects.get(pk=submitted.pk)
    save_answers(
        assessment=draft,
        answers={"GOV-COMITE": "partial"},
        expected_version=draft.version,
        user=world.rssi,
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(assessment=draft, user=world.rssi)
    assert len(renders) == 5
    after = StoredReport.objects.get(assessment=submitted)
    assert after.key != before.key
    assert not after.file.storage.exists(before.file.name)
    download(client, world.director, submitted)
    assert len(renders) == 5


def test_a_new_template_version_renders_again(client, world, submitted, renders, monkeypatch):
    monkeypatch.setattr(stored, "template_version", lambda: "next-template")
    download(client, world.director, submitted)
    download(client, world.director, submitted)
    assert len(renders) == 2


def test_a_damaged_stored_file_is_never_served(client, world, submitted, renders):
    report = StoredReport.objects.get(assessment=submitted)
    path = report.file.path
    with open(path, "r+b") as handle:
        handle.seek(200)
        handle.write(b"tampered")
    served = download(client, world.director, submitted)
    assert b"tampered" not in served
    assert len(renders) == 2
    report.refresh_from_db()
    assert report.file.open("rb").read() == served


def test_a_draft_report_renders_on_demand_and_is_not_stored(client, world, campaign, renders):
    download(client, world.rssi, campaign.hospital)
    download(client, world.rssi, campaign.hospital)
    assert len(renders) == 2
    assert not StoredReport.objects.exists()


def test_the_garbage_collector_is_off_while_rendering_only(world, campaign, monkeypatch):
    seen = []
    real = pdf.HTML.write_pdf

    def spying(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pdf.HTML, "write_pdf", spying)
    assert gc.isenabled()
    pdf.render_report_pdf(campaign.hospital)
    assert seen == [False]
    assert gc.isenabled()


def _rename(world, submitted):
    Establishment.objects.filter(pk=submitted.establishment_id).update(name="CH Nouveau Nom")
    return "CH Nouveau Nom"


def _action_added(world, submitted):
    # An action of the plan (its gaps aside), as the plan's page adds it after the submission.
    Action.objects.create(
        assessment_id=submitted.pk, created_by=world.rssi, title="Installer le comité cyber"
    )
    return "Installer le comité cyber"


@pytest.mark.parametrize("change", [_rename, _action_added])
def test_what_the_report_shows_changed_elsewhere_renders_again(
    client, world, submitted, renders, change
):
    first = download(client, world.director, submitted)
    shown = change(world, submitted)
    again = download(client, world.director, submitted)
    assert len(renders) == 2 and again != first
    assert shown in "".join(page.extract_text() for page in PdfReader(BytesIO(again)).pages)
    assert download(client, world.rssi, submitted) == again and len(renders) == 2


def test_a_member_rescored_by_its_supports_ght_level_answer_renders_again(
    client, world, campaign, renders, django_capture_on_commit_callbacks
):
    member, rssi = campaign.clinic, user_with_role(Role.RSSI, world.clinic)
    save_answers(
        assessment=member,
        answers=complete_answers(ght_support=False),
        expected_version=0,
        user=rssi,
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(assessment=member, user=rssi)
    first = download(client, rssi, member)
    save_answers(
        assessment=campaign.hospital,
        answers={"GHT-CONVERGENCE": True},
        expected_version=0,
        user=world.ght_lead,
    )
    again = download(client, rssi, member)
    assert len(renders) == 2 and again != first
