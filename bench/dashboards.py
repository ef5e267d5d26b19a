"""Benchmark of the dashboards on a national-scale campaign.

    .venv/bin/python -m bench.dashboards [--establishments 45000] [--repeat 7] [--answers]
                                         [--reuse | --force]

Generates, on the configured database (`DATABASE_URL`, else the development SQLite file), the
18 regions' establishments (about 7 % ES, 93 % ESSMS), ~135 GHTs, a referential with the
headline requirements, one campaign, its assessments in every state and their score snapshots
(bulk inserts), then prints the median response time and the number of queries of the national
dashboard, the largest regional dashboard, a GHT dashboard and CSV exports, served through
Django's test client. The CPU column adds this process's CPU time and, for a local PostgreSQL,
its server process's: on a busy machine it stays close to what an idle one would take.

It refuses a database that already holds establishments (use a dedicated database), unless
`--reuse` (measure the data already there, e.g. a previous run's) or `--force` (add the
generated data anyway). `--answers` also writes every answer of the started assessments
(millions of rows; the dashboards read only the snapshots). Numbers, not pass/fail.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import date
from pathlib import Path

from bench import bootstrap

bootstrap.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from assessments.models import Answer, Assessment, Campaign, ScoreSnapshot  # noqa: E402
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
from referential.headlines import Headline  # noqa: E402
from referential.models import Axis, Objective, ReferentialVersion, Requirement  # noqa: E402

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
# Headline requirements: code, headline, applies_to, action, share, deadline, deadline label.
HEADLINE_ITEMS = [
    ("GOV-RSSI", "rssi", ["ES", "ESSMS", "GHT"], "2-1", 70, date(2025, 6, 30), "S1 2025"),
    ("GOV-COMITE", "governance", ["ES", "ESSMS", "GHT"], "2-1", 70, date(2025, 6, 30), "S1 2025"),
    ("CRI-PLAN-BLANC", "plan_blanc", ["ES"], "3-1", 100, date(2024, 12, 31), "S2 2024"),
    ("CRI-PCRA-REF", "pcra_referent", ["ES"], "3-2", 100, date(2025, 6, 30), "S1 2025"),
    ("CRI-EXERCICE", "exercise", ["ES"], "3-3", 80, date(2024, 12, 31), "S2 2024"),
    ("AUTOEVAL", "", ["ES", "ESSMS"], "4-1", 100, date(2025, 6, 30), "S1 2025"),
    ("BUD-2PC", "budget", ["ES"], "7-1", 100, date(2025, 6, 30), "S1 2025"),
    ("D1-AD", "domain1", ["ES"], "13-1", 90, date(2025, 6, 30), "S1 2025"),
    ("GHT-PILOTE", "", ["GHT"], "5-1", 80, date(2025, 12, 31), "S2 2025"),
    ("GHT-CONVERGENCE-AD", "", ["GHT"], "5-1", 80, date(2025, 12, 31), "S2 2025"),
]
FILLER_REQUIREMENTS = 50


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


# --- Generation ---------------------------------------------------------------------------------


def make_referential() -> ReferentialVersion:
    version = (
        ReferentialVersion.objects.filter(code="BENCH").aggregate(v=Max("version"))["v"] or 0
    ) + 1
    referential = ReferentialVersion.objects.create(
        code="BENCH", version=version, title="Référentiel de mesure", status="published"
    )
    axis = Axis.objects.create(referential=referential, code="1", number=1, title="Axe 1")
    objective = Objective.objects.create(
        referential=referential, axis=axis, code="1", number=1, title="Objectif 1"
    )
    requirements = [
        Requirement(
            referential=referential,
            objective=objective,
            code=code,
            label=f"Exigence {code}",
            care_action=action,
            applies_to=applies_to,
            answer_type="boolean",
            rule={"type": "boolean"},
            weight=3,
            deadline=deadline,
            deadline_label=label,
            national_target_share=share,
            national_target_population="des établissements concernés",
            headline=headline,
            order=i,
        )
        for i, (code, headline, applies_to, action, share, deadline, label) in enumerate(
            HEADLINE_ITEMS
        )
    ]
    requirements += [
        Requirement(
            referential=referential,
            objective=objective,
            code=f"ITEM-{i:03d}",
            label=f"Exigence {i}",
            care_action="11-1",
            applies_to=["ES", "ESSMS"] if i % 3 else ["ES"],
            answer_type="tristate",
            rule={"type": "tristate"},
            weight=1,
            order=100 + i,
        )
        for i in range(FILLER_REQUIREMENTS)
    ]
    Requirement.objects.bulk_create(requirements)
    return referential


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
    campaign = Campaign.objects.create(year=year, referential=referential)
    rows = list(
        Establishment.objects.filter(finess__in=[e.finess for e in establishments]).values_list(
            "pk", "kind"
        )
    )
    support_ids = set(supports.values())
    states = [
        ("none", 4),
        ("empty", 10),
        ("draft", 36),
        ("reopened", 2),
        ("submitted", 28),
        ("validated", 20),
    ]
    assessments, plans = [], []
    for pk, kind in rows:
        state = rng.choices([s for s, _w in states], weights=[w for _s, w in states])[0]
        if state == "none":
            continue
        status = "draft" if state == "empty" else state
        assessments.append(Assessment(establishment_id=pk, campaign=campaign, status=status))
        plans.append((state, kind, pk in support_ids))
    Assessment.objects.bulk_create(assessments, batch_size=BATCH)
    ids = dict(Assessment.objects.filter(campaign=campaign).values_list("establishment_id", "pk"))
    snapshots = []
    for assessment, (state, kind, is_support) in zip(assessments, plans, strict=True):
        assessment_id = ids[assessment.establishment_id]
        if state == "empty":
            snapshots.append(
                ScoreSnapshot(assessment_id=assessment_id, score_global=0.0, count_unanswered=40)
            )
            continue
        quality = rng.betavariate(2.2, 2.0)
        flags = {
            headline.snapshot_field: (rng.random() < quality + 0.15)
            if (kind == Kind.ES or headline in (Headline.RSSI, Headline.GOVERNANCE))
            else None
            for headline in Headline
            if headline.snapshot_field
        }
        detail = {}
        if is_support:  # the part of the detail the GHT dashboard reads
            detail = {
                "statuses": {
                    "GHT-PILOTE": rng.choice(["met", "not_met", "partial"]),
                    "GHT-CONVERGENCE-AD": rng.choice(["met", "not_met", "unanswered"]),
                }
            }
        met = int(40 * quality)
        partial = rng.randint(0, 40 - met)
        snapshots.append(
            ScoreSnapshot(
                assessment_id=assessment_id,
                score_global=round(100 * quality, 2),
                score_d1=round(100 * rng.betavariate(2, 2), 2) if kind == Kind.ES else None,
                count_met=met,
                count_partial=partial,
                count_not_met=2,
                count_answered=met + partial + 2,
                detail=detail,
                **flags,
            )
        )
    ScoreSnapshot.objects.bulk_create(snapshots, batch_size=BATCH)
    if with_answers:
        write_answers(campaign, referential, rng)
    print(
        f"generated {len(establishments):,} establishments, {len(created_ghts)} GHTs, "
        f"{len(assessments):,} assessments, {len(snapshots):,} snapshots in "
        f"{time.perf_counter() - started:.1f} s (establishments {established - started:.1f} s)"
    )
    return campaign


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


_backend_pid: list[int] = []


def database_cpu_seconds() -> float | None:
    """CPU time used so far by this connection's PostgreSQL server process, when it runs on
    this machine (read from /proc); None otherwise (SQLite runs inside this process). The
    connection is kept across requests (see main), so the server process stays the same."""
    if connection.vendor != "postgresql":
        return None
    if not _backend_pid:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _backend_pid.append(cursor.fetchone()[0])
    pid = _backend_pid[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(client: Client, url: str, repeat: int) -> dict:
    """Median and best wall time, median CPU time (this process + the database server's,
    which a busy machine does not inflate), queries and size of `repeat` GETs after a warm-up."""
    times, cpu_times, queries, size = [], [], 0, 0
    for i in range(repeat + 1):
        db_before = database_cpu_seconds()
        with CaptureQueriesContext(connection) as captured:
            cpu_before = time.process_time()
            started = time.perf_counter()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_before
        db_after = database_cpu_seconds()
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        if db_before is not None and db_after is not None:
            cpu += db_after - db_before
        if i:
            times.append(elapsed * 1000)
            cpu_times.append(cpu * 1000)
        queries, size = len(captured), len(body)
    return {
        "median": statistics.median(times),
        "best": min(times),
        "cpu": statistics.median(cpu_times),
        "queries": queries,
        "size": size,
    }


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
    cases = [
        ("national dashboard", national, reverse("dashboards:national") + year),
        (
            f"regional dashboard ({largest})",
            regional,
            reverse("dashboards:region", args=[largest]) + year,
        ),
        (
            f"regional dashboard ({largest}), filtered",
            regional,
            reverse("dashboards:region", args=[largest])
            + year
            + "&kind=ESSMS&status=draft&hl_rssi=not_met&sort=-score&page=3",
        ),
        (
            f"GHT dashboard ({ght.code})",
            regional,
            reverse("dashboards:ght", args=[ght.code]) + year,
        ),
        (
            f"regional CSV export ({counts[largest]:,} rows)",
            regional,
            reverse("dashboards:region_export", args=[largest]) + year + "&format=csv",
        ),
        (
            f"national CSV export ({total:,} rows)",
            national,
            reverse("dashboards:national_export") + year + "&format=csv",
        ),
    ]
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(
        f"\n{'page':<48} {'median ms':>10} {'best ms':>9} {'CPU ms':>8} {'queries':>8} "
        f"{'bytes':>11}"
    )
    for label, client, url in cases:
        m = measure(client, url, args.repeat)
        print(
            f"{label:<48} {m['median']:>10.1f} {m['best']:>9.1f} {m['cpu']:>8.1f} "
            f"{m['queries']:>8} {m['size']:>11,}"
        )


if __name__ == "__main__":
    main()
