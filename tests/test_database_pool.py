"""DATABASE_POOL=1 gives Django's psycopg connection pool on PostgreSQL, and only there."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.servers import ROOT

SCRIPT = """
import json
from django.conf import settings
print(json.dumps({alias: [db["CONN_MAX_AGE"], db.get("OPTIONS", {}).get("pool")]
                  for alias, db in settings.DATABASES.items()}))
"""


def _settings(_script: str = "import django; django.setup()\n" + SCRIPT, **env):
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", _script],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "care_portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_pool_setting_gives_the_pool_option_to_the_primary_and_the_replica():
    result = _settings(
        DATABASE_URL="postgres://care@db.example.fr:5432/care",
        DATABASE_REPLICA_URL="postgres://care@replica.example.fr:5432/care",
        DATABASE_POOL="1",
        DATABASE_POOL_MAX_SIZE="20",
    )
    assert result.returncode == 0, result.stderr
    pool = {"min_size": 2, "max_size": 20, "timeout": 10}
    assert json.loads(result.stdout) == {"default": [0, pool], "replica": [0, pool]}


def test_without_the_setting_there_is_no_pool():
    result = _settings(DATABASE_URL="postgres://care@db.example.fr:5432/care", DATABASE_POOL="0")
    assert json.loads(result.stdout) == {"default": [0, None]}


def test_the_pool_is_refused_on_sqlite_with_a_clear_message():
    result = _settings(DATABASE_URL="sqlite:///portal.sqlite3", DATABASE_POOL="1")
    assert result.returncode != 0
    assert "DATABASE_POOL works with PostgreSQL only" in result.stderr


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="the pool connects to PostgreSQL",
)
@pytest.mark.django_db
def test_a_pooled_process_reads_the_database():
    # The child process connects to the test database this run created, not the configured one.
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    script = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('select 41 + 1')\n"
        "    print(cursor.fetchone()[0], connection.pool is not None)\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "care_portal.settings",
            "DATABASE_URL": url,
            "DATABASE_POOL": "1",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["42", "True"], result.stderr
