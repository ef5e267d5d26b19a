"""Evidence: accepted and refused files, links and notes, scoped download, deletion, the form."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import workflow
from assessments.models import Evidence
from audit.models import AuditEvent
from tests import evidence_samples as samples
from tests.answers import fill

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def page_url(assessment, code="GOV-COMITE"):
    return f"/assessments/{assessment.pk}/evidence/{code}/"


def post_file(client, assessment, name, content, code="GOV-COMITE"):
    return client.post(
        page_url(assessment, code), {"kind": "file", "file": samples.upload(name, content)}
    )


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


ACCEPTED = [
    ("rapport.pdf", samples.PDF, "application/pdf", ".pdf"),
    ("capture.png", samples.image("PNG"), "image/png", ".png"),
    ("photo.jpeg", samples.image("JPEG"), "image/jpeg", ".jpg"),
    (
        "charte.docx",
        samples.docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
    (
        "budget.xlsx",
        samples.xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
    ),
    (
        "pv.odt",
        samples.odf("application/vnd.oasis.opendocument.text"),
        "application/vnd.oasis.opendocument.text",
        ".odt",
    ),
    (
        "tableau.ods",
        samples.odf("application/vnd.oasis.opendocument.spreadsheet"),
        "application/vnd.oasis.opendocument.spreadsheet",
        ".ods",
    ),
    # The type comes from the content: a PNG named .pdf is stored and served as a PNG.
    ("mal-nomme.pdf", samples.image("PNG"), "image/png", ".png"),
]


@pytest.mark.parametrize(("name", "content", "mime", "suffix"), ACCEPTED)
def test_accepted_files(client, world, campaign, _media, name, content, mime, suffix):
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, name, content)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.kind, evidence.content_type, evidence.original_name) == ("file", mime, name)
    assert evidence.requirement.code == "GOV-COMITE"
    assert evidence.size == len(content)
    # Stored outside the web root under a random name that keeps nothing of the uploaded one.
    (path,) = stored_files(_media)
    assert path.parent == _media / "evidence" / str(campaign.hospital.pk)
    assert len(path.stem) == 32 and path.suffix == suffix
    assert Path(name).stem not in path.name
    assert path.read_bytes() == content
    assert AuditEvent.objects.filter(action="evidence_upload").count() == 1


REFUSED = [
    ("page.pdf", samples.HTML, "n'est pas d'un format reconnu"),
    ("programme.docx", samples.EXE, "de type « exe »"),
    ("archive.docx", samples.zipped([("notes.txt", b"hello")]), "pas un document bureautique"),
    ("macro.docx", samples.docx(macros=True), "contenant des macros"),
    ("vide.pdf", b"", "Le fichier soumis est vide"),
    ("casse.docx", samples.docx()[:300], "endommagé"),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_refused_files_say_why_and_store_nothing(
    client, world, campaign, _media, name, content, message
):
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, name, content)
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert message in page
    assert "fr-upload-group--error" in page or "fr-input-group--error" in page
    assert not Evidence.objects.exists()
    assert stored_files(_media) == []


def test_too_large_file_is_refused(client, world, campaign, settings, _media):
    settings.CARE_EVIDENCE_MAX_BYTES = 1024
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "gros.pdf", samples.PDF + b"0" * 2000)
    assert response.status_code == 400
    page = response.content.decode().replace("\xa0", " ")
    assert "Ce fichier pèse 2,0 Kio : la limite est de 1,0 Kio." in page
    assert not Evidence.objects.exists()
    assert stored_files(_media) == []


def test_a_file_name_is_never_taken_as_markup(client, world, campaign):
    client.force_login(world.rssi)
    response = post_file(client, campaign.hospital, "<img src=x onerror=alert(1)>.pdf", samples.PDF)
    page = client.get(response["Location"]).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_links_and_notes(client, world, campaign):
    client.force_login(world.rssi)
    url = page_url(campaign.hospital)
    refused = client.post(url, {"kind": "link", "url": "javascript:alert(1)"})
    assert refused.status_code == 400
    assert "commençant par https://" in refused.content.decode()
    assert client.post(url, {"kind": "note", "note": " "}).status_code == 400
    client.post(url, {"kind": "link", "url": "https://ged.ch-villefranche.fr/comite", "note": "CR"})
    client.post(url, {"kind": "note", "note": "Procès-verbaux au secrétariat de direction."})
    assert list(Evidence.objects.values_list("kind", "url", "note")) == [
        ("link", "https://ged.ch-villefranche.fr/comite", "CR"),
        ("note", "", "Procès-verbaux au secrétariat de direction."),
    ]
    page = client.get(url).content.decode()
    assert 'href="https://ged.ch-villefranche.fr/comite" rel="noopener noreferrer"' in page
    assert "Procès-verbaux au secrétariat de direction." in page


@pytest.fixture
def evidence(client, world, campaign):
    client.force_login(world.rssi)
    post_file(client, campaign.hospital, "rapport comité.pdf", samples.PDF)
    client.logout()
    return Evidence.objects.get()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rssi", 200),
        ("director", 200),
        ("ght_lead", 200),
        ("ars", 200),
        ("national", 200),
        ("other_ars", 404),
        ("other_rssi", 404),
    ],
)
def test_download_is_scoped(client, world, evidence, role, expected):
    client.force_login(getattr(world, role))
    response = client.get(f"/assessments/{evidence.assessment_id}/evidence/{evidence.pk}/download/")
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "rapport" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == samples.PDF


def test_download_through_another_assessment_is_404(client, world, campaign, evidence):
    client.force_login(world.ght_lead)  # sees both the hospital and the clinic
    response = client.get(f"/assessments/{campaign.clinic.pk}/evidence/{evidence.pk}/download/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("rssi", 302),
        ("director", 403),
        ("ght_lead", 403),
        ("ars", 403),
        ("national", 403),
        ("other_ars", 404),
        ("other_rssi", 404),
    ],
)
def test_who_may_add_evidence(client, world, campaign, role, expected):
    client.force_login(getattr(world, role))
    response = post_file(client, campaign.hospital, "rapport.pdf", samples.PDF)
    assert response.status_code == expected
    assert Evidence.objects.count() == (1 if expected == 302 else 0)


def test_ght_lead_attaches_evidence_to_ght_level_items(client, world, campaign):
    client.force_login(world.ght_lead)
    response = post_file(
        client, campaign.hospital, "convergence.pdf", samples.PDF, "GHT-CONVERGENCE"
    )
    assert response.status_code == 302
    # Not on the members' assessments, which do not hold the GHT-level answers.
    response = post_file(client, campaign.clinic, "convergence.pdf", samples.PDF, "GHT-CONVERGENCE")
    assert response.status_code == 403


def test_requirement_outside_the_establishment_kind_is_404(client, world, campaign):
    client.force_login(world.rssi)
    assert client.get(page_url(campaign.hospital, "OG-EXERCICE")).status_code == 404
    assert client.get(page_url(campaign.hospital, "NOPE")).status_code == 404


def test_delete(client, world, campaign, evidence, _media, django_capture_on_commit_callbacks):
    url = f"/assessments/{campaign.hospital.pk}/evidence/{evidence.pk}/delete/"
    client.force_login(world.director)
    assert client.post(url).status_code == 403
    client.force_login(world.other_rssi)
    assert client.post(url).status_code == 404
    client.force_login(world.rssi)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    assert not Evidence.objects.exists()
    assert stored_files(_media) == []
    assert AuditEvent.objects.filter(action="evidence_delete").count() == 1


def test_evidence_is_read_only_once_submitted(client, world, campaign, evidence):
    assessment = campaign.hospital
    fill(assessment, world.rssi)
    workflow.submit(assessment=assessment, user=world.rssi)
    client.force_login(world.rssi)
    assert post_file(client, assessment, "autre.pdf", samples.PDF).status_code == 403
    delete = f"/assessments/{assessment.pk}/evidence/{evidence.pk}/delete/"
    assert client.post(delete).status_code == 403
    page = client.get(page_url(assessment)).content.decode()
    assert "ses preuves ne sont plus modifiables" in page
    assert "Déposer un fichier" not in page
    # Still readable by the director who validates.
    client.force_login(world.director)
    download = f"/assessments/{assessment.pk}/evidence/{evidence.pk}/download/"
    assert client.get(download).status_code == 200


def test_form_shows_evidence_next_to_each_requirement_in_one_query(client, world, campaign):
    client.force_login(world.rssi)
    url = f"/assessments/{campaign.hospital.pk}/?step=1"
    with CaptureQueriesContext(connection) as empty:
        page = client.get(url).content.decode()
    assert page.count("Joindre une preuve (fichier, lien ou note)") == 3  # the 3 items of axis 1
    for code in ("GOV-RSSI", "GOV-COMITE", "EXERCICE"):
        post_file(client, campaign.hospital, f"{code}.pdf", samples.PDF, code)
    with CaptureQueriesContext(connection) as filled:
        page = client.get(url).content.decode()
    assert len(filled) == len(empty)
    assert page.count("Ajouter ou retirer une preuve") == 3
    assert "GOV-COMITE.pdf" in page
    # Whoever reads only sees the list.
    client.force_login(world.director)
    page = client.get(url).content.decode()
    assert "GOV-RSSI.pdf" in page
    assert "Ajouter ou retirer une preuve" not in page


def test_evidence_list_page(client, world, campaign, evidence):
    client.force_login(world.ars)
    response = client.get(f"/assessments/{campaign.hospital.pk}/evidence/")
    page = response.content.decode()
    assert "1 preuve jointe" in page
    assert "rapport comité.pdf" in page
    picked = client.get(f"/assessments/{campaign.hospital.pk}/evidence/?code=BUDGET")
    assert picked["Location"] == page_url(campaign.hospital, "BUDGET")
    client.force_login(world.other_ars)
    assert client.get(f"/assessments/{campaign.hospital.pk}/evidence/").status_code == 404


def test_files_go_with_their_assessment(
    client, world, campaign, evidence, _media, django_capture_on_commit_callbacks
):
    assert len(stored_files(_media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        campaign.hospital.delete()
    assert stored_files(_media) == []
