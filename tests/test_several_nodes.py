"""The portal on several nodes, every part real and on loopback: a PostgreSQL primary and its
streaming replica (`pg_basebackup -R`), Redis, an S3 server (moto), two gunicorn nodes and two
task workers, driven over HTTP like a browser behind a load balancer.

Marked `several_nodes`: CI runs it as its own step after the suite (`-m several_nodes`, with
CARE_SEVERAL_NODES_REQUIRED=1, so that a missing binary fails instead of skipping).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from tests import evidence_samples as samples
from tests.servers import ROOT, free_port, s3_client, s3_server, start_redis  # noqa: F401

pytestmark = pytest.mark.several_nodes

PASSWORD = "Plusieurs-noeuds-2025"  # noqa: S105 - a test account's password


def _pg_bin() -> Path | None:
    candidates = []
    if pg_config := shutil.which("pg_config"):
        bindir = subprocess.run(  # noqa: S603 - the installed pg_config
            [pg_config, "--bindir"], capture_output=True, text=True
        ).stdout
        candidates.append(Path(bindir.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if all((candidate / name).exists() for name in ("initdb", "pg_ctl", "pg_basebackup")):
            return candidate
    return None


def _missing(what: str):
    if os.environ.get("CARE_SEVERAL_NODES_REQUIRED"):
        pytest.fail(f"{what} is required for the several-nodes test")
    pytest.skip(f"{what} is not installed")


class Postgres:
    """A PostgreSQL server in a temporary directory (run as `postgres` when we are root)."""

    def __init__(self, bindir: Path, directory: Path, port: int):
        self.bindir, self.directory, self.port = bindir, directory, port
        self.data = directory / "data"

    def run(self, tool: str, *arguments: str, check=True):
        command = [str(self.bindir / tool), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)  # noqa: S603

    def start(self):
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.directory / "log"), "-w", "start",
            "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=60",
        )  # fmt: skip

    def stop(self):
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)

    def sql(self, statement: str, database="postgres") -> str:
        return self.run(
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
            "-At", "-c", statement,
        ).stdout.strip()  # fmt: skip

    def url(self, database="care") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


def _directory() -> Path:
    # Not under pytest's own temporary folder: the postgres user must be able to reach it.
    directory = Path(tempfile.mkdtemp(prefix="care-nodes-"))
    directory.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    return directory


SEED = """
import json
from datetime import date
from django_otp.plugins.otp_totp.models import TOTPDevice
from assessments.models import Assessment
from establishments.models import Role
from referential.models import ReferentialVersion
from tests import factories
from tests.campaigns import build_campaign

region = factories.RegionFactory(code="84", name="Auvergne-Rhône-Alpes")
rhone = factories.DepartmentFactory(code="69", name="Rhône", region=region)
paris = factories.DepartmentFactory(
    code="75", name="Paris", region=factories.RegionFactory(code="11", name="Île-de-France")
)
class World:
    pass
