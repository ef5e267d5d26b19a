"""Load test: RSSIs saving answers through the API while ARS users read their dashboards.

    .venv/bin/python -m bench.load [--duration 60] [--rssi 100] [--ars 20] [--database-url URL]
                                   [--establishments 45000] [--no-redis]

Starts a PostgreSQL server of its own on 127.0.0.1 (initdb in a temporary directory) unless
--database-url names an empty database, fills it (demo registry, the CaRE referential, a
campaign, the simulated people; with --establishments, the national-scale data set of
`bench.dashboards` instead of the demo registry), serves the portal with gunicorn on 127.0.0.1
with the production settings and, when `redis-server` is installed, the shared Redis cache of a
production deployment (started here too; `--no-redis` leaves each worker its own), and runs for
--duration seconds:

- each simulated RSSI (two per establishment, so they sometimes collide) reads its assessment and
  saves a few answers with `PATCH /api/assessments/{id}/answers/` and its API token; on 409 (the
  other RSSI saved first) it reads the assessment again and retries with the new version;
- each simulated ARS user signs in (password, then a TOTP code) and reads its regional dashboard,
  the establishment list and the dashboard's CSV export.

It prints requests per second, p50/p95 latency and errors, per kind of request, the server's CPU
time per request (gunicorn's processes, PostgreSQL's and Redis', read from /proc) beside the goal, then
checks in the database that every acknowledged save is there: for each assessment, the version counts
every acknowledged save and each answer holds the value of the last save that wrote it.
Traffic goes to 127.0.0.1 only; every loop stops at the deadline. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.client
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from django.utils import timezone

from bench import bootstrap

print = functools.partial(print, flush=True)  # noqa: A001  (progress shows as it happens)
ROOT = bootstrap.ROOT
HOST = "127.0.0.1"
PASSWORD = "bench-load-password-2025"
REFERENTIAL = ROOT / "fixtures" / "referential" / "care-2025.yaml"


# --- Infrastructure: PostgreSQL and gunicorn on loopback ------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def tree_cpu_seconds(root: int) -> float:
    """CPU time of a process and its descendants (from /proc): the live ones' own time, and
    what the finished ones left to their parent (cutime, cstime)."""
    parents: dict[int, list[int]] = defaultdict(list)
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            stats[int(entry.name)] = fields
            parents[int(fields[1])].append(int(entry.name))
    ticks, todo = 0, [root]
    while todo:
        pid = todo.pop()
        fields = stats.get(pid)
        if fields is None:
            continue
        ticks += sum(int(fields[i]) for i in (11, 12, 13, 14))
        todo += parents.get(pid, [])
    return ticks / os.sysconf("SC_CLK_TCK")


def local_postmaster() -> int | None:
    """The process id of the configured PostgreSQL server when it runs on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('data_directory')")
        directory = Path(cursor.fetchone()[0])
    try:
        return int((directory / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError):
        return None


def pg_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        raise SystemExit(f"{name} not found: install PostgreSQL or pass --database-url")
    return str(candidates[-1])


class LocalPostgres:
    """A throw-away PostgreSQL server in a temporary directory, listening on 127.0.0.1 only."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="care-load-pg-"))
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def _run(self, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", *args] if self.as_postgres else list(args)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603

    def start(self) -> str:
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        data = self.dir / "data"
        self._run(
            pg_binary("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"
        )
        options = f"-p {self.port} -k {self.dir} -c listen_addresses={HOST} -c max_connections=200"
        self._run(
            pg_binary("pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )
        self._run(pg_binary("createdb"), "-h", HOST, "-p", str(self.port), "-U", "postgres", "care")
        return f"postgres://postgres@{HOST}:{self.port}/care"

    def postmaster_pid(self) -> int:
        return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        try:
            self._run(pg_binary("pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class LocalRedis:
    """A throw-away Redis server on 127.0.0.1 (nothing written to disk): the production
    topology's shared cache (sessions, the drawn dashboards' figures, version keys)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> str:
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port)]
        command += ["--bind", HOST, "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex((HOST, self.port)) == 0:
                    return f"redis://{HOST}:{self.port}/0"
            time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)


