"""Several portal processes on one database: a referential edited in one is seen at once by the
others through the shared Redis cache, and the read replica router (two real databases)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import redis_server  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parent.parent


class Node:
    def __init__(self, env: dict):
        self.process = subprocess.Popen(  # noqa: S603 - this project's own script
            [sys.executable, str(ROOT / "tests" / "node_process.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "DJANGO_ENV": "development", **env},
            cwd=ROOT,
        )

    def __call__(self, do: str, **arguments):
        self.process.stdin.write(json.dumps({"do": do, **arguments}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        assert "error" not in answer, answer["error"]
        return answer["ok"]

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("nodes") / "primary.sqlite3"
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "-v0"],
        check=True,
        cwd=ROOT,
        env={**os.environ, "DJANGO_ENV": "development", "DATABASE_URL": f"sqlite:///{path}"},
    )
    return path


@pytest.fixture
def database(migrated_database, tmp_path) -> Path:
    path = tmp_path / "primary.sqlite3"
    shutil.copy(migrated_database, path)
    return path


def test_a_draft_edited_in_one_process_is_seen_by_another_at_once(
    database,
    redis_server,  # noqa: F811
):
    env = {"DATABASE_URL": f"sqlite:///{database}", "CARE_CACHE_URL": redis_server.url}
    editor, reader = Node(env), Node(env)
    try:
        ids = editor("draft")
        assert reader("codes", **ids) == ["GOV-COMITE"]
        assert reader("codes", **ids) == ["GOV-COMITE"]  # now held in the reader's memory

        editor("rename", code="GOV-COMITE-2", **ids)
        assert reader("codes", **ids) == ["GOV-COMITE-2"]

        editor("add", code="GOV-NOUVELLE", **ids)
        assert reader("codes", **ids) == ["GOV-COMITE-2", "GOV-NOUVELLE"]
        assert editor("codes", **ids) == ["GOV-COMITE-2", "GOV-NOUVELLE"]
    finally:
        editor.close()
        reader.close()


def test_marked_reads_go_to_the_replica_and_a_write_brings_them_back_to_the_primary(
    database, tmp_path
):
    replica = tmp_path / "replica.sqlite3"
    setup = Node({"DATABASE_URL": f"sqlite:///{database}"})
    setup("establishment", name="Centre hospitalier de Villefranche")
    setup.close()
    shutil.copy(database, replica)  # the replica as of now
    env = {"DATABASE_URL": f"sqlite:///{database}", "DATABASE_REPLICA_URL": f"sqlite:///{replica}"}
    node = Node(env)
    try:
        node("establishment", name="Clinique ouverte après la copie")  # not on the replica yet

        read = node("replica_read")
        assert read["names"] == ["Centre hospitalier de Villefranche"]  # the lagging replica
        assert read["replica_selects"] >= 1 and read["primary_selects"] == 0
        assert read["cookie"] is None

        # A write in the request: what follows it reads the primary, and so do the person's
        # next requests for a while (the cookie).
        wrote = node("replica_read", query={"create": "EHPAD des Tilleuls"})
        assert wrote["primary_writes"] >= 1 and wrote["replica_selects"] == 0
        assert "EHPAD des Tilleuls" in wrote["names"]
        assert "Clinique ouverte après la copie" in wrote["names"]
        assert wrote["cookie"]

        pinned = node("replica_read", cookie=wrote["cookie"])
        assert pinned["replica_selects"] == 0 and "EHPAD des Tilleuls" in pinned["names"]
    finally:
        node.close()
