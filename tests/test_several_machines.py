"""Running on several machines, against real servers on loopback: files in an S3-compatible
bucket (moto's server) with checksums, the shared Redis cache, /healthz and /readyz."""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
import zipfile

import pytest
from django.urls import reverse

from assessments.models import Evidence
from followup.bulk_reports import build_bulk_report
from followup.models import BulkReport
from tests import evidence_samples as samples
from tests.servers import (
    redis_server,  # noqa: F401 - fixture
    s3_client,
    s3_server,  # noqa: F401 - fixture
    s3_storage_settings,
    start_redis,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bucket(s3_server, settings, tmp_path):  # noqa: F811
    """A fresh private bucket as the default storage; the local media folder must stay empty."""
    name = f"care-{secrets.token_hex(6)}"
    client = s3_client(s3_server)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(s3_server, name)}
    return client, name


def _objects(client, name) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=name).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=name, Key=item["Key"])["Body"].read()
        for item in listed
    }


def _upload(client, assessment, content, name="rapport.pdf"):
    return client.post(
        f"/assessments/{assessment.pk}/evidence/GOV-COMITE/",
        {"kind": "file", "file": samples.upload(name, content)},
    )


def _evidence_download(evidence):
    return reverse("assessments:evidence_download", args=[evidence.assessment_id, evidence.pk])


# --- Files in object storage --------------------------------------------------------------------


def test_evidence_goes_to_the_bucket_and_comes_back_byte_identical(
    client, world, campaign, bucket, settings, django_capture_on_commit_callbacks
):
    s3, name = bucket
    client.force_login(world.rssi)
    assert _upload(client, campaign.hospital, samples.PDF).status_code == 302

    evidence = Evidence.objects.get()
    stored = _objects(s3, name)
    assert list(stored) == [evidence.file.name]
    assert stored[evidence.file.name] == samples.PDF
    assert evidence.sha256 == hashlib.sha256(samples.PDF).hexdigest()
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*"))
    # Private: the object grants nothing to anyone but its owner.
    grants = s3.get_object_acl(Bucket=name, Key=evidence.file.name)["Grants"]
    assert all("URI" not in grant["Grantee"] for grant in grants)

    response = client.get(_evidence_download(evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PDF
    assert response["Content-Disposition"].startswith("attachment")

    # Deleting the evidence removes the object.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("assessments:evidence_delete", args=[campaign.hospital.pk, evidence.pk])
        )
    assert _objects(s3, name) == {}


def test_a_file_changed_in_the_bucket_is_not_served(client, world, campaign, bucket, caplog):
    s3, name = bucket
    client.force_login(world.rssi)
    _upload(client, campaign.hospital, samples.PDF)
    evidence = Evidence.objects.get()
    s3.put_object(Bucket=name, Key=evidence.file.name, Body=samples.PDF[:-10] + b"altered!!!")

    with caplog.at_level(logging.ERROR, logger="care_portal.stored_files"):
        response = client.get(_evidence_download(evidence))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Fichier endommagé" in page and "empreinte SHA-256" in page
    assert b"altered" not in response.content
    assert "Content-Disposition" not in response
    assert any(evidence.file.name in record.getMessage() for record in caplog.records)


def test_a_damaged_file_on_local_disk_is_not_served_either(
    client, world, campaign, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.rssi)
    _upload(client, campaign.hospital, samples.PDF)
    evidence = Evidence.objects.get()
    (tmp_path / evidence.file.name).write_bytes(samples.PDF[:20])
    response = client.get(_evidence_download(evidence))
    assert response.status_code == 500 and "Fichier endommagé" in response.content.decode()


def test_bulk_zip_is_built_into_the_bucket_and_downloaded_checked(
    client, world, campaign, bucket, settings
):
    s3, name = bucket
    # Queued as in production: a worker builds it afterwards.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(world.ars)
    client.post(
        reverse("followup:bulk_report_new", args=["84"]),
        {"selection": "ticked", "establishment": [world.hospital.pk]},
    )
    bulk = BulkReport.objects.get()
    assert build_bulk_report(bulk_report_id=bulk.pk) == BulkReport.Status.READY
    assert build_bulk_report(bulk_report_id=bulk.pk) == BulkReport.Status.READY  # no second ZIP
    bulk.refresh_from_db()
    stored = _objects(s3, name)
    assert list(stored) == [bulk.file.name]
    assert bulk.sha256 == hashlib.sha256(stored[bulk.file.name]).hexdigest()

    response = client.get(reverse("followup:bulk_report_download", args=[bulk.pk]))
    data = b"".join(response.streaming_content)
    assert data == stored[bulk.file.name]
    assert zipfile.ZipFile(io.BytesIO(data)).namelist()[0].startswith(world.hospital.finess)

    s3.put_object(Bucket=name, Key=bulk.file.name, Body=data[:100])
    damaged = client.get(reverse("followup:bulk_report_download", args=[bulk.pk]))
    assert damaged.status_code == 500 and "Fichier endommagé" in damaged.content.decode()


# --- Health checks ------------------------------------------------------------------------------


def test_healthz_says_the_process_is_up_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_checks_each_part(client, bucket, settings, redis_server):  # noqa: F811
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "cache": "ok", "storage": "ok"},
    }


def test_readyz_answers_503_naming_the_cache_when_redis_stops(client, settings, tmp_path):
    server = start_redis(tmp_path)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    try:
        assert client.get("/readyz").status_code == 200
    finally:
        server.stop()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["failing"] == ["cache"]
    assert body["checks"]["cache"] == "error" and body["checks"]["database"] == "ok"
    assert "Error" not in response.content.decode()  # nothing of the exception is shown


def test_readyz_names_the_storage_when_the_bucket_is_gone(client, s3_server, settings):  # noqa: F811
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage_settings(s3_server, "care-no-such-bucket"),
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["storage"]


# --- Shared cache -------------------------------------------------------------------------------


def test_the_shared_cache_is_redis_and_sessions_outlive_it(
    client,
    world,
    settings,
    redis_server,  # noqa: F811
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client.force_login(world.rssi)
    from django.core.cache import cache

    cache.clear()  # Redis emptied (restarted): the session is still in the database
    assert client.get("/").status_code == 200
    assert "_auth_user_id" in client.session
