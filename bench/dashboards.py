"""Benchmark of the dashboards on a national-scale campaign.

    .venv/bin/python -m bench.dashboards [--establishments 45000] [--repeat 7] [--answers]
                                         [--reuse | --force]

Generates, on the configured database (`DATABASE_URL`, else the development SQLite file), the
18 regions' establishments (about 7 % ES, 93 % ESSMS), ~135 GHTs, the CaRE referential, two
campaigns (the previous one and this one) with their assessments in every state and their score
snapshots (bulk inserts of copies of a few answer sets per kind and status, scored by the
scoring service: the detail the portal writes), and builds both campaigns' summaries. Then it
prints, served through Django's test client, the median response time, CPU time and number of
queries (BEGIN, COMMIT and savepoints aside) of the national dashboard, the largest regional dashboard and list, a GHT dashboard and
the CSV and XLSX exports, beside the goals where there is one; the dashboards once more with their
figures drawn on every request, as after a change in their scope (they are otherwise served from
the cache while unchanged, see `dashboards.fragments`); and the floor: the grouped counts
read from the summary against the live join they replace. The CPU column adds this process's CPU time
and, for a local PostgreSQL, its server's (the connection's process and the workers it starts
for a query planned in parallel): on a busy machine it stays close to what an idle one would
take. The floor, the national grouped counts joined live, is measured first and again at the
end; each CPU time is also printed divided by it, a figure that holds from one machine to another.
Django runs with DEBUG off, as in production (``DJANGO_DEBUG`` set otherwise wins).

It refuses a database that already holds establishments (use a dedicated database), unless
`--reuse` (measure the data already there, e.g. a previous run's) or `--force` (add the
generated data anyway). `--answers` also writes every answer of the started assessments
(millions of rows; the dashboards read only the snapshots). Numbers, not pass/fail.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import time
from datetime import date

from bench import bootstrap

# Served as in production: templates and queries without their debugging aids.
os.environ.setdefault("DJANGO_DEBUG", "0")
bootstrap.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from assessments.models import Answer, Assessment, Campaign, ScoreSnapshot  # noqa: E402
from assessments.scoring.compiled import compiled_referential  # noqa: E402
from assessments.scoring.copies import sync_snapshot_copies  # noqa: E402
from assessments.scoring.service import kinds_of, snapshot_values  # noqa: E402
from dashboards import fragments  # noqa: E402
from dashboards.summary import live_rows, rebuild_summary, scope_q, summary_rows  # noqa: E402
from demo.answers import demo_answers  # noqa: E402
from establishments.models import (  # noqa: E402
    GHT,
    Department,
    Establishment,
    Kind,
    Region,
    Role,
    RoleAssignment,
    User,
)
from establishments.validators import finess_number  # noqa: E402
from referential.models import ReferentialVersion  # noqa: E402

BATCH = 5000
ES_SHARE = 0.07
LEGAL_STATUSES_ES = [
    ("Établissement public de santé", 0.45),
    ("Privé non lucratif", 0.15),
    ("Privé commercial", 0.40),
]
LEGAL_STATUSES_ESSMS = [
    ("Public", 0.30),
    ("Privé non lucratif", 0.50),
    ("Privé commercial", 0.20),
]
REFERENTIAL = bootstrap.ROOT / "fixtures" / "referential" / "care-2025.yaml"
TODAY = date(2025, 9, 15)


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


# --- Generation ---------------------------------------------------------------------------------


def make_referential() -> ReferentialVersion:
    """The CaRE referential the portal ships (loaded once per database)."""
    found = ReferentialVersion.objects.filter(code="CARE").order_by("-version").first()
    if found is None:
        call_command("load_referential", str(REFERENTIAL), stdout=io.StringIO())
        found = ReferentialVersion.objects.filter(code="CARE").order_by("-version").first()
    return found


def region_weights() -> dict[str, int]:
    """Establishments per region follow the number of departments (a fair proxy)."""
    return dict(
        Region.objects.annotate(n=Count("departments")).filter(n__gt=0).values_list("code", "n")
    )


def generate(total: int, rng: random.Random, *, with_answers: bool) -> Campaign:
    departments = list(Department.objects.select_related("region").order_by("code"))
    if not departments:
        raise SystemExit("No department in the database: run the migrations first.")
    serial_start = (Establishment.objects.count() + 1) * 10
    weights = region_weights()
    by_region: dict[str, list[Department]] = {}
    for department in departments:
        by_region.setdefault(department.region_id, []).append(department)

    started = time.perf_counter()
    # One or two GHTs per department: about 135 in all.
    ghts, ght_department = [], {}
    ght_serial = GHT.objects.count()
    for department in departments:
        for _i in range(1 + (rng.random() < 0.35)):
            ght_serial += 1
            ght_department[f"GHT-B{ght_serial:04d}"] = department.code
            ghts.append(
                GHT(
                    code=f"GHT-B{ght_serial:04d}",
                    name=f"GHT {department.name} {ght_serial}",
                    region_id=department.region_id,
                )
            )
    GHT.objects.bulk_create(ghts, batch_size=BATCH)
    ghts_by_department: dict[str, list[GHT]] = {}
    created_ghts = list(GHT.objects.filter(code__in=[g.code for g in ghts]).order_by("code"))
    for ght in created_ghts:
        ghts_by_department.setdefault(ght_department[ght.code], []).append(ght)

    region_codes = list(weights)
    region_of = rng.choices(region_codes, weights=[weights[c] for c in region_codes], k=total)
    establishments = []
    for i in range(total):
        department = rng.choice(by_region[region_of[i]])
        es = rng.random() < ES_SHARE
        legal = pick(rng, LEGAL_STATUSES_ES if es else LEGAL_STATUSES_ESSMS)
        public = legal.startswith(("Établissement public", "Public"))
        in_ght = (es and public) or (public and rng.random() < 0.2)
        prefix = department.code if department.code.isdigit() else "20"
        serial = serial_start + i
        establishments.append(
            Establishment(
                finess=finess_number(prefix[:2], serial),
                finess_ej=finess_number(prefix[:2], 500000 + serial // 3),
                name=f"{'Centre hospitalier' if es else 'EHPAD'} {department.name} {i:05d}",
                kind=Kind.ES if es else Kind.ESSMS,
                category_code="355" if es else "500",
                category_label="Centre Hospitalier (C.H.)" if es else "EHPAD",
                department_id=department.code,
                region_id=department.region_id,
                ght=rng.choice(ghts_by_department[department.code]) if in_ght else None,
                legal_status=legal,
                city=department.name,
            )
        )
    Establishment.objects.bulk_create(establishments, batch_size=BATCH)
    established = time.perf_counter()

    # Each GHT's support establishment: its first public ES.
    supports = {}
    for est_id, ght_id in (
        Establishment.objects.filter(ght__in=created_ghts, kind=Kind.ES)
        .order_by("pk")
        .values_list("pk", "ght_id")
    ):
        supports.setdefault(ght_id, est_id)
    for ght in created_ghts:
        ght.support_establishment_id = supports.get(ght.pk)
    GHT.objects.bulk_update(created_ghts, ["support_establishment"], batch_size=BATCH)

    referential = make_referential()
    year = (Campaign.objects.aggregate(y=Max("year"))["y"] or 2024) + 1
    # The previous campaign in the same table, as production keeps every year.
    previous = Campaign.objects.create(year=year, referential=referential)
    campaign = Campaign.objects.create(year=year + 1, referential=referential)
    rows = list(
        Establishment.objects.filter(finess__in=[e.finess for e in establishments]).values_list(
            "pk", "kind", "ght_id"
        )
    )
    sets = AnswerSets(referential, rng)
    snapshots = 0
    for which, states in ((previous, PREVIOUS_STATES), (campaign, STATES)):
        snapshots += write_campaign(which, rows, states, sets, rng)
    if with_answers:
        write_answers(campaign, referential, rng)
    rebuilt = time.perf_counter()
    for which in (previous, campaign):
        rebuild_summary(which)
    print(
        f"generated {len(establishments):,} establishments, {len(created_ghts)} GHTs, "
        f"2 campaigns, {snapshots:,} snapshots (detail {sets.detail_bytes():,.0f} bytes on "
        f"average) in {time.perf_counter() - started:.1f} s (establishments "
        f"{established - started:.1f} s, summaries {time.perf_counter() - rebuilt:.1f} s)"
    )
    return campaign


# An assessment's state: none (never opened), empty (opened, nothing answered), or its status.
STATES = [
    ("none", 4),
    ("empty", 10),
    ("draft", 36),
    ("reopened", 2),
    ("submitted", 28),
    ("validated", 20),
]
PREVIOUS_STATES = [("none", 8), ("draft", 12), ("submitted", 30), ("validated", 50)]
SETS_PER_CASE = 8


class AnswerSets:
    """A few realistic answer sets per kind of establishment and status, scored by the real
    scoring service; each snapshot written is a copy of one of them (the size and content the
    portal writes, at a fraction of the time of scoring 45,000 assessments)."""

    def __init__(self, referential: ReferentialVersion, rng: random.Random) -> None:
        self.compiled = compiled_referential(referential.pk)
        self.requirements = list(referential.requirements.order_by("order"))
        self.rng = rng
        self.cache: dict[tuple, list[dict]] = {}

    def values(self, kind: str, in_ght: bool, submitted: bool, empty: bool = False) -> dict:
        key = (kind, in_ght, submitted, empty)
        if key not in self.cache:
            kinds = kinds_of(kind, 1 if in_ght else None)
            asked = [r for r in self.requirements if kinds & set(r.applies_to)]
            count = 1 if empty else SETS_PER_CASE
            self.cache[key] = [self._scored(asked, kinds, submitted, empty) for _ in range(count)]
        return self.rng.choice(self.cache[key])

    def _scored(self, asked, kinds, submitted: bool, empty: bool) -> dict:
        answers = demo_answers(
            asked,
            maturity=self.rng.betavariate(2.2, 2.0),
            completeness=0.0 if empty else 1.0 if submitted else self.rng.uniform(0.2, 0.95),
            rng=self.rng,
            today=TODAY,
        )
        rules = self.compiled.model.rules
        cleaned = {
            code: rules[code].clean(value, reference_date=TODAY, not_applicable_allowed=True)
            for code, value in answers.items()
        }
        result = self.compiled.model.score(
            cleaned, kinds=kinds, reference_date=TODAY, submitted=submitted
        )
        return snapshot_values(result, reference_date=TODAY)

    def detail_bytes(self) -> float:
        sizes = [len(json.dumps(v["detail"])) for sets in self.cache.values() for v in sets]
        return statistics.mean(sizes) if sizes else 0.0


def write_campaign(campaign, rows, states, sets: AnswerSets, rng: random.Random) -> int:
    """The campaign's assessments in every state and their snapshots (bulk inserts)."""
    assessments, plans = [], []
    for pk, kind, ght_id in rows:
        state = rng.choices([s for s, _w in states], weights=[w for _s, w in states])[0]
        if state == "none":
            continue
        status = "draft" if state == "empty" else state
        assessments.append(Assessment(establishment_id=pk, campaign=campaign, status=status))
        plans.append((state, kind, ght_id is not None))
    Assessment.objects.bulk_create(assessments, batch_size=BATCH)
    ids = dict(Assessment.objects.filter(campaign=campaign).values_list("establishment_id", "pk"))
    snapshots = []
    for assessment, (state, kind, in_ght) in zip(assessments, plans, strict=True):
        assessment_id = ids[assessment.establishment_id]
        values = sets.values(kind, in_ght, state in ("submitted", "validated"), state == "empty")
        snapshots.append(ScoreSnapshot(assessment_id=assessment_id, **values))
    ScoreSnapshot.objects.bulk_create(snapshots, batch_size=BATCH)
    # The registry's copies (region, department, GHT, kind…) the regional lists filter on, as
    # every write of the portal sets them.
    sync_snapshot_copies(ScoreSnapshot.objects.filter(assessment__campaign=campaign))
    return len(snapshots)


