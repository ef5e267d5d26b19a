"""Realistic demo answers: each establishment gets a maturity, each requirement an answer to match.

Used by `seed_demo` only. The values follow the API's answer formats, so they go through the same
validation as any form save.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from referential.rules import NOT_APPLICABLE_VALUE

FIRST_NAMES = ["Camille", "Dominique", "Claude", "Alix", "Sacha", "Morgan", "Nicolas", "Inès"]
LAST_NAMES = ["Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Fournier", "Girard"]


def _person(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return {
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}@etablissement-demo.fr".replace("è", "e"),
    }


def demo_value(rule: dict, target: str, rng: random.Random, today: date) -> Any:
    """An answer whose status under `rule` is `target` (met, partial or not_met)."""
    kind = rule["type"]
    if kind == "boolean":
        return target == "met"
    if kind == "tristate":
        return {"met": "yes", "partial": "partial", "not_met": "no"}[target]
    if kind == "ratio_at_least":
        total = rng.randrange(8, 400) * 1_000_000
        met, partial = rule["met"], rule.get("partial", rule["met"] / 2)
        share = {
            "met": met * rng.uniform(1.0, 1.6),
            "partial": rng.uniform(partial, met * 0.98),
            "not_met": partial * rng.uniform(0.2, 0.95),
        }[target]
        return {"numerator": round(total * share), "denominator": total}
    if kind == "percent_at_least":
        met, partial = rule["met"], rule.get("partial", rule["met"] / 2)
        value = {
            "met": rng.uniform(met, 100),
            "partial": rng.uniform(partial, met - 0.5),
            "not_met": rng.uniform(0, max(partial - 1, 0)),
        }[target]
        return round(value)
    if kind == "within_days":
        met, partial = rule["met"], rule.get("partial", rule["met"] * 2)
        days = {
            "met": rng.randrange(15, met),
            "partial": rng.randrange(met + 1, partial),
            "not_met": rng.randrange(partial + 1, partial + 700),
        }[target]
        return (today - timedelta(days=days)).isoformat()
    if kind == "date":
        # A due date to come (the next certification visit), or not set yet.
        if target != "met":
            return False
        return (today + timedelta(days=rng.randrange(60, 900))).isoformat()
    if kind == "level":
        choices = rule["choices"]
        wanted = {
            "met": [k for k, s in choices.items() if s >= 1],
            "partial": [k for k, s in choices.items() if 0 < s < 1],
            "not_met": [k for k, s in choices.items() if s <= 0],
        }[target] or list(choices)
        return rng.choice(sorted(wanted))
    if kind == "person_named":
        return _person(rng) if target == "met" else False
    raise ValueError(f"Unknown rule type {kind!r}")


def demo_answers(
    requirements, *, maturity: float, completeness: float, rng: random.Random, today: date
) -> dict[str, Any]:
    """Answers for the given requirements (objects with `code`, `rule`, `not_applicable_allowed`).

    `maturity` (0..1) is the chance an item is met; `completeness` (0..1) the share answered.
    """
    answers: dict[str, Any] = {}
    for requirement in requirements:
        if rng.random() > completeness:
            continue
        if requirement.not_applicable_allowed and rng.random() < 0.05:
            answers[requirement.code] = NOT_APPLICABLE_VALUE
            continue
        draw = rng.random()
        has_partial = requirement.rule["type"] in {"tristate", "level"} or (
            "partial" in requirement.rule
        )
        if draw < maturity:
            target = "met"
        elif has_partial and draw < maturity + (1 - maturity) / 2:
            target = "partial"
        else:
            target = "not_met"
        answers[requirement.code] = demo_value(requirement.rule, target, rng, today)
    return answers
