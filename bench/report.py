"""Time to render the PDF gap report of a fully answered assessment, beside WeasyPrint alone.

    .venv/bin/python -m bench.report [--repeat 7] [--keep]
    DATABASE_URL=postgres://… .venv/bin/python -m bench.report

Builds, in a temporary SQLite database (or, with `DATABASE_URL`, in a `test_…` database created
beside the configured one and dropped afterwards), the CaRE referential (fixtures/referential/
care-2025.yaml), a hospital that supports its GHT with every requirement answered (its own and
the GHT-level ones), submitted and validated, last year's assessment for the trend, ten
comparable establishments for the position and a few pieces of evidence. Then it renders the
report `--repeat` times through `render_report_pdf` (what the download does: queries, scoring,
template, charts, WeasyPrint) and, taking turns with it, the same report with WeasyPrint alone:
`render_report_html`'s self-contained page (the whole stylesheet inline, the same fonts and PDF/UA
options) through a plain `HTML(string=…).write_pdf()`, which parses that stylesheet and decodes
the fonts at each call where the portal does so once per process; it prints the medians side by side, wall clock and CPU
time (the CPU time, this process's and, on a local PostgreSQL, its server process's, stays
meaningful on a busy machine), and the time the server takes to serve the stored report of the
validated assessment again (the download of an unchanged report), beside the goals. Numbers,
not pass/fail.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time
from datetime import date

from bench import bootstrap

DATABASE_DIR = bootstrap.setup(throwaway=True, unless_configured=True)

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from weasyprint import HTML  # noqa: E402

from assessments import workflow  # noqa: E402
from assessments.answers import AnswersRejected, save_answers  # noqa: E402
from assessments.evidence import add_link, add_note  # noqa: E402
from assessments.models import Answer, Assessment, Campaign  # noqa: E402
from assessments.scoring.compiled import compiled_referential  # noqa: E402
from assessments.scoring.service import recompute_snapshots  # noqa: E402
from demo.answers import demo_answers  # noqa: E402
from establishments.models import GHT, Department, Establishment, Kind, Region, Role, User  # noqa: E402
from establishments.roles import grant_role  # noqa: E402
from establishments.validators import finess_number  # noqa: E402
from referential.models import ReferentialVersion, Requirement  # noqa: E402
from reports.pdf import (  # noqa: E402
    PDF_OPTIONS,
    REPORT_RELATED,
    LocalFontsOnly,
    font_directory,
    render_report_html,
    render_report_pdf,
)
from reports.stored import store_report  # noqa: E402

FIXTURE = bootstrap.ROOT / "fixtures" / "referential" / "care-2025.yaml"
TODAY = date(2025, 9, 15)
PEERS = 10


def answer_all(
    assessment: Assessment, requirements, *, maturity: float, user, ght_lead, seed: int
) -> None:
    """Every requirement answered, as the forms would save them: the GHT-level ones by the GHT
    lead, the others by the RSSI (invalid demo values dropped)."""
    answers = demo_answers(
        requirements, maturity=maturity, completeness=1.0, rng=random.Random(seed), today=TODAY
    )
    ght_level = compiled_referential(assessment.campaign.referential_id).ght_level_codes
    for who, part in (
        (ght_lead, {c: v for c, v in answers.items() if c in ght_level}),
        (user, {c: v for c, v in answers.items() if c not in ght_level}),
    ):
        while part:
            assessment.refresh_from_db()
            try:
                save_answers(
                    assessment=assessment,
                    answers=part,
                    expected_version=assessment.version,
                    user=who,
                )
                break
            except AnswersRejected as rejected:
                for code in rejected.errors:
                    part.pop(code)


@transaction.atomic
def build() -> Assessment:
    call_command("load_referential", str(FIXTURE), stdout=io.StringIO())
    referential = ReferentialVersion.objects.get(code="CARE", version=1)
    region = Region.objects.get_or_create(code="84", defaults={"name": "Auvergne-Rhône-Alpes"})[0]
    department = Department.objects.get_or_create(
        code="69", defaults={"name": "Rhône", "region": region}
    )[0]
    ght = GHT.objects.create(code="GHT-RHONE-NORD", name="GHT Rhône Nord", region=region)

    def establishment(n: int, name: str, **fields) -> Establishment:
        return Establishment.objects.create(
            finess=finess_number("69", n),
            finess_ej=finess_number("69", 500 + n),
            name=name,
            kind=Kind.ES,
            category_code="355",
            category_label="Centre Hospitalier (C.H.)",
            department=department,
            region=region,
            **fields,
        )

    hospital = establishment(1, "Centre hospitalier de Villefranche-sur-Saône", ght=ght)
    ght.support_establishment, ght.support_ej = hospital, hospital.finess_ej
    ght.save()
    rssi = grant_role(email="rssi@ch-villefranche.fr", role=Role.RSSI, scope=hospital.finess)[0]
    ght_lead = grant_role(email="ght@ght-rhone-nord.fr", role=Role.GHT, scope=ght.code)[0]
    director = grant_role(
        email="direction@ch-villefranche.fr",
        role=Role.DIRECTOR,
        scope=hospital.finess,
        first_name="Anne",
        last_name="Dubois",
    )[0]
    requirements = [
        r
        for r in Requirement.objects.filter(referential=referential).order_by("order")
        if {"ES", "GHT"} & set(r.applies_to)
    ]
    previous = Campaign.objects.create(year=2024, referential=referential)
    current = Campaign.objects.create(year=2025, referential=referential)

    last_year = Assessment.objects.create(establishment=hospital, campaign=previous)
    answer_all(last_year, requirements, maturity=0.35, user=rssi, ght_lead=ght_lead, seed=2024)
    assessment = Assessment.objects.create(establishment=hospital, campaign=current)
    answer_all(assessment, requirements, maturity=0.6, user=rssi, ght_lead=ght_lead, seed=2025)
    by_code = {r.code: r for r in requirements}
    own = [r for r in requirements if not r.is_ght_level]
    for requirement in own[:4]:
        add_note(
            assessment=assessment,
            requirement=requirement,
            note="Décision signée, classée au secrétariat de direction.",
            user=rssi,
        )
    add_link(
        assessment=assessment,
        requirement=own[0],
        url="https://intranet.example.fr/securite/decision-rssi.pdf",
        user=rssi,
    )
    assessment = workflow.submit(assessment=assessment, user=rssi)
    assessment = workflow.validate(
        assessment=Assessment.objects.get(pk=assessment.pk), user=director
    )

    rng = random.Random(7)
    for n in range(PEERS):
        peer = Assessment.objects.create(
            establishment=establishment(10 + n, f"Hôpital comparable {n}"), campaign=current
        )
        values = demo_answers(
            requirements, maturity=rng.random(), completeness=0.9, rng=rng, today=TODAY
        )
        Answer.objects.bulk_create(
            Answer(assessment=peer, requirement=by_code[code], value=value)
            for code, value in values.items()
        )
    recompute_snapshots(Assessment.objects.exclude(pk=assessment.pk))
    return assessment


def cpu_now() -> float:
    """CPU seconds so far: this process, and the database server's process when local."""
    database = bootstrap.database_cpu_seconds()
    return time.process_time() + (database or 0.0)