def write_answers(campaign: Campaign, referential: ReferentialVersion, rng: random.Random) -> None:
    requirements = list(referential.requirements.values_list("pk", "answer_type", "applies_to"))
    batch = []
    for assessment_id, kind in (
        Assessment.objects.filter(campaign=campaign, snapshot__count_met__gt=0)
        .values_list("pk", "establishment__kind")
        .iterator(chunk_size=BATCH)
    ):
        for pk, answer_type, applies_to in requirements:
            if kind not in applies_to:
                continue
            value = (
                rng.random() < 0.6
                if answer_type == "boolean"
                else rng.choice(["yes", "partial", "no"])
            )
            batch.append(Answer(assessment_id=assessment_id, requirement_id=pk, value=value))
        if len(batch) >= BATCH * 4:
            Answer.objects.bulk_create(batch, batch_size=BATCH)
            batch = []
    Answer.objects.bulk_create(batch, batch_size=BATCH)
    print(f"answers: {Answer.objects.filter(assessment__campaign=campaign).count():,}")


# --- Measurement --------------------------------------------------------------------------------


def signed_in_client(email: str, role: str, **scope) -> Client:
    user = User.objects.filter(email=email).first() or User.objects.create_user(email=email)
    if not RoleAssignment.objects.filter(user=user, role=role, **scope).exists():
        RoleAssignment.objects.create(user=user, role=role, **scope)
    client = Client()
    client.force_login(user)
    # ARS and national accounts pass a second factor: record it as a real sign-in would.
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
        TOTPDevice.objects.create(user=user, name="Mesure", confirmed=True)
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