def production_env(database_url: str, media_root: str, cache_url: str = "") -> dict[str, str]:
    return {
        # The shared cache of a production deployment, when Redis is there (see the README).
        **({"CARE_CACHE_URL": cache_url} if cache_url else {}),
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": HOST,
        # gunicorn speaks HTTP here; requests say they came through HTTPS (X-Forwarded-Proto).
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "CARE_MEDIA_ROOT": media_root,
        "DJANGO_LOG_LEVEL": "ERROR",
        # One JSON line per request, with its CPU time: the report breaks the CPU down by kind.
        "CARE_LOG_FORMAT": "json",
        # The simulated RSSIs call as fast as the server answers: measure it, not the throttle.
        "CARE_API_RATE_USER": "none",
    }


def machine_floor() -> float:
    """CPU seconds (this process and its PostgreSQL backend) of the national grouped count
    joined live, the floor of `bench.dashboards`: the median of five, 0 without a campaign
    of the national data set."""
    from assessments.models import Campaign
    from bench.dashboards import timed
    from dashboards.summary import live_rows

    campaign = Campaign.objects.order_by("-year").first()
    if campaign is None or campaign.assessments.count() < 1000:
        return 0.0
    return timed(lambda: live_rows(campaign), 5)["cpu"] / 1000


def start_gunicorn(port: int, workers: int, threads: int, env: dict, log) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "care_portal.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--timeout",
        "120",
        # Clients pause between requests on one connection: keep it open meanwhile.
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/accounts/login/", headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start")


# --- Data --------------------------------------------------------------------------------------


@dataclass
class Rssi:
    email: str
    token: str
    assessment_id: int


@dataclass
class Ars:
    email: str
    region: str
    totp_key: str


@dataclass
class Plan:
    rssis: list[Rssi]
    ars: list[Ars]
    # requirement code -> generator of valid values
    requirements: dict[str, dict]
    initial_versions: dict[int, int]


def value_for(rule: dict, rng: random.Random):
    """A valid answer for a rule (see the answer values of the API)."""
    kind = rule["type"]
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "tristate":
        return rng.choice(["yes", "partial", "no"])
    if kind == "ratio_at_least":
        return {"numerator": rng.randint(0, 50), "denominator": rng.randint(100, 2000)}
    if kind == "percent_at_least":
        return rng.randint(0, 100)
    if kind == "within_days":
        return (timezone.localdate() - timedelta(days=rng.randint(0, 900))).isoformat()
    if kind == "level":
        return rng.choice(list(rule["choices"]))
    if kind == "person_named":
        n = rng.randint(1, 999)
        return {"name": f"Personne {n}", "email": f"personne{n}@example.fr"}
    raise ValueError(kind)