def measure(functions: dict, repeat: int) -> dict[str, tuple[float, float]]:
    """Median wall-clock and CPU seconds of each function, after one warm-up call each.

    The functions take turns within each round, so a busy spell on the machine weighs on all of
    them alike and the ratios stay fair.
    """
    walls = {name: [] for name in functions}
    cpus = {name: [] for name in functions}
    for function in functions.values():
        function()
    for _ in range(repeat):
        for name, function in functions.items():
            wall, cpu = time.perf_counter(), cpu_now()
            function()
            cpus[name].append(cpu_now() - cpu)
            walls[name].append(time.perf_counter() - wall)
    return {
        name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in functions
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the PDF beside the database")
    args = parser.parse_args()
    # One connection for the whole run, as a production server keeps them (CONN_MAX_AGE).
    connection.settings_dict["CONN_MAX_AGE"] = None
    if connection.vendor == "sqlite":
        run(args)
    else:
        with bootstrap.test_database():
            run(args)


def run(args) -> None:
    started = time.perf_counter()
    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
    assessment_id = build().pk
    where = DATABASE_DIR or f"{connection.vendor} {connection.settings_dict['NAME']}"
    print(f"Data built in {time.perf_counter() - started:.1f} s ({where}).")

    def load() -> Assessment:
        return Assessment.objects.select_related(*REPORT_RELATED).get(pk=assessment_id)

    assessment = load()
    pdf = render_report_pdf(assessment)
    html = render_report_html(assessment)
    fetcher = LocalFontsOnly(font_directory() or "")
    applicable = Answer.objects.filter(assessment=assessment).count()
    print(
        f"Report: {applicable} answers, {len(html) / 1024:.0f} KiB of HTML, "
        f"{len(PdfReader(io.BytesIO(pdf)).pages)} pages, "
        f"{len(pdf) / 1024:.0f} KiB of PDF."
    )
    if args.keep and DATABASE_DIR is not None:
        bootstrap.keep()
        (DATABASE_DIR / "report.pdf").write_bytes(pdf)
        print(f"Kept {DATABASE_DIR}/report.pdf and its database.")

    medians = measure(
        {
            "whole": lambda: render_report_pdf(load()),
            "alone": lambda: HTML(string=html, url_fetcher=fetcher).write_pdf(**PDF_OPTIONS),
            "html": lambda: render_report_html(load()),
        },
        args.repeat,
    )
    (full_wall, full_cpu), (alone_wall, alone_cpu) = medians["whole"], medians["alone"]
    html_wall, html_cpu = medians["html"]
    ratio = full_cpu / alone_cpu
    print(f"Medians of {args.repeat} runs ({connection.vendor})   wall (s)   CPU (s)")
    print(f"  render_report_pdf (whole)      {full_wall:8.3f}  {full_cpu:8.3f}")
    print(f"  WeasyPrint alone, same HTML    {alone_wall:8.3f}  {alone_cpu:8.3f}")
    print(f"  of which data + HTML           {html_wall:8.3f}  {html_cpu:8.3f}")
    print(
        f"  ratio whole / WeasyPrint alone {full_wall / alone_wall:8.2f}x {ratio:8.2f}x   "
        f"(goal: <= 0.85x in CPU: {'met' if ratio <= 0.85 else 'NOT MET'})"
    )

    # The download of the validated assessment's report, stored by the worker at validation.
    store_report(assessment_id)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(email="rssi@ch-villefranche.fr"))
    url = reverse("reports:assessment-report", args=[assessment_id])
    served = measure({"download": lambda: download(client, url, pdf)}, args.repeat)
    wall, cpu = served["download"]
    print(
        f"  stored report downloaded again {wall * 1000:8.1f} ms {cpu * 1000:8.1f} ms CPU   "
        f"(goal: <= 20 ms: {'met' if cpu <= 0.020 else 'NOT MET'})"
    )


def download(client: Client, url: str, expected: bytes) -> None:
    response = client.get(url)
    if response.status_code != 200 or not response.content.startswith(b"%PDF"):
        raise SystemExit(f"{url} answered {response.status_code}")
    if len(response.content) < len(expected) // 2:
        raise SystemExit(f"{url}: a report of {len(response.content)} bytes")


if __name__ == "__main__":
    main()
