"""Django set up for the benchmarks, on the configured database or a throwaway one.

Each benchmark calls `setup()` before importing the portal's models:

- `setup()` uses the configured database (`DATABASE_URL`, else the development SQLite file);
- `setup(throwaway=True)` uses a fresh SQLite file in a temporary directory, removed at exit
  unless `keep()` is called; with `unless_configured=True`, a set `DATABASE_URL` wins;
- `test_database()` creates a test database beside the configured one (a temporary SQLite file,
  or PostgreSQL's `test_…` database) and drops it afterwards;
- `database_cpu_seconds()` reads the CPU time of this connection's PostgreSQL server process,
  so that a benchmark's CPU figure holds the database's share too.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_throwaway: dict[str, Path | bool] = {}


def setup(*, throwaway: bool = False, unless_configured: bool = False) -> Path | None:
    """Configure Django with the portal's settings; returns the throwaway database's folder."""
    import django
    from django.apps import apps

    folder = None
    if apps.ready:
        return _throwaway.get("folder")  # type: ignore[return-value]
    if throwaway and not (unless_configured and os.environ.get("DATABASE_URL")):
        folder = Path(tempfile.mkdtemp(prefix="care-bench-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        _throwaway.update(folder=folder, keep=False)
        atexit.register(_remove_throwaway)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "care_portal.settings")
    django.setup()
    return folder


def keep() -> None:
    """Leave the throwaway database's folder in place at exit."""
    _throwaway["keep"] = True


def _remove_throwaway() -> None:
    folder = _throwaway.get("folder")
    if isinstance(folder, Path) and not _throwaway.get("keep"):
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def test_database() -> Iterator[None]:
    """A migrated test database beside the configured one, dropped on the way out."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    with tempfile.TemporaryDirectory(prefix="care-bench-") as folder:
        if connection.vendor == "sqlite":
            settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
                Path(folder) / "bench.sqlite3"
            )
        old_config = setup_databases(verbosity=0, interactive=False)
        try:
            yield
        finally:
            teardown_databases(old_config, verbosity=0)


_backend_pid: list[int] = []


def database_cpu_seconds() -> float | None:
    """CPU time used so far by this connection's PostgreSQL server process, when it runs on
    this machine (read from /proc); None otherwise (SQLite runs inside this process). Keep the
    connection across the measured calls (``CONN_MAX_AGE = None``), so the process stays the
    same."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    if not _backend_pid:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _backend_pid.append(cursor.fetchone()[0])
    try:
        fields = Path(f"/proc/{_backend_pid[0]}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds() -> float | None:
    """CPU time used so far by every process of the local PostgreSQL server (its backends,
    including those of other connections, and its background workers); None for SQLite or a
    server this machine cannot see."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    if not _server_pid:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        try:
            stat = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        _server_pid.append(int(stat[1]))  # the backend's parent: the postmaster
    total, postmaster = 0, _server_pid[0]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == postmaster:
            # Its own time and its ended children's (the backends of closed connections).
            total += sum(int(value) for value in fields[11:15])
        elif int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


_server_pid: list[int] = []
