"""Real servers on loopback for the several-machines tests: Redis and an S3-compatible server.

Redis is the Debian `redis-server` binary, started in a temporary directory on a free port; the
tests that need it are skipped, saying so, when the binary is absent. The object storage is moto
in server mode (a real HTTP server speaking the S3 protocol).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

S3_BUCKET = "care-test-files"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_redis(directory: Path) -> RedisServer:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - the local Redis binary
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "no",
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return RedisServer(process, port)
        except OSError:
            time.sleep(0.05)
    process.terminate()
    raise RuntimeError("redis-server did not start")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on a free port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_storage_settings(endpoint_url: str, bucket: str = S3_BUCKET) -> dict:
    """The STORAGES "default" entry the settings build from CARE_S3_* for this server."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": "eu-west-3",
            "access_key": "testing",
            "secret_key": "testing",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
        },
    }


def s3_client(endpoint_url: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="eu-west-3",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite database file with every migration applied, to copy for each test."""
    path = tmp_path_factory.mktemp("migrated") / "portal.sqlite3"
    subprocess.run(  # noqa: S603 - this project's manage.py
        [sys.executable, "manage.py", "migrate", "-v0"],
        check=True,
        cwd=ROOT,
        env={**os.environ, "DJANGO_ENV": "development", "DATABASE_URL": f"sqlite:///{path}"},
        timeout=300,
    )
    return path


@pytest.fixture
def sqlite_env(migrated_sqlite, tmp_path) -> dict[str, str]:
    """The environment of portal processes sharing a fresh copy of the migrated database."""
    path = tmp_path / "portal.sqlite3"
    shutil.copy(migrated_sqlite, path)
    return {**os.environ, "DJANGO_ENV": "development", "DATABASE_URL": f"sqlite:///{path}"}


def portal_python(script: str, env: dict[str, str], *arguments: str, **popen) -> subprocess.Popen:
    """A Python process with Django set up for the portal, running `script` (`sys.argv[1:]`
    are the arguments)."""
    prelude = "import django, sys; sys.path.insert(0, '.'); django.setup()\n"
    return subprocess.Popen(  # noqa: S603 - this project's own code
        [sys.executable, "-c", prelude + script, *arguments], cwd=ROOT, env=env, text=True, **popen
    )


def portal_output(script: str, env: dict[str, str], *arguments: str) -> str:
    """What `script` prints, run to its end in a portal process."""
    process = portal_python(script, env, *arguments, stdout=subprocess.PIPE)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0
    return out


def manage(env: dict[str, str], *arguments: str, timeout: float = 120):
    """`manage.py ARGUMENTS` in its own process; the completed process (output captured)."""
    return subprocess.run(  # noqa: S603 - this project's manage.py
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