# The local PostgreSQL server's CPU time, every process of it: the connection's backend and the
# workers it starts for a query planned in parallel.
database_cpu_seconds = bootstrap.server_cpu_seconds
# This run's floor (CPU ms of the live grouped counts), each page's CPU is printed against it.
FLOOR: dict[str, float] = {}


def timed(function, repeat: int) -> dict:
    """Median wall and CPU milliseconds (this process + the database server's) of a call."""
    walls, cpus = [], []
    for i in range(repeat + 1):
        db_before = database_cpu_seconds()
        cpu_before, started = time.process_time(), time.perf_counter()
        function()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_before
        db_after = database_cpu_seconds()
        if db_before is not None and db_after is not None:
            cpu += db_after - db_before
        if i:
            walls.append(elapsed * 1000)
            cpus.append(cpu * 1000)
    return {"median": statistics.median(walls), "cpu": statistics.median(cpus)}


def measure(client: Client, url: str, repeat: int) -> dict:
    """:func:`measure_call` of `repeat` GETs of `url`."""
    return measure_call(lambda: client.get(url), repeat)


def measure_saves(campaign: Campaign, region: str, ght: GHT, repeat: int) -> None:
    """A save through the API (an RSSI's answer on a draft of the largest region) and a
    GHT-level save (the GHT lead's answer on the support establishment's assessment, which
    rescores every member), measured like the pages; they write to this database."""
    compiled = compiled_referential(campaign.referential_id)
    draft = (
        Assessment.objects.filter(
            campaign=campaign,
            status=Assessment.Status.DRAFT,
            establishment__region_id=region,
            establishment__kind=Kind.ES,
        )
        .select_related("establishment")
        .order_by("pk")
        .first()
    )
    support = Assessment.objects.filter(
        campaign=campaign, establishment_id=ght.support_establishment_id
    ).first()
    yes_no = [
        spec.code
        for spec in compiled.model.specs
        if spec.rule.get("type") == "tristate" and not spec.condition
    ]
    site_code = next(c for c in yes_no if c not in compiled.ght_level_codes)
    ght_code = next((c for c in yes_no if c in compiled.ght_level_codes), None)
    cases = [
        (
            "API save (a draft's answer)",
            signed_in_client(
                "mesure-rssi@example.invalid", Role.RSSI, establishment=draft.establishment
            ),
            draft,
            site_code,
            (30, 12),
        )
    ]
    if support is not None and ght_code is not None:
        support.status = Assessment.Status.DRAFT
        support.save(update_fields=["status"])
        members = Establishment.objects.filter(ght=ght, is_active=True).count()
        cases.append(
            (
                f"GHT-level save ({members} members rescored)",
                signed_in_client("mesure-ght@example.invalid", Role.GHT, ght=ght),
                support,
                ght_code,
                (150, None),
            )
        )
    print()
    for label, client, assessment, code, (cpu_goal, query_goal) in cases:
        values = iter(["yes", "no"] * (repeat + 1))
        # As an API client does: the version it read, then the one each save answers (each
        # save adds one; a stale version would answer 409 and stop the measure).
        read = {
            "version": Assessment.objects.values_list("version", flat=True).get(pk=assessment.pk)
        }

        def patch(client=client, assessment=assessment, code=code, values=values, read=read):
            body = json.dumps({"version": read["version"], "answers": {code: next(values)}})
            read["version"] += 1
            return client.patch(
                f"/api/assessments/{assessment.pk}/answers/", body, content_type="application/json"
            )

        print_row(label, measure_call(patch, repeat), cpu_goal, query_goal, size=False)