world = World()
world.hospital = factories.EstablishmentFactory(department=rhone, name="Centre hospitalier de Villefranche")
world.clinic = factories.EstablishmentFactory(department=rhone, name="Hôpital de Tarare")
world.nursing_home = factories.EstablishmentFactory(department=rhone, name="EHPAD Les Tilleuls")
world.other_hospital = factories.EstablishmentFactory(department=paris, name="Hôpital Lariboisière")
campaign = build_campaign(world)
ReferentialVersion.objects.filter(pk=campaign.campaign.referential_id).update(
    status=ReferentialVersion.Status.DRAFT
)
campaign.campaign.opens_on, campaign.campaign.closes_on = date(2025, 1, 6), date(2099, 12, 31)
campaign.campaign.save()
Assessment.objects.filter(pk=campaign.clinic.pk).update(status=Assessment.Status.SUBMITTED)
rssi = factories.user_with_role(Role.RSSI, world.hospital, email="rssi@example.fr")
rssi.set_password(sys.argv[1]); rssi.save()
ars = factories.user_with_role(Role.ARS, region, email="ars@example.fr")
ars.set_password(sys.argv[1]); ars.save()
device = TOTPDevice.objects.create(user=ars, name="Téléphone", confirmed=True)
print(json.dumps({
    "hospital_assessment": campaign.hospital.pk,
    "clinic_assessment": campaign.clinic.pk,
    "hospital": world.hospital.pk,
    "requirement": campaign.requirements["GOV-COMITE"].pk,
    "totp_key": device.key,
}))
"""


def _portal(script: str, env: dict, *arguments: str) -> str:
    prelude = "import django, sys; sys.path.insert(0, '.'); django.setup()\n"
    done = subprocess.run(  # noqa: S603 - this project's own code
        [sys.executable, "-c", prelude + script, *arguments],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def cluster(s3_server):  # noqa: F811
    bindir = _pg_bin()
    if bindir is None:
        _missing("PostgreSQL (initdb, pg_ctl, pg_basebackup)")
    for binary in ("redis-server", "gunicorn"):
        if shutil.which(binary) is None and not (Path(sys.executable).parent / binary).exists():
            _missing(binary)
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _missing("runuser")
    started: list = []
    directory = _directory()
    try:
        primary = Postgres(bindir, directory / "primary", free_port())
        replica = Postgres(bindir, directory / "replica", free_port())
        for server in (primary, replica):
            server.directory.mkdir()
            if os.geteuid() == 0:
                shutil.chown(server.directory, "postgres")
        primary.run(
            "initdb", "-D", str(primary.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        primary.start()
        started.append(primary.stop)
        primary.sql("create database care")
        replica.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(replica.data), "-R", "-X", "stream",
        )  # fmt: skip
        replica.start()
        started.append(replica.stop)
        assert replica.sql("select pg_is_in_recovery()") == "t"

        redis_dir = directory / "redis"
        redis_dir.mkdir()
        redis = start_redis(redis_dir)
        started.append(redis.stop)

        bucket = "care-nodes"
        s3 = s3_client(s3_server)
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        media = directory / "media"
        env = {
            **os.environ,
            "DJANGO_ENV": "development",
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": primary.url(),
            "DATABASE_REPLICA_URL": replica.url(),
            "DATABASE_POOL": "1",
            "CARE_CACHE_URL": redis.url,
            "CARE_S3_BUCKET": bucket,
            "CARE_S3_ENDPOINT_URL": s3_server,
            "CARE_S3_REGION": "eu-west-3",
            "CARE_S3_ACCESS_KEY_ID": "testing",
            "CARE_S3_SECRET_ACCESS_KEY": "testing",
            "CARE_MEDIA_ROOT": str(media),
            "CARE_LOG_FORMAT": "json",
            "CARE_REPLICA_PIN_SECONDS": "60",
            "CARE_WORKER_HEARTBEAT_SECONDS": "1",
        }
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True,
            timeout=300,
        )  # fmt: skip
        ids = json.loads(_portal(SEED, env, PASSWORD))

        logs = directory / "logs"
        logs.mkdir()
        nodes = {}
        for name in ("a", "b"):
            port = free_port()
            log = (logs / f"node-{name}.log").open("w")
            node = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "gunicorn", "care_portal.wsgi", "--bind",
                 f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            started.append(lambda node=node: (node.terminate(), node.wait(timeout=30)))
            nodes[name] = f"http://127.0.0.1:{port}"
        workers = []
        for name in ("a", "b"):
            log_path = logs / f"worker-{name}.log"
            worker = subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2",
                 "--worker-id", f"worker-{name}"],
                cwd=ROOT, env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT,
            )  # fmt: skip
            started.append(lambda worker=worker: (worker.terminate(), worker.wait(timeout=30)))
            workers.append(log_path)
        for url in nodes.values():
            _wait(lambda url=url: _get_ok(f"{url}/healthz"), 60, f"{url} to answer")
        yield {
            "nodes": nodes,
            "env": env,
            "ids": ids,
            "s3": s3,
            "bucket": bucket,
            "media": media,
            "primary": primary,
            "replica": replica,
            "redis": redis,
            "worker_logs": workers,
        }
    finally:
        for stop in reversed(started):
            with contextlib.suppress(Exception):  # stopping what may already be gone
                stop()
        shutil.rmtree(directory, ignore_errors=True)


def _get_ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _csrf(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _sign_in(session: requests.Session, node: str, email: str, totp_key: str | None = None):
    token = _csrf(session, f"{node}/accounts/login/")
    response = session.post(
        f"{node}/accounts/login/",
        {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{node}/accounts/login/"},
        timeout=30,
    )
    if totp_key:
        from django_otp.oath import TOTP

        code = f"{TOTP(bytes.fromhex(totp_key)).token():06d}"
        verify = f"{node}/accounts/two-factor/verify/"
        response = session.post(
            verify, {"code": code, "csrfmiddlewaretoken": _csrf(session, verify)}, timeout=30
        )
    assert response.status_code == 200 and "Se déconnecter" in response.text, response.text[:500]


def _post(session, node: str, path: str, data: dict, files=None, form_page: str | None = None):
    token = _csrf(session, f"{node}{form_page or path}")
    return session.post(
        f"{node}{path}", {**data, "csrfmiddlewaretoken": token}, files=files, timeout=60
    )


def test_the_portal_on_two_nodes_two_workers_a_replica_redis_and_a_bucket(cluster):
    a, b = cluster["nodes"]["a"], cluster["nodes"]["b"]
    ids, env = cluster["ids"], cluster["env"]
    assessment = ids["hospital_assessment"]

    # A person signed in on A is signed in on B (sessions in the database and Redis).
    rssi = requests.Session()
    _sign_in(rssi, a, "rssi@example.fr")
    on_b = rssi.get(f"{b}/", timeout=30)
    assert on_b.status_code == 200 and "Se déconnecter" in on_b.text
    assert on_b.headers["X-Request-ID"]

    # Evidence uploaded through A downloads byte-identical through B; it is in the bucket only.
    evidence_page = f"/assessments/{assessment}/evidence/GOV-COMITE/"
    uploaded = _post(
        rssi, a, evidence_page, {"kind": "file"},
        files={"file": ("charte.pdf", samples.PDF, "application/pdf")},
    )  # fmt: skip
    assert uploaded.status_code == 200, uploaded.text[:300]
    listing = rssi.get(f"{b}/assessments/{assessment}/evidence/", timeout=30).text
    download = re.search(rf"/assessments/{assessment}/evidence/(\d+)/download/", listing).group(0)
    body = rssi.get(f"{b}{download}", timeout=30)
    assert body.status_code == 200 and body.content == samples.PDF
    objects = cluster["s3"].list_objects_v2(Bucket=cluster["bucket"])["Contents"]
    stored = [item["Key"] for item in objects]
    assert len(stored) == 1 and stored[0].startswith("evidence/")
    kept = cluster["s3"].get_object(Bucket=cluster["bucket"], Key=stored[0])["Body"].read()
    assert hashlib.sha256(kept).digest() == hashlib.sha256(samples.PDF).digest()
    media = cluster["media"]
    assert not media.exists() or not any(media.rglob("*"))

    # A referential draft changed on A is seen by B's next request (the shared version key).
    form_path = f"/assessments/{assessment}/"
    assert "Comité cyber renommé" not in rssi.get(f"{b}{form_path}", timeout=30).text
    _portal(
        "from referential.models import Requirement\n"
        "requirement = Requirement.objects.get(pk=int(sys.argv[1]))\n"
        "requirement.label = 'Comité cyber renommé'\n"
        "requirement.save()\n",
        env,
        str(ids["requirement"]),
    )
    assert "Comité cyber renommé" in rssi.get(f"{b}{form_path}", timeout=30).text

    # A bulk ZIP asked for on B is built by one of the workers, once.
    ars = requests.Session()
    _sign_in(ars, b, "ars@example.fr", ids["totp_key"])
    asked = _post(
        ars, b, "/followup/region/84/bulk-reports/new/",
        {"selection": "ticked", "establishment": [ids["hospital"]]},
        form_page="/dashboards/region/84/",
    )  # fmt: skip
    assert asked.status_code == 200, asked.text[:300]
    zips = _wait(
        lambda: [
            item["Key"]
            for item in cluster["s3"].list_objects_v2(Bucket=cluster["bucket"]).get("Contents", [])
            if item["Key"].startswith("bulk-reports/")
        ],
        120,
        "the bulk ZIP",
    )
    time.sleep(2)  # long enough for a second build to show
    tasks = json.loads(
        _portal(
            "import json\nfrom django_tasks_db.models import DBTaskResult\n"
            "print(json.dumps([[t.status, t.worker_ids] for t in DBTaskResult.objects.filter("
            "task_path__endswith='build_bulk_report')]))\n",
            env,
        )
    )
    assert len(zips) == 1
    assert len(tasks) == 1 and tasks[0][0] == "SUCCESSFUL" and len(tasks[0][1]) == 1
    told = sum(  # the console e-mail backend prints each message the workers send
        path.read_text().count("To: ars@example.fr") for path in cluster["worker_logs"]
    )
    assert told == 1
    listing = ars.get(f"{a}/followup/bulk-reports/", timeout=30)
    assert "Prêt" in listing.text

    # A save on A, then a read on B, shows the save even with the replica paused.
    replica = cluster["replica"]
    replica.sql("select pg_wal_replay_pause()")
    try:
        dashboard = "/dashboards/region/84/?status=submitted"  # the submitted ones
        clinic = "Hôpital de Tarare"
        assert clinic in ars.get(f"{b}{dashboard}", timeout=30).text
        reopened = _post(
            ars, a, f"/assessments/{ids['clinic_assessment']}/transition/reopen/",
            {"reopen-comment": "Les preuves du comité manquent."},
            form_page=f"/assessments/{ids['clinic_assessment']}/status/",
        )  # fmt: skip
        assert reopened.status_code == 200, reopened.text[:300]
        assert clinic not in ars.get(f"{b}{dashboard}", timeout=30).text  # own save: primary
        # Without the person's pin, the same page read from the paused replica misses it.
        stale = requests.Session()
        stale.cookies.update({"sessionid": ars.cookies["sessionid"]})
        assert clinic in stale.get(f"{b}{dashboard}", timeout=30).text
    finally:
        replica.sql("select pg_wal_replay_resume()")

    # /readyz turns 503, naming the cache, when Redis stops.
    assert requests.get(f"{a}/readyz", timeout=30).status_code == 200
    cluster["redis"].stop()
    for node in (a, b):
        ready = requests.get(f"{node}/readyz", timeout=30)
        assert ready.status_code == 503 and ready.json()["failing"] == ["cache"]
