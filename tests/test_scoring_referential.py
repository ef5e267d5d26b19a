"""The CaRE referential file scored by the model: every rule valid, every target reachable."""

from datetime import date
from pathlib import Path

import pytest
import yaml

from assessments.scoring.compiled import specs_from_data
from assessments.scoring.model import HEADLINES, ScoringModel, gap_sort_key

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "referential" / "care-2025.yaml"
REF = date(2025, 3, 15)
KINDS = [{"ES"}, {"ESSMS"}, {"ES", "GHT"}, {"ESSMS", "GHT"}]


def best_answer(rule: dict):
    return {
        "boolean": True,
        "tristate": "yes",
        "ratio_at_least": {"numerator": 30, "denominator": 1000},
        "percent_at_least": 100,
        "within_days": REF.isoformat(),
        "person_named": {"name": "Claire Martin", "email": "claire.martin@ch-exemple.fr"},
    }.get(rule["type"]) or next(key for key, score in rule["choices"].items() if score == 1)


@pytest.fixture(scope="module")
def model() -> ScoringModel:
    if not FIXTURE.exists():
        pytest.skip("no referential file")
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    # Builds every rule and checks its parameters, the conditions and their order.
    return ScoringModel(specs_from_data(data))


def test_every_headline_is_known(model):
    assert {s.headline for s in model.specs if s.headline} <= set(HEADLINES)


@pytest.mark.parametrize("kinds", KINDS, ids=["+".join(sorted(k)) for k in KINDS])
def test_every_kind_scores_from_0_to_100(model, kinds):
    empty = model.score({}, kinds=kinds, reference_date=REF)
    assert empty.score_global == 0
    assert empty.gaps == sorted(empty.gaps, key=gap_sort_key)
    answers = {}
    for spec in model.specs:
        rule = model.rules[spec.code]
        answers[spec.code] = rule.clean(
            best_answer(rule.params), reference_date=REF, not_applicable_allowed=False
        )
    full = model.score(answers, kinds=kinds, reference_date=REF, submitted=True)
    assert full.score_global == 100
    assert full.gaps == []
    assert all(flag in (True, None) for flag in full.headline.values())
