"""The backup, restore and backup-check scripts, run against the test PostgreSQL database."""

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from audit.models import Action
from audit.services import record_event

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
        reason="the backup scripts work on PostgreSQL",
    ),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed"),
]


def _test_database_url() -> str:
    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "")
    if settings.get("PASSWORD"):
        credentials += ":" + quote(settings["PASSWORD"])
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}"


def _run(script, env, *args):
    return subprocess.run(  # noqa: S603
        [str(ROOT / "scripts" / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)
def test_backup_restores_identically(world, tmp_path):
    record_event(actor=world.ars, action=Action.EXPORT, establishment=world.hospital)
    media = tmp_path / "media"
    (media / "evidence" / "2025").mkdir(parents=True)
    (media / "evidence" / "2025" / "charte informatique.pdf").write_bytes(b"%PDF-1.4 test")
    env = {"DATABASE_URL": _test_database_url(), "CARE_MEDIA_ROOT": str(media)}
    result = _run("check_backup.sh", env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "backup verified" in result.stdout
    assert "1 files restored identically" in result.stdout


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(world, tmp_path):
    env = {"DATABASE_URL": _test_database_url(), "CARE_MEDIA_ROOT": str(tmp_path / "media")}
    backup = _run("backup.sh", env, str(tmp_path / "backups"))
    assert backup.returncode == 0, backup.stderr
    dump = backup.stdout.strip()
    restore = _run("restore.sh", env, dump)
    assert restore.returncode == 4
    assert "restore into a fresh one" in restore.stderr
    # A damaged dump is caught by its checksum before anything is written.
    with open(dump, "ab") as damaged:
        damaged.write(b"x")
    restore = _run("restore.sh", env, dump)
    assert restore.returncode == 3
    assert "the backup is damaged" in restore.stderr
