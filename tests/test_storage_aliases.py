"""The `reports` storage alias follows the default storage: local disk, or the bucket."""

import json
import os
import subprocess
import sys

from tests.servers import ROOT

SCRIPT = """
import json
import django
django.setup()
from django.core.files.storage import storages
reports = storages["reports"]
print(json.dumps([type(reports).__name__, getattr(reports, "bucket_name", None)]))
"""


def _reports(**env):
    return json.loads(
        subprocess.run(  # noqa: S603
            [sys.executable, "-c", SCRIPT],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "care_portal.settings", **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    )


def test_reports_are_stored_where_the_other_files_are():
    assert _reports(CARE_S3_BUCKET="") == ["FileSystemStorage", None]
    assert _reports(CARE_S3_BUCKET="care-files", CARE_S3_REGION="eu-west-3") == [
        "S3Storage",
        "care-files",
    ]