def prepare(rssi_count: int, ars_count: int, establishments: int = 0) -> Plan:
    """Fill the database through the portal's own commands and services: the demo data set,
    or with `establishments`, the national-scale data set of `bench.dashboards` (the CaRE
    referential, this campaign and the previous one, their snapshots and summaries)."""
    bootstrap.setup()
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from accounts.two_factor import otp_demo_device
    from assessments.exercise_register import register_codes
    from assessments.models import Assessment, Campaign
    from assessments.scoring.compiled import compiled_referential
    from establishments.models import Establishment, Kind, Role
    from establishments.roles import grant_role
    from referential.models import Requirement

    quiet = open(os.devnull, "w")  # noqa: SIM115
    step = time.monotonic()

    def done(what: str) -> None:
        nonlocal step
        print(f"  {what}: {time.monotonic() - step:.0f} s")
        step = time.monotonic()

    call_command("migrate", verbosity=0)
    done("migrate")
    if establishments and not Establishment.objects.exists():
        from django.db import connection, transaction

        from bench.dashboards import generate

        with transaction.atomic():
            generate(establishments, random.Random(2025), with_answers=False)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        done(f"national data set ({establishments:,} establishments)")
    elif not establishments:
        call_command("seed_demo", stdout=quiet)
        done("seed_demo")
    if not Campaign.objects.exists():
        call_command("load_referential", str(REFERENTIAL), stdout=quiet)
        call_command(
            "open_campaign", year=timezone.localdate().year, referential="CARE", stdout=quiet
        )
        done("referential and campaign")
    call_command("collectstatic", interactive=False, verbosity=0)
    done("collectstatic")
    campaign = Campaign.objects.order_by("-year").first()

    editable = (
        Assessment.objects.filter(
            campaign=campaign,
            establishment__kind=Kind.ES,
            status__in=[Assessment.Status.DRAFT, Assessment.Status.REOPENED],
        )
        .select_related("establishment")
        .order_by("establishment__finess")
    )
    targets = list(editable[: (rssi_count + 1) // 2])
    if len(targets) * 2 < rssi_count:
        raise SystemExit(f"only {len(targets)} editable ES assessments for {rssi_count} RSSIs")
    rssis = []
    for n in range(rssi_count):
        assessment = targets[n // 2]
        user, _assignment, _created = grant_role(
            email=f"load-rssi-{n}@bench.care.fr",
            role=Role.RSSI,
            scope=assessment.establishment.finess,
            password=PASSWORD,
        )
        token, _ = Token.objects.get_or_create(user=user)
        rssis.append(Rssi(user.email, token.key, assessment.pk))

    regions = list(Establishment.objects.order_by().values_list("region_id", flat=True).distinct())
    ars = []
    for n in range(ars_count):
        region = sorted(regions)[n % len(regions)]
        user, _assignment, _created = grant_role(
            email=f"load-ars-{n}@bench.care.fr", role=Role.ARS, scope=region, password=PASSWORD
        )
        key = secrets.token_hex(20)
        otp_demo_device(user, key)
        ars.append(Ars(user.email, region, key))

    # Not the exercise items the register of crisis exercises answers (a save refuses them).
    from_register = set(
        register_codes(compiled_referential(campaign.referential_id), targets[0].establishment)
    )
    requirements = {
        r.code: r.rule
        for r in Requirement.objects.filter(referential=campaign.referential)
        if "ES" in r.applies_to and not r.condition and r.code not in from_register
    }
    initial = dict(
        Assessment.objects.filter(pk__in=[t.pk for t in targets]).values_list("pk", "version")
    )
    return Plan(rssis=rssis, ars=ars, requirements=requirements, initial_versions=initial)


# --- HTTP clients ------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    status: int
    seconds: float


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # assessment id -> [(new version, answers)] acknowledged by the server
    acks: dict[int, list[tuple[int, dict]]] = field(default_factory=lambda: defaultdict(list))
    conflicts: int = 0
    # assessment id -> saves sent whose answer never came (connection lost)
    unacknowledged: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample, error: str | None = None) -> None:
        with self.lock:
            self.samples.append(sample)
            if error:
                self.errors.append(error)


class Browser:
    """One keep-alive connection with a cookie jar; every request claims to come over HTTPS."""

    def __init__(self, port: int, results: Results) -> None:
        self.port = port
        self.results = results
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(HOST, port, timeout=120)

    def request(self, kind, method, path, *, body=None, headers=None, expect=(200,)):
        headers = {
            "X-Forwarded-Proto": "https",
            "Host": HOST,
            **(headers or {}),
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self.connection.close()
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=120)
                # A read may be sent again on a new connection; a write may not (it may have
                # been applied): the caller reads the assessment again instead.
                if method != "GET" or attempt == 2:
                    elapsed = time.perf_counter() - started
                    self.results.add(Sample(kind, 0, elapsed), f"{kind}: {exc!r}")
                    return None, b""
        elapsed = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        error = None
        if response.status not in expect:
            error = f"{kind} {method} {path}: HTTP {response.status} {content[:200]!r}"
        self.results.add(Sample(kind, response.status, elapsed), error)
        return response.status, content


def run_rssi(port, rssi: Rssi, plan: Plan, results: Results, deadline, think, seed):
    rng = random.Random(seed)
    browser = Browser(port, results)
    auth = {"Authorization": f"Token {rssi.token}", "Accept": "application/json"}
    path = f"/api/assessments/{rssi.assessment_id}/"
    codes = sorted(plan.requirements)
    status, content = browser.request("rssi read", "GET", path, headers=auth)
    version = json.loads(content)["version"] if status == 200 else None
    while time.monotonic() < deadline and version is not None:
        chosen = rng.sample(codes, k=min(len(codes), rng.randint(1, 3)))
        answers = {code: value_for(plan.requirements[code], rng) for code in chosen}
        body = json.dumps({"version": version, "answers": answers})
        status, content = browser.request(
            "rssi save",
            "PATCH",
            f"{path}answers/",
            body=body,
            headers={**auth, "Content-Type": "application/json"},
            expect=(200, 409),
        )
        if status == 200:
            version = json.loads(content)["version"]
            with results.lock:
                results.acks[rssi.assessment_id].append((version, answers))
        else:
            # 409: someone saved first. No answer (connection lost): the save may or may not
            # have been applied. Either way, read the current version and go on.
            if status == 409:
                with results.lock:
                    results.conflicts += 1
            elif status is None:
                with results.lock:
                    results.unacknowledged[rssi.assessment_id] += 1
            else:
                break
            status, content = browser.request("rssi read", "GET", path, headers=auth)
            version = json.loads(content)["version"] if status == 200 else None
        time.sleep(rng.uniform(0, 2 * think))


def _csrf_token(html: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1).decode() if match else ""


def sign_in_ars(browser: Browser, ars: Ars) -> bool:
    from django_otp.oath import totp

    origin = {"Origin": f"https://{HOST}", "Content-Type": "application/x-www-form-urlencoded"}
    _status, page = browser.request("ars sign-in", "GET", "/accounts/login/")
    form = {"username": ars.email, "password": PASSWORD, "csrfmiddlewaretoken": _csrf_token(page)}
    status, _ = browser.request(
        "ars sign-in",
        "POST",
        "/accounts/login/",
        body=urlencode(form),
        headers=origin,
        expect=(302,),
    )
    if status != 302:
        return False
    _status, page = browser.request("ars sign-in", "GET", "/accounts/two-factor/verify/")
    code = f"{totp(bytes.fromhex(ars.totp_key)):06d}"
    form = {"code": code, "csrfmiddlewaretoken": _csrf_token(page), "next": "/"}
    status, _ = browser.request(
        "ars sign-in",
        "POST",
        "/accounts/two-factor/verify/",
        body=urlencode(form),
        headers=origin,
        expect=(302,),
    )
    return status == 302


def run_ars(port, ars: Ars, results: Results, deadline, think, seed):
    rng = random.Random(seed)
    browser = Browser(port, results)
    if not sign_in_ars(browser, ars):
        return
    pages = [
        ("ars dashboard", f"/dashboards/region/{ars.region}/"),
        ("ars dashboard", f"/dashboards/region/{ars.region}/?page=2"),
        ("ars list", f"/establishments/?region={ars.region}"),
        ("ars export", f"/dashboards/region/{ars.region}/export/?format=csv"),
    ]
    while time.monotonic() < deadline:
        kind, path = rng.choice(pages)
        browser.request(kind, "GET", path)
        time.sleep(rng.uniform(0, 2 * think))


# --- Report and verification -------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(results: Results, seconds: float) -> None:
    samples = results.samples
    print(f"\n{len(samples)} requests in {seconds:.1f} s: {len(samples) / seconds:.1f} requests/s")
    print(f"{'kind':<14} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    kinds = sorted({s.kind for s in samples})
    for kind in [*kinds, "all"]:
        latencies = [s.seconds * 1000 for s in samples if kind in ("all", s.kind)]
        print(
            f"{kind:<14} {len(latencies):>7} {len(latencies) / seconds:>7.1f} "
            f"{statistics.median(latencies):>8.0f} {percentile(latencies, 0.95):>8.0f} "
            f"{max(latencies):>8.0f}"
        )
    saves = sum(len(acks) for acks in results.acks.values())
    print(
        f"acknowledged saves: {saves}; conflicts (409, refetched and retried): {results.conflicts}"
    )
    print(f"errors: {len(results.errors)}")
    for error in results.errors[:10]:
        print(f"  {error}")


# The request log's paths, by the kind of request the simulated people make.
KINDS = [
    ("rssi save", re.compile(r"PATCH /api/assessments/\d+/answers/")),
    ("rssi read", re.compile(r"GET /api/assessments/\d+/$")),
    ("ars export", re.compile(r"GET /dashboards/region/[^/]+/export/")),
    ("ars dashboard", re.compile(r"GET /dashboards/region/")),
    ("ars list", re.compile(r"GET /establishments/")),
    ("ars sign-in", re.compile(r"(GET|POST) /accounts/")),
]


def report_cpu_by_kind(log) -> None:
    """The portal's own CPU time per kind of request (Python, in the request's thread; the
    database's is not in it), from the server's JSON request log."""
    by_kind: dict[str, list[float]] = defaultdict(list)
    for line in log:
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("logger") != "care_portal.requests" or "cpu_ms" not in entry:
            continue
        request = f"{entry['method']} {entry['path']}"
        kind = next((name for name, pattern in KINDS if pattern.match(request)), "other")
        by_kind[kind].append(entry["cpu_ms"])
    print("the portal's CPU per request (its own thread, the database apart), by kind:")
    for kind, values in sorted(by_kind.items()):
        print(
            f"  {kind:<14} {len(values):>6} requests, mean {statistics.mean(values):6.1f} ms, "
            f"total {sum(values) / 1000:6.1f} s"
        )


def verify(plan: Plan, results: Results) -> int:
    """Every acknowledged save is in the database; returns the number of lost saves."""
    from assessments.models import Answer, Assessment

    lost = 0
    versions = dict(
        Assessment.objects.filter(pk__in=plan.initial_versions).values_list("pk", "version")
    )
    stored = defaultdict(dict)
    for assessment_id, code, value in Answer.objects.filter(
        assessment_id__in=plan.initial_versions
    ).values_list("assessment_id", "requirement__code", "value"):
        stored[assessment_id][code] = value
    for assessment_id, initial in plan.initial_versions.items():
        acks = sorted(results.acks.get(assessment_id, []), key=lambda ack: ack[0])
        if results.unacknowledged.get(assessment_id):
            # A save without an answer may have been applied: its version and values are unknown,
            # so only the acknowledged saves after it can be checked exactly.
            print(f"assessment {assessment_id}: unacknowledged saves, checked loosely")
            if versions[assessment_id] < initial + len(acks):
                lost += initial + len(acks) - versions[assessment_id]
            continue
        if versions[assessment_id] != initial + len(acks):
            print(
                f"assessment {assessment_id}: version {versions[assessment_id]}, expected "
                f"{initial} + {len(acks)} acknowledged saves"
            )
            lost += abs(versions[assessment_id] - initial - len(acks))
        expected: dict = {}
        for _version, answers in acks:
            expected.update(answers)
        for code, value in expected.items():
            if stored[assessment_id].get(code) != value:
                print(
                    f"assessment {assessment_id} {code}: {stored[assessment_id].get(code)!r} != {value!r}"
                )
                lost += 1
    return lost


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--rssi", type=int, default=100)
    parser.add_argument("--ars", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between actions (s)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: start one)")
    parser.add_argument(
        "--establishments",
        type=int,
        default=0,
        help="serve the national data set of bench.dashboards at this size (default: demo data)",
    )
    parser.add_argument(
        "--no-redis",
        action="store_true",
        help="no shared cache (each gunicorn worker keeps its own), even with redis-server here",
    )
    args = parser.parse_args()

    postgres = None if args.database_url else LocalPostgres()
    redis = None if args.no_redis or not shutil.which("redis-server") else LocalRedis()
    media = tempfile.mkdtemp(prefix="care-load-media-")
    gunicorn = None
    server_log = None
    try:
        database_url = args.database_url or postgres.start()
        env = production_env(database_url, media, redis.start() if redis is not None else "")
        print(
            "cache: Redis on 127.0.0.1 (shared by the workers)"
            if redis is not None
            else "cache: each worker's own memory (no redis-server, or --no-redis)"
        )
        os.environ.update(env)
        started = time.monotonic()
        plan = prepare(args.rssi, args.ars, args.establishments)
        print(
            f"prepared in {time.monotonic() - started:.0f} s: {len(plan.rssis)} RSSIs on "
            f"{len(plan.initial_versions)} assessments, {len(plan.ars)} ARS users, "
            f"{len(plan.requirements)} requirements to answer"
        )
        floor = machine_floor()
        print(
            f"floor: the dashboards' live join of bench.dashboards, {1000 * floor:.0f} ms CPU "
            "(this machine's speed, measured before the load)"
            if floor
            else "floor: not measured (the demo data set has no national campaign to count)"
        )
        port = free_port()
        server_log = open(Path(media) / "gunicorn.log", "w+")  # noqa: SIM115
        gunicorn = start_gunicorn(port, args.workers, args.threads, env, server_log)
        print(
            f"gunicorn on {HOST}:{port}, {args.workers} workers x {args.threads} threads; "
            f"running {args.duration:.0f} s"
        )
        results = Results()
        deadline = time.monotonic() + args.duration
        threads = [
            threading.Thread(
                target=run_rssi, args=(port, rssi, plan, results, deadline, args.think, n)
            )
            for n, rssi in enumerate(plan.rssis)
        ] + [
            threading.Thread(target=run_ars, args=(port, ars, results, deadline, args.think, n))
            for n, ars in enumerate(plan.ars)
        ]

        postmaster = postgres.postmaster_pid() if postgres is not None else local_postmaster()

        def server_cpu() -> float:
            """gunicorn (master and workers), PostgreSQL (every server process, when local)
            and Redis."""
            seconds = tree_cpu_seconds(gunicorn.pid)
            if postmaster is not None:
                seconds += tree_cpu_seconds(postmaster)
            if redis is not None and redis.process is not None:
                seconds += tree_cpu_seconds(redis.process.pid)
            return seconds

        server_before, client_before = server_cpu(), time.process_time()
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.duration + 120)
        elapsed = time.monotonic() - began
        server_seconds = server_cpu() - server_before
        client_seconds = time.process_time() - client_before
        report(results, elapsed)
        count = max(1, len(results.samples))
        print(
            f"CPU: server {server_seconds:.1f} s ({1000 * server_seconds / count:.1f} ms per "
            f"request; goal <= 25 ms: {'met' if server_seconds / count <= 0.025 else 'NOT MET'}"
            f"{'' if postmaster is not None else ', PostgreSQL not counted: not local'}), "
            f"load generator {client_seconds:.1f} s; {os.cpu_count()} CPUs, load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        if floor:
            print(
                f"per request / floor: {server_seconds / count / floor:.3f} (a request costs this "
                "share of the live join measured on the same machine)"
            )
        server_log.seek(0)
        report_cpu_by_kind(server_log)
        lost = verify(plan, results)
        print(f"lost saves: {lost}")
        server_log.seek(0)
        server_errors = [line for line in server_log if "Traceback" in line or "ERROR" in line]
        print(f"server errors logged: {len(server_errors)}")
        return 0 if lost == 0 and not results.errors and not server_errors else 1
    finally:
        # Each server stops even when stopping another failed (a gunicorn slow to exit).
        with contextlib.ExitStack() as stopping:
            stopping.callback(shutil.rmtree, media, ignore_errors=True)
            if redis is not None:
                stopping.callback(redis.stop)
            if postgres is not None:
                stopping.callback(postgres.stop)
            stopping.callback(_close_connections)
            if gunicorn is not None:
                stopping.callback(_stop, gunicorn)


def _close_connections() -> None:
    from django.db import connections

    connections.close_all()


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
