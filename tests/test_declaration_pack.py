"""The declaration pack of a candidacy: a ZIP with the PDF declaration and the documents.

The `world` GHT (support `hospital`, member `clinic`) applies to a call with two objectives; the
pack must list each with the status its answers give, and carry each attached file named by
objective, its SHA-256 in the PDF matching the file's content.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import zipfile

import pytest
from django.core.files.base import ContentFile

from assessments.answers import save_answers
from assessments.models import Evidence
from audit.models import Action, AuditEvent
from establishments.models import Role
from funding.models import Candidacy
from funding.workflow import attach_document
from tests.factories import CandidacyFactory, FundingCallFactory, user_with_role

pytestmark = pytest.mark.django_db

OBJECTIVES = [
    {
        "code": "O1.A",
        "label": "Comité de sécurité",
        "threshold": "Atteinte",
        "threshold_source": "call",
        "requirements": ["GOV-COMITE"],
        "documents": [{"code": "compte_rendu", "label": "Compte rendu", "source": "Test"}],
        "source": "Test",
    },
    {
        "code": "O2.B",
        "label": "RSSI nommé",
        "threshold": "Atteinte",
        "threshold_source": "call",
        "requirements": ["GOV-RSSI"],
        "documents": [{"code": "nomination", "label": "Lettre de nomination", "source": "Test"}],
        "source": "Test",
    },
]


def stored_file(campaign, assessment, content: bytes, name: str) -> Evidence:
    return Evidence.objects.create(
        assessment=assessment,
        requirement=campaign.requirements["GOV-COMITE"],
        kind=Evidence.Kind.FILE,
        file=ContentFile(content, name=name),
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


@pytest.fixture
def candidacy(world, campaign):
    call = FundingCallFactory(
        referential=campaign.campaign.referential, code="D2", objectives=OBJECTIVES
    )
    candidacy = CandidacyFactory(
        call=call,
        establishment=world.hospital,
        ght=world.ght,
        finess_ej=world.hospital.finess_ej,
        region=world.region,
        stage=Candidacy.Stage.VALIDATED,
    )
    # O1.A is met by both members; O2.B by neither (GOV-RSSI unanswered).
    clinic_rssi = user_with_role(Role.RSSI, world.clinic)
    for assessment, user in ((campaign.hospital, world.rssi), (campaign.clinic, clinic_rssi)):
        save_answers(
            assessment=assessment, answers={"GOV-COMITE": "yes"}, expected_version=0, user=user
        )
    hospital = stored_file(campaign, campaign.hospital, b"%PDF-1.4 CR hopital", "compte-rendu.pdf")
    clinic = stored_file(campaign, campaign.clinic, b"%PDF-1.4 CR clinique", "compte-rendu.pdf")
    for evidence in (hospital, clinic):
        attach_document(
            candidacy,
            user=world.ght_lead,
            objective="O1.A",
            document="compte_rendu",
            evidence_id=evidence.pk,
        )
    return candidacy


def pdf_text(data: bytes) -> str:
    result = subprocess.run(  # noqa: S603 (a fixed local tool)
        ["pdftotext", "-", "-"],  # noqa: S607
        input=data,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


def download(client, user, candidacy):
    client.force_login(user)
    return client.get(f"/funding/candidacies/{candidacy.pk}/declaration.zip")


def test_the_pack_opens_lists_every_objective_and_its_documents_checksums(client, world, candidacy):
    response = download(client, world.rssi, candidacy)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="declaration-D2-{world.ght.code}.zip"' in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    names = sorted(archive.namelist())
    assert names == [
        "declaration-atteinte-objectifs.pdf",
        "pieces/O1.A/compte_rendu/compte-rendu-2.pdf",
        "pieces/O1.A/compte_rendu/compte-rendu.pdf",
    ]
    text = pdf_text(archive.read("declaration-atteinte-objectifs.pdf"))
    flat = " ".join(text.split())
    assert "Déclaration d'atteinte des objectifs" in flat
    assert re.search(r"Objectif O1\.A — Comité de sécurité Statut : Atteint\b", flat)
    assert re.search(r"Objectif O2\.B — RSSI nommé Statut : Non atteint\b", flat)
    assert "Pièces manquantes : Lettre de nomination" in flat
    compact = re.sub(r"\s", "", text)
    recorded = {e.sha256 for e in Evidence.objects.filter(kind=Evidence.Kind.FILE)}
    for name in names[1:]:
        digest = hashlib.sha256(archive.read(name)).hexdigest()
        assert digest in recorded
        assert digest in compact  # the PDF gives the file's checksum
    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.detail == {"format": "zip", "report": "declaration", "call": "D2"}


def test_a_damaged_document_stops_the_pack_with_a_reason(client, world, candidacy):
    evidence = Evidence.objects.filter(kind=Evidence.Kind.FILE).first()
    with evidence.file.storage.open(evidence.file.name, "wb") as handle:
        handle.write(b"replaced in the bucket")
    response = download(client, world.rssi, candidacy)
    assert response.status_code == 302
    assert response["Location"] == f"/funding/candidacies/{candidacy.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "est endommagée" in page
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_the_candidacy_page_offers_the_pack_and_others_get_404(client, world, candidacy):
    client.force_login(world.director)
    page = client.get(f"/funding/candidacies/{candidacy.pk}/").content.decode()
    assert f"/funding/candidacies/{candidacy.pk}/declaration.zip" in page
    assert download(client, world.other_rssi, candidacy).status_code == 404
    assert download(client, world.other_ars, candidacy).status_code == 404
