"""Bulk PDF reports: one ZIP of the selection's reports, built by a task, scoped, expiring."""

import datetime
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from followup.models import BulkReport

NEW = reverse("followup:bulk_report_new", args=["84"])
LIST = reverse("followup:bulk_reports")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _download(bulk):
    return reverse("followup:bulk_report_download", args=[bulk.pk])


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _pdf_text(data: bytes) -> str:
    result = subprocess.run(  # noqa: S603 (a fixed local tool)
        ["pdftotext", "-layout", "-", "-"],  # noqa: S607
        input=data,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


def _request(client, user, ticked, **extra):
    client.force_login(user)
    return client.post(NEW, {"selection": "ticked", "establishment": ticked, **extra})


@pytest.mark.django_db
def test_ars_gets_one_zip_with_the_reports_of_the_selection(
    client, world, campaign, mailoutbox, settings
):
    client.force_login(world.ars)
    ticked = [world.hospital.pk, world.clinic.pk, world.other_hospital.pk]
    page = client.get(NEW, {"selection": "ticked", "establishment": ticked}).content.decode()
    assert "2 établissements sélectionnés" in page  # the other region's hospital is ignored
    assert "Hôpital Lariboisière" not in page

    response = client.post(NEW, {"selection": "ticked", "establishment": ticked})
    assert response.status_code == 302 and response["Location"] == LIST
    bulk = BulkReport.objects.get()
    assert bulk.requester == world.ars and bulk.region_id == "84"
    assert bulk.campaign == campaign.campaign
    assert bulk.status == BulkReport.Status.READY
    assert bulk.report_count == 2 and bulk.skipped == []
    assert bulk.expires_at - bulk.created_at == datetime.timedelta(days=3)
    assert Path(bulk.file.path).is_file()
    assert Path(bulk.file.path).is_relative_to(settings.MEDIA_ROOT)

    archive = _zip(client.get(_download(bulk)))
    names = sorted(archive.namelist())
    assert names == sorted(
        [
            f"{world.hospital.finess}-centre-hospitalier-de-villefranche.pdf",
            f"{world.clinic.finess}-hopital-de-tarare.pdf",
        ]
    )
    for name, establishment in zip(
        names, sorted([world.hospital, world.clinic], key=lambda e: e.finess), strict=True
    ):
        data = archive.read(name)
        assert data.startswith(b"%PDF")
        assert establishment.name in " ".join(_pdf_text(data).split())

    [message] = mailoutbox
    assert message.to == ["ars@example.fr"]
    assert message.subject == "Vos rapports PDF CaRE sont prêts (2 rapports)"
    assert "http://127.0.0.1:8000/followup/bulk-reports/" in message.body
    assert "téléchargé jusqu’au" in message.body

    listing = client.get(LIST).content.decode()
    assert "Prêt" in listing and _download(bulk) in listing


@pytest.mark.django_db
def test_establishments_without_assessment_are_listed_in_the_zip(client, world, campaign):
    campaign.clinic.delete()
    _request(client, world.ars, [world.hospital.pk, world.clinic.pk])
    bulk = BulkReport.objects.get()
    assert bulk.report_count == 1
    assert bulk.skipped == [
        {
            "finess": world.clinic.finess,
            "name": "Hôpital de Tarare",
            "reason": "pas d’auto-évaluation dans cette campagne",
        }
    ]
    archive = _zip(client.get(_download(bulk)))
    assert "sans-rapport.txt" in archive.namelist()
    assert "Hôpital de Tarare" in archive.read("sans-rapport.txt").decode()


@pytest.mark.django_db
def test_every_establishment_matching_the_filters(client, world, campaign):
    client.force_login(world.ars)
    client.post(NEW, {"selection": "filters", "kind": "ESSMS", "campaign": "2025"})
    bulk = BulkReport.objects.get()
    assert list(bulk.establishments.all()) == [world.nursing_home]
    assert bulk.criteria == {
        "mode": "filters",
        "filters": {"kind": ["ESSMS"], "campaign": ["2025"]},
    }
    archive = _zip(client.get(_download(bulk)))
    assert archive.namelist() == [f"{world.nursing_home.finess}-ehpad-les-tilleuls.pdf"]


@pytest.mark.django_db
def test_a_selection_too_large_or_empty_is_refused(client, world, campaign, settings):
    settings.CARE_BULK_REPORT_MAX = 2
    client.force_login(world.ars)
    response = client.post(NEW, {"selection": "filters"})
    assert "La sélection compte 3 établissements ; une demande en compte au plus 2." in (
        response.content.decode()
    )
    response = client.post(NEW, {"selection": "ticked", "establishment": [world.other_hospital.pk]})
    assert "Aucun établissement n’est sélectionné." in response.content.decode()
    assert not BulkReport.objects.exists()


@pytest.mark.django_db
def test_others_can_neither_ask_for_nor_download_the_region_reports(client, world, campaign):
    _request(client, world.ars, [world.hospital.pk])
    bulk = BulkReport.objects.get()
    for who in ("rssi", "director", "ght_lead", "other_ars", "other_rssi"):
        client.force_login(getattr(world, who))
        assert client.get(_download(bulk)).status_code == 404, who
        response = client.post(NEW, {"selection": "ticked", "establishment": [world.hospital.pk]})
        assert response.status_code == 404, who
        assert list(client.get(LIST).context["page_obj"]) == [], who
    assert BulkReport.objects.count() == 1


@pytest.mark.django_db
def test_national_downloads_any_bulk_report(client, world, campaign):
    _request(client, world.ars, [world.hospital.pk])
    bulk = BulkReport.objects.get()
    client.force_login(world.national)
    response = client.get(_download(bulk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"rapports-care-84-2025-{bulk.pk}" in response["Content-Disposition"]


@pytest.mark.django_db
def test_expired_reports_are_gone(client, world, campaign):
    _request(client, world.ars, [world.hospital.pk])
    bulk = BulkReport.objects.get()
    path = Path(bulk.file.path)
    BulkReport.objects.filter(pk=bulk.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert client.get(_download(bulk)).status_code == 404
    assert path.is_file()
    call_command("send_reminders", stdout=io.StringIO())
    bulk.refresh_from_db()
    assert bulk.status == BulkReport.Status.EXPIRED
    assert not path.exists() and not bulk.file
    listing = client.get(LIST).content.decode()
    assert "Expiré" in listing and _download(bulk) not in listing


@pytest.mark.django_db
def test_bulk_report_list_queries_stay_flat(client, world, campaign, django_assert_max_num_queries):
    now = timezone.now()
    for _ in range(5):
        bulk = BulkReport.objects.create(
            requester=world.ars,
            region=world.region,
            campaign=campaign.campaign,
            expires_at=now + datetime.timedelta(days=3),
        )
        bulk.establishments.set([world.hospital, world.clinic])
    client.force_login(world.ars)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert len(response.context["page_obj"]) == 5
    assert "En attente" in response.content.decode()
