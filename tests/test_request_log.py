"""One JSON log line per request with its request id (CARE_LOG_FORMAT=json), the id sent back in
X-Request-ID and stamped on every record logged while the request runs."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from care_portal.request_log import JSONFormatter, RequestIdFilter
from tests.servers import ROOT

pytestmark = pytest.mark.django_db

SCRIPT = """
import logging
import django
from django.test import Client

django.setup()
client = Client()
client.get("/healthz", HTTP_X_REQUEST_ID="lb-4f2a9c")
client.get("/page-absente/")
logging.getLogger("followup.bulk_reports").error("Bulk report 12 failed")
"""


def test_json_format_prints_each_request_as_one_line_with_its_id(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "care_portal.settings",
        "DJANGO_ENV": "development",
        "CARE_LOG_FORMAT": "json",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    printed = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stderr.splitlines()
    lines = [json.loads(line) for line in printed]  # every line is JSON
    requests = [line for line in lines if line["logger"] == "care_portal.requests"]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("GET", "/healthz", 200),
        ("GET", "/page-absente/", 404),
    ]
    assert requests[0]["request_id"] == "lb-4f2a9c"  # the load balancer's id, kept
    assert len(requests[1]["request_id"]) == 32  # none given: one is made
    assert all(isinstance(r["duration_ms"], float) and r["level"] == "INFO" for r in requests)
    # The portal's own CPU time for the request: measured, never more than the time it took.
    assert all(0 <= r["cpu_ms"] <= r["duration_ms"] + 1 for r in requests)
    assert requests[0]["message"] == "GET /healthz 200"
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["request_id"] == requests[1]["request_id"]  # Django's own record too
    failure = lines[-1]
    assert failure["message"] == "Bulk report 12 failed" and failure["level"] == "ERROR"
    assert failure["request_id"] == ""  # outside any request


def test_the_request_id_goes_back_and_a_bad_one_is_replaced(client):
    given = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-1234")
    assert given["X-Request-ID"] == "proxy-1234"
    made = client.get("/healthz")
    other = client.get("/healthz")
    assert len(made["X-Request-ID"]) == 32 and made["X-Request-ID"] != other["X-Request-ID"]
    for bad in ("a b", "x" * 129, "<script>", "id\u00e9"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID=bad)
        assert response["X-Request-ID"] != bad and len(response["X-Request-ID"]) == 32


def test_records_logged_during_a_request_carry_its_id(client, world):
    client.force_login(world.rssi)
    handler_filter = RequestIdFilter()
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            handler_filter.filter(record)
            seen.append(record)

    keeper = Keep()
    logging.getLogger("care_portal.requests").addHandler(keeper)
    logging.getLogger("care_portal.requests").setLevel(logging.INFO)
    try:
        response = client.get("/", HTTP_X_REQUEST_ID="req-77")
    finally:
        logging.getLogger("care_portal.requests").removeHandler(keeper)
        logging.getLogger("care_portal.requests").setLevel(logging.NOTSET)
    assert response.status_code == 200
    line = json.loads(JSONFormatter().format(seen[-1]))
    assert line["request_id"] == "req-77" and line["user_id"] == world.rssi.pk
    assert line["path"] == "/" and line["status"] == 200
