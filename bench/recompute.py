"""Bulk recompute of score snapshots on a throwaway database, as `recompute_scores` does it.

    python -m bench.recompute [--count 5000]               # SQLite (a temporary file)
    DATABASE_URL=postgres://... python -m bench.recompute   # PostgreSQL (a test database)

Creates a synthetic campaign (establishments, assessments, answers) in a test database and
times `recompute_scores` as it runs by default (its processes, `--processes`): the first run
(snapshots created), a second one (snapshots unchanged, skipped) and a third after answers
changed; then a fourth after other answers changed, in one process, for comparison. Drops the
database. Prints each figure beside the goal.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import date

from bench import bootstrap

bootstrap.setup()

from django.db import connection  # noqa: E402

from assessments.models import Answer, Assessment, Campaign  # noqa: E402
from assessments.scoring.service import default_processes, recompute_snapshots  # noqa: E402
from bench import scoring as scoring_bench  # noqa: E402
from establishments.models import GHT, Department, Establishment, Region  # noqa: E402
from referential.models import Axis, Objective, ReferentialVersion, Requirement  # noqa: E402


def load_referential(specs) -> ReferentialVersion:
    referential = ReferentialVersion.objects.create(
        code="BENCH", version=1, title="Bench", status="published"
    )
    axes, objectives = {}, {}
    for order, spec in enumerate(specs):
        if spec.axis not in axes:
            axes[spec.axis] = Axis.objects.create(
                referential=referential, code=spec.axis, number=len(axes) + 1, title=spec.axis
            )
        if spec.objective not in objectives:
            objectives[spec.objective] = Objective.objects.create(
                referential=referential,
                axis=axes[spec.axis],
                code=spec.objective,
                number=len(objectives) + 1,
                title=spec.objective,
            )
        Requirement.objects.create(
            referential=referential,
            objective=objectives[spec.objective],
            code=spec.code,
            label=spec.label or spec.code,
            care_action=spec.care_action or "1-1",
            applies_to=sorted(spec.applies_to),
            answer_type=spec.rule["type"],
            rule=dict(spec.rule),
            weight=spec.weight,
            deadline=spec.deadline,
            domain=spec.domain or "",
            not_applicable_allowed=spec.not_applicable_allowed,
            headline=spec.headline or "",
            condition=spec.condition,
            order=order,
        )
    return referential


def populate(count: int, specs, rng: random.Random) -> Campaign:
    region, _ = Region.objects.get_or_create(code="84", defaults={"name": "Bench"})
    department, _ = Department.objects.get_or_create(
        code="69", defaults={"name": "Bench", "region": region}
    )
    establishments = Establishment.objects.bulk_create(
        Establishment(
            finess=f"{i:09d}",
            finess_ej=f"{i:09d}",
            name=f"Établissement {i}",
            kind="ES" if i % 3 else "ESSMS",
            category_code="355",
            category_label="Bench",
            department=department,
            region=region,
        )
        for i in range(count)
    )
    ghts = []
    for g in range(count // 20):
        support = establishments[g * 20]
        ght = GHT.objects.create(
            code=f"GHT-{g}", name=f"GHT {g}", region=region, support_establishment=support
        )
        ghts.append(ght)
        Establishment.objects.filter(
            pk__in=[e.pk for e in establishments[g * 20 : g * 20 + 10]]
        ).update(ght=ght)
    campaign = Campaign.objects.create(year=2025, referential=load_referential(specs))
    assessments = Assessment.objects.bulk_create(
        Assessment(establishment=e, campaign=campaign, reference_date=date(2025, 3, 15))
        for e in establishments
    )
    ids = dict(
        Requirement.objects.filter(referential=campaign.referential).values_list("code", "pk")
    )
    batch = []
    for assessment, establishment in zip(assessments, establishments, strict=True):
        kinds = {establishment.kind, "GHT"}
        for spec in specs:
            if spec.applies_to & kinds:
                value = scoring_bench.random_answer(spec, rng)
                if value is not None:
                    batch.append(
                        Answer(assessment=assessment, requirement_id=ids[spec.code], value=value)
                    )
        if len(batch) > 20_000:
            Answer.objects.bulk_create(batch)
            batch = []
    Answer.objects.bulk_create(batch)
    return campaign


GOAL_SECONDS = 30


def timed_run(campaign: Campaign, processes: int) -> tuple[int, float, float, float | None]:
    """(assessments, wall s, CPU s of this process and its children, CPU s of the local
    PostgreSQL server's processes or None) of one `recompute_scores` run."""
    before, server = os.times(), bootstrap.server_cpu_seconds()
    started = time.perf_counter()
    done = recompute_snapshots(
        Assessment.objects.filter(campaign=campaign),
        whole_campaign=campaign,
        processes=processes,
    )
    elapsed = time.perf_counter() - started
    after, server_after = os.times(), bootstrap.server_cpu_seconds()
    cpu = sum(after[:4]) - sum(before[:4])
    database = None if server is None or server_after is None else server_after - server
    return done, elapsed, cpu, database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument(
        "--processes",
        type=int,
        default=default_processes(),
        help=f"as `recompute_scores --processes` (its default here: {default_processes()})",
    )
    args = parser.parse_args()

    with bootstrap.test_database():
        if scoring_bench.FIXTURE.exists():
            specs = scoring_bench.specs_from_yaml(scoring_bench.FIXTURE)
        else:
            specs = scoring_bench.synthetic_specs()
        started = time.perf_counter()
        campaign = populate(args.count, specs, random.Random(0))
        answers = Answer.objects.count()
        print(
            f"{connection.vendor}: {args.count:,} assessments, {answers:,} answers, "
            f"{len(specs)} requirements (set up in {time.perf_counter() - started:.1f} s); "
            f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
        )
        many = f"{args.processes} process{'es' if args.processes > 1 else ''}"
        # (label, processes, answers changed before: None, or which requirements of ten)
        runs = [
            (f"first run (snapshots created), {many}", args.processes, None),
            (f"second run (unchanged, skipped), {many}", args.processes, None),
            (f"answers changed, {many}", args.processes, 0),
            ("other answers changed, 1 process (for comparison)", 1, 1),
        ]
        for label, processes, changed in runs:
            if changed is not None:
                change_answers(campaign, changed)
            done, elapsed, cpu, database = timed_run(campaign, processes)
            server = "" if database is None else f" + PostgreSQL {database:.1f} s"
            goal = "met" if elapsed <= GOAL_SECONDS * args.count / 45_000 else "NOT MET"
            verdict = f"; goal <= {GOAL_SECONDS} s for 45,000 ({goal})" if changed != 1 else ""
            print(
                f"{label}: {done:,} in {elapsed:.1f} s wall, {done / elapsed:,.0f}/s; CPU "
                f"{cpu:.1f} s (Python){server}{verdict}"
            )


def change_answers(campaign: Campaign, which: int) -> None:
    """Every "yes" of one yes/no requirement in ten (the `which`-th of each ten) becomes "no":
    the next run rescores."""
    codes = list(
        campaign.referential.requirements.filter(answer_type="boolean")
        .order_by("code")
        .values_list("code", flat=True)
    )[which::10]
    Answer.objects.filter(
        assessment__campaign=campaign, requirement__code__in=codes, value=True
    ).update(value=False)


if __name__ == "__main__":
    main()