def print_row(label: str, m: dict, cpu_goal, query_goal, *, size: bool = True) -> None:
    """One measured line: times, CPU, queries, bytes (`size`), and the goal with its verdict."""
    goal = " and ".join(
        part
        for part in (
            f"<= {cpu_goal} ms CPU" if cpu_goal else "",
            f"<= {query_goal} queries" if query_goal else "",
        )
        if part
    )
    met = (not cpu_goal or m["cpu"] <= cpu_goal) and (not query_goal or m["queries"] <= query_goal)
    written = f"{m['size']:>10,}" if size else f"{'':>10}"
    ratio = f"{m['cpu'] / FLOOR['cpu']:>7.3f}" if FLOOR.get("cpu") else f"{'':>7}"
    print(
        f"{label:<56} {m['median']:>9.1f} {m['best']:>8.1f} {m['cpu']:>7.1f} {ratio} "
        f"{m['queries']:>7} {written}  "
        + (f"{goal} ({'met' if met else 'NOT MET'})" if goal else "-")
    )


def is_transaction_control(sql: str) -> bool:
    """BEGIN, COMMIT, ROLLBACK and savepoints: what a save's transaction adds, not queries."""
    return sql.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT"))


def measure_call(call, repeat: int) -> dict:
    """Median and best wall time, CPU time (this process's median, plus the database server's
    mean: it is counted in clock ticks of 10 ms, too coarse for a median) and size of `repeat`
    requests (`call()` returns the response, read whole) after a warm-up; then the queries of
    one more request (transaction control aside, as the tests count them), counted apart:
    recording them costs the process a copy of every statement, which no user's request pays."""
    times, cpu_times, db_times, size = [], [], [], 0

    def read(response) -> bytes:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code != 200:
            raise SystemExit(f"answered {response.status_code}: {body[:300]!r}")
        return body

    for i in range(repeat + 1):
        db_before = database_cpu_seconds()
        cpu_before, started = time.process_time(), time.perf_counter()
        body = read(call())
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_before
        db_after = database_cpu_seconds()
        if i:
            times.append(elapsed * 1000)
            cpu_times.append(cpu * 1000)
            if db_before is not None and db_after is not None:
                db_times.append((db_after - db_before) * 1000)
        size = len(body)
    with CaptureQueriesContext(connection) as captured:
        read(call())
    queries = sum(not is_transaction_control(q["sql"]) for q in captured)
    return {
        "median": statistics.median(times),
        "best": min(times),
        "cpu": statistics.median(cpu_times) + (statistics.mean(db_times) if db_times else 0),
        "queries": queries,
        "size": size,
    }


