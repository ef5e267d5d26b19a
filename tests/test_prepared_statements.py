"""On PostgreSQL, queries are sent with their values apart and prepared once run twice on a
connection (DATABASE_PREPARED, on by default); SQLite is left as it is."""

from __future__ import annotations

import json
import os

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from assessments.answers import StaleVersion, save_answers
from assessments.models import Answer, Assessment
from establishments.models import Region, Role
from tests.factories import user_with_role
from tests.test_database_pool import _settings

SCRIPT = (
    "import django, json; django.setup()\n"
    "from django.conf import settings\n"
    "print(json.dumps({alias: [db.get('OPTIONS', {}).get('server_side_binding'),"
    " db.get('OPTIONS', {}).get('prepare_threshold')]"
    " for alias, db in settings.DATABASES.items()}))\n"
)


def _options(**env):
    result = _settings(_script=SCRIPT, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_connections_prepare_their_statements_by_default(monkeypatch):
    monkeypatch.delenv("DATABASE_PREPARED", raising=False)
    options = _options(
        DATABASE_URL="postgres://care@db.example.fr:5432/care",
        DATABASE_REPLICA_URL="postgres://care@replica.example.fr:5432/care",
    )
    assert options == {"default": [True, 2], "replica": [True, 2]}


def test_the_setting_turns_them_off_and_sqlite_is_untouched():
    assert _options(
        DATABASE_URL="postgres://care@db.example.fr:5432/care", DATABASE_PREPARED="0"
    ) == {"default": [None, None]}
    assert _options(DATABASE_URL="sqlite:///portal.sqlite3") == {"default": [None, None]}


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="prepared statements are PostgreSQL's",
)
@pytest.mark.django_db
def test_a_query_run_again_on_a_connection_is_prepared_once():
    def prepared(table: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return any(table in statement for (statement,) in cursor.fetchall())

    assert Region.objects.filter(code="84").count() in (0, 1)
    assert not prepared("establishments_region")  # run once: planned as it runs
    for code in ("11", "93"):
        assert Region.objects.filter(code=code).count() in (0, 1)
    assert prepared("establishments_region")  # the same statement, another value: planned once


def _prepared(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return any(table in statement for (statement,) in cursor.fetchall())


def _run_thrice(build) -> None:
    """Run a query three times with other values: prepared on its third run."""
    for code in ("11", "93", "84"):
        assert build(code).count() in (0, 1)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="prepared statements are PostgreSQL's",
)
@pytest.mark.django_db
def test_a_connection_keeps_more_prepared_statements_than_the_drivers_hundred():
    _run_thrice(lambda code: Region.objects.filter(code=code))
    # 150 other statements, each prepared: psycopg alone would drop the first beyond 100.
    with connection.cursor() as cursor:
        for n in range(150):
            for code in ("11", "93", "84"):
                cursor.execute(
                    f"SELECT {n} FROM establishments_region WHERE code = %s",  # noqa: S608
                    [code],
                )
    assert _prepared("SELECT 149 FROM")
    assert _prepared('WHERE "establishments_region"."code" = $1')


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="prepared statements are PostgreSQL's",
)
@pytest.mark.django_db
def test_a_refused_save_leaves_the_connections_prepared_statements(world, campaign):
    assessment = campaign.hospital
    save_answers(
        assessment=assessment, answers={"GOV-COMITE": "no"}, expected_version=0, user=world.rssi
    )
    _run_thrice(lambda code: Region.objects.filter(code=code))
    assert _prepared("establishments_region")
    # Two RSSIs' conflict: nothing written, and no rollback that would drop the statements.
    with pytest.raises(StaleVersion):
        save_answers(
            assessment=assessment,
            answers={"GOV-COMITE": "yes"},
            expected_version=0,
            user=world.rssi,
        )
    assert _prepared("establishments_region")
    assert Answer.objects.get(assessment=assessment).value == "no"
    # Nor does a save refused for want of the right.
    with pytest.raises(PermissionDenied):
        save_answers(
            assessment=assessment,
            answers={"GOV-COMITE": "yes"},
            expected_version=1,
            user=user_with_role(Role.ARS, assessment.establishment.region),
        )
    assert _prepared("establishments_region")
    assert Assessment.objects.get(pk=assessment.pk).version == 1
