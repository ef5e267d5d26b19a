"""Scores 10,000 synthetic assessments of the full referential and prints the rate.

    python -m bench.scoring [--count N] [--seed S]

Uses fixtures/referential/care-2025.yaml when present, else a synthetic 80-requirement
referential. Prints numbers, not pass/fail.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta
from pathlib import Path

from bench import bootstrap

bootstrap.setup()

from assessments.scoring.compiled import specs_from_data  # noqa: E402
from assessments.scoring.model import RequirementSpec, ScoringModel  # noqa: E402

FIXTURE = bootstrap.ROOT / "fixtures" / "referential" / "care-2025.yaml"
REFERENCE_DATE = date(2025, 3, 15)
SYNTHETIC_RULES = [
    {"type": "boolean"},
    {"type": "tristate"},
    {"type": "ratio_at_least", "met": 0.02, "partial": 0.01},
    {"type": "percent_at_least", "met": 90, "partial": 50},
    {"type": "within_days", "met": 365, "partial": 730},
    {"type": "level", "choices": {"1": 0, "2": 0.25, "3": 0.5, "4": 0.75, "5": 1}},
    {"type": "person_named"},
]


def specs_from_yaml(path: Path) -> list[RequirementSpec]:
    import yaml

    return specs_from_data(yaml.safe_load(path.read_text(encoding="utf-8")))


def synthetic_specs(count: int = 80) -> list[RequirementSpec]:
    rng = random.Random(1)
    specs = []
    for i in range(count):
        axis = 1 + i * 4 // count
        specs.append(
            RequirementSpec(
                code=f"REQ-{i:03d}",
                axis=str(axis),
                objective=str(1 + i // 4),
                domain=f"D{1 + i % 4}" if axis == 4 else None,
                weight=float(rng.choice([1, 2, 3])),
                rule=SYNTHETIC_RULES[i % len(SYNTHETIC_RULES)],
                applies_to=frozenset(rng.choice([("ES",), ("ES", "ESSMS"), ("GHT",)])),
                deadline=rng.choice(
                    [None, date(2024, 12, 31), date(2025, 6, 30), date(2026, 6, 30)]
                ),
                not_applicable_allowed=i % 5 == 0,
                headline=rng.choice([None, None, None, "rssi", "budget", "domain1"]),
                order=i,
            )
        )
    return specs


def random_answer(spec: RequirementSpec, rng: random.Random):
    if rng.random() < 0.1:
        return None
    if spec.not_applicable_allowed and rng.random() < 0.1:
        return "not_applicable"
    rule = spec.rule
    kind = rule["type"]
    if kind == "boolean":
        return rng.random() < 0.6
    if kind == "tristate":
        return rng.choice(["yes", "partial", "no"])
    if kind == "ratio_at_least":
        total = rng.randint(1_000_000, 500_000_000)
        return {"numerator": round(total * rng.uniform(0, 0.04)), "denominator": total}
    if kind == "percent_at_least":
        return rng.randint(0, 100)
    if kind == "within_days":
        return (REFERENCE_DATE - timedelta(days=rng.randint(0, 1000))).isoformat()
    if kind == "level":
        return rng.choice(sorted(rule["choices"]))
    return {"name": "Claire Martin", "email": "claire.martin@ch-exemple.fr"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    if FIXTURE.exists():
        specs, source = specs_from_yaml(FIXTURE), FIXTURE.relative_to(bootstrap.ROOT)
    else:
        specs, source = synthetic_specs(), "synthetic referential"
    started = time.perf_counter()
    model = ScoringModel.from_specs(specs)
    build_ms = (time.perf_counter() - started) * 1000

    rng = random.Random(args.seed)
    kinds_choices = [{"ES"}, {"ESSMS"}, {"ES", "GHT"}]
    assessments = []
    for _ in range(args.count):
        kinds = rng.choice(kinds_choices)
        answers = {s.code: random_answer(s, rng) for s in specs if s.applies_to & kinds}
        assessments.append((kinds, answers))
    scored_requirements = sum(len(model.applicable(kinds)) for kinds, _ in assessments)

    started, cpu = time.perf_counter(), time.process_time()
    for kinds, answers in assessments:
        model.score(answers, kinds=kinds, reference_date=REFERENCE_DATE, submitted=False)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu

    print(f"referential: {source} ({len(specs)} requirements), model built in {build_ms:.2f} ms")
    print(
        f"scored {args.count} assessments ({scored_requirements} requirements) in {elapsed:.3f} s"
        f" (CPU {cpu:.3f} s; on a busy machine the wall time is longer)"
    )
    for label, seconds in (("wall", elapsed), ("CPU", cpu)):
        print(
            f"{label}: {args.count / seconds:,.0f} assessments/s, "
            f"{seconds / args.count * 1e6:.1f} µs per assessment, "
            f"{seconds / scored_requirements * 1e6:.2f} µs per requirement"
        )


if __name__ == "__main__":
    main()
