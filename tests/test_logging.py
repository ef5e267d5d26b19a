"""What the portal logs reaches the console once, whatever logger it comes from."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import logging
import django

django.setup()
logging.getLogger("django.request").warning("Not Found: /page-absente/")
logging.getLogger("django.security.csrf").error("Forbidden (CSRF token missing.): /connexion/")
logging.getLogger("followup.bulk_reports").error("Bulk report 12 failed")
"""


@pytest.mark.parametrize("debug", ["1", "0"])
def test_each_log_record_is_printed_once(debug):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "care_portal.settings",
        "DJANGO_DEBUG": debug,
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_ENV", None)
    printed = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stderr.splitlines()
    assert printed == [
        "Not Found: /page-absente/",
        "Forbidden (CSRF token missing.): /connexion/",
        "Bulk report 12 failed",
    ]