class FiguresDrawnAgain:
    """The cache as after a change in the scope: the dashboards' figures and lists are never
    found in it (everything else is)."""

    def __init__(self, cache):
        self._cache = cache

    def get(self, key, *args, **kwargs):
        if str(key).startswith(("dashboard-figures:", "dashboard-list:")):
            return None
        return self._cache.get(key, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._cache, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--establishments", type=int, default=45_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--answers", action="store_true", help="also write every answer")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--reuse", action="store_true", help="measure the data already there")
    group.add_argument("--force", action="store_true", help="generate even if data exists")
    args = parser.parse_args()

    database = connection.settings_dict
    # One connection for the whole run, as a production server keeps them (CONN_MAX_AGE).
    database["CONN_MAX_AGE"] = None
    print(f"database: {connection.vendor} {database.get('NAME')}")
    call_command("migrate", verbosity=0)
    if args.reuse:
        campaign = Campaign.objects.order_by("-year").first()
        if campaign is None:
            raise SystemExit("--reuse: this database has no campaign to measure.")
    else:
        if Establishment.objects.exists() and not args.force:
            raise SystemExit(
                "This database already holds establishments: point DATABASE_URL at a dedicated "
                "database, or pass --reuse (measure them) or --force (add the generated data)."
            )
        with transaction.atomic():
            campaign = generate(
                args.establishments, random.Random(args.seed), with_answers=args.answers
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    # The test client's host name (setup_test_environment would also slow template rendering).
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    counts = dict(
        Establishment.objects.filter(is_active=True)
        .values("region_id")
        .annotate(n=Count("pk"))
        .values_list("region_id", "n")
    )
    largest = max(counts, key=counts.get)
    ght = (
        GHT.objects.filter(region_id=largest, support_establishment__isnull=False)
        .annotate(n=Count("establishments"))
        .order_by("-n")
        .first()
    )
    national = signed_in_client("mesure-national@example.invalid", Role.NATIONAL)
    regional = signed_in_client(
        "mesure-ars@example.invalid", Role.ARS, region=Region.objects.get(code=largest)
    )
    total = sum(counts.values())
    print(
        f"campaign {campaign.year}: {total:,} active establishments, "
        f"{Assessment.objects.filter(campaign=campaign).count():,} assessments; "
        f"largest region {largest} ({counts[largest]:,} establishments)"
    )
    year = f"?campaign={campaign.year}"
    region_url = reverse("dashboards:region", args=[largest]) + year
    # label, client, URL, goal (CPU ms, queries): issue 19's figures where it sets one.
    cases = [
        ("national dashboard", national, reverse("dashboards:national") + year, (60, 12)),
        (f"regional dashboard ({largest})", regional, region_url, (30, None)),
        (
            f"regional dashboard ({largest}), filtered",
            regional,
            region_url + "&kind=ESSMS&status=draft&hl_rssi=not_met&sort=-score&page=3",
            (30, None),
        ),
        (
            f"regional list ({largest})",
            regional,
            reverse("establishments:list") + f"?region={largest}",
            (None, None),
        ),
        (
            f"GHT dashboard ({ght.code})",
            regional,
            reverse("dashboards:ght", args=[ght.code]) + year,
            (None, None),
        ),
        (
            f"regional CSV export ({counts[largest]:,} rows)",
            regional,
            reverse("dashboards:region_export", args=[largest]) + year + "&format=csv",
            (None, None),
        ),
        (
            f"national CSV export ({total:,} rows)",
            national,
            reverse("dashboards:national_export") + year + "&format=csv",
            (None, None),
        ),
        (
            f"national XLSX export ({total:,} rows)",
            national,
            reverse("dashboards:national_export") + year + "&format=xlsx",
            (5000, None),
        ),
    ]
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    # The floor first (and again at the end): the live join of establishments, assessments
    # and snapshots that the summary replaces, what the pages cost without it.
    first_floor = timed(lambda: live_rows(campaign), args.repeat)
    FLOOR["cpu"] = first_floor["cpu"]
    print(
        f"floor: the national grouped counts joined live, {first_floor['cpu']:.1f} ms CPU "
        f"({first_floor['median']:.1f} ms wall); the column / floor divides each CPU time by it"
    )
    print(
        f"\n{'page':<56} {'median ms':>9} {'best ms':>8} {'CPU ms':>7} {'/ floor':>7} "
        f"{'queries':>7} {'bytes':>10}  goal"
    )
    # The dashboards again, their figures drawn on every request (as after a change in the
    # scope), beside the same pages served while the figures are unchanged.
    drawn = [
        (f"{label}, drawn again", client, url, (None, None), True)
        for label, client, url, _goal in cases
        if "dashboard" in label
    ]
    for label, client, url, (cpu_goal, query_goal), *again in [*cases, *drawn]:
        if again:
            fragments.cache = FiguresDrawnAgain(cache)
        try:
            m = measure(client, url, args.repeat)
        finally:
            fragments.cache = cache
        print_row(label, m, cpu_goal, query_goal)

    measure_saves(campaign, largest, ght, args.repeat)

    # The floor: what the pages' grouped figures cost read from the summary, against the live
    # join of establishments, assessments and snapshots they replace.
    live = timed(lambda: live_rows(campaign), args.repeat)
    stored = timed(lambda: summary_rows(campaign, scope_q(), known_built=False), args.repeat)
    print(
        f"\ngrouped counts, national: live join {live['median']:.1f} ms wall, "
        f"{live['cpu']:.1f} ms CPU; summary read {stored['median']:.1f} ms wall, "
        f"{stored['cpu']:.1f} ms CPU; ratio summary / live {stored['cpu'] / live['cpu']:.2f} (CPU)"
    )
    drift = live["cpu"] / first_floor["cpu"]
    print(
        f"floor at the start {first_floor['cpu']:.1f} ms CPU, at the end {live['cpu']:.1f}: "
        + (
            "the machine kept its speed"
            if 0.85 <= drift <= 1.15
            else f"the machine's speed changed during the run (× {drift:.2f}): compare ratios"
        )
    )


if __name__ == "__main__":
    main()
