"""The scoring model: aggregation, groups without score, gaps and their order, headline targets."""

import json
from datetime import date, timedelta

import pytest

from assessments.scoring.model import (
    DUE_SOON,
    OVERDUE,
    PLANNED,
    RequirementSpec,
    ScoringModel,
    ScoringModelError,
    score_assessment,
    severity,
)

REF = date(2025, 3, 15)
BOOLEAN = {"type": "boolean"}
TRISTATE = {"type": "tristate"}


def spec(code, *, axis="1", objective="2", weight=1, rule=BOOLEAN, applies_to=("ES",), **kw):
    return RequirementSpec(
        code=code,
        axis=axis,
        objective=objective,
        weight=weight,
        rule=rule,
        applies_to=frozenset(applies_to),
        **kw,
    )


def score(specs, answers, *, kinds=("ES",), reference_date=REF, submitted=False):
    return score_assessment(
        specs, answers, kinds=set(kinds), reference_date=reference_date, submitted=submitted
    )


# --- aggregation ------------------------------------------------------------------------------


def test_weighted_scores_per_group():
    specs = [
        spec("A", weight=3, domain="D1"),
        spec("B", weight=1, rule=TRISTATE, domain="D1"),
        spec("C", axis="2", objective="5", weight=2),
        spec(
            "D",
            axis="2",
            objective="6",
            weight=2,
            rule={"type": "level", "choices": {"1": 0, "2": 0.25, "3": 1}},
        ),
    ]
    result = score(specs, {"A": True, "B": "partial", "C": False, "D": "2"})
    assert result.statuses == {"A": "met", "B": "partial", "C": "not_met", "D": "partial"}
    assert result.requirement_scores == {"A": 1, "B": 0.5, "C": 0, "D": 0.25}
    # (3·1 + 1·0.5 + 2·0 + 2·0.25) / 8 = 4 / 8
    assert result.score_global == pytest.approx(50)
    assert result.axes == {"1": pytest.approx(87.5), "2": pytest.approx(12.5)}
    assert result.objectives == {"2": pytest.approx(87.5), "5": 0, "6": pytest.approx(25)}
    assert result.domains == {"D1": pytest.approx(87.5)}
    assert result.counts == {
        "met": 1,
        "partial": 2,
        "not_met": 1,
        "unanswered": 0,
        "not_applicable": 0,
    }
    assert result.scores == {
        "global": result.score_global,
        "axes": result.axes,
        "objectives": result.objectives,
        "domains": result.domains,
    }


def test_unanswered_counts_as_zero_and_missing():
    specs = [spec("A"), spec("B")]
    result = score(specs, {"A": True, "B": None})
    assert result.score_global == 50
    assert result.statuses["B"] == "unanswered"
    assert result.counts["unanswered"] == 1


def test_all_met_is_exactly_100():
    specs = [spec(f"R{i}", weight=0.1 * (i + 1)) for i in range(30)]
    assert score(specs, {s.code: True for s in specs}).score_global == 100.0


def test_not_applicable_is_left_out_of_every_sum():
    specs = [
        spec("A", not_applicable_allowed=True, domain="D4"),
        spec("B"),
        spec("C", objective="3"),
    ]
    result = score(specs, {"A": "not_applicable", "B": False, "C": True})
    assert result.statuses["A"] == "not_applicable"
    assert result.requirement_scores["A"] is None
    assert result.score_global == 50
    assert result.objectives == {"2": 0, "3": 100}
    assert result.domains == {"D4": None}
    assert result.counts["not_applicable"] == 1


def test_not_applicable_where_not_allowed_counts_as_unanswered():
    result = score([spec("A")], {"A": "not_applicable"})
    assert result.statuses["A"] == "unanswered"
    assert result.score_global == 0


def test_group_with_nothing_applicable_has_no_score():
    specs = [
        spec("ES-ONLY", objective="2"),
        spec("ESSMS-ONLY", objective="3", axis="2", applies_to=("ESSMS",)),
    ]
    result = score(specs, {"ES-ONLY": True})
    assert result.objectives == {"2": 100, "3": None}
    assert result.axes == {"1": 100, "2": None}
    assert "ESSMS-ONLY" not in result.statuses
    assert score(specs, {}, kinds=("GHT",)).score_global is None


def test_applicability_by_kind():
    specs = [
        spec("BOTH", applies_to=("ES", "ESSMS")),
        spec("ES", applies_to=("ES",)),
        spec("GHT", applies_to=("GHT",)),
    ]
    assert list(score(specs, {}, kinds=("ES",)).statuses) == ["BOTH", "ES"]
    assert list(score(specs, {}, kinds=("ESSMS",)).statuses) == ["BOTH"]
    # A GHT member also answers for the GHT-level items (held by its support establishment).
    assert list(score(specs, {}, kinds=("ES", "GHT")).statuses) == ["BOTH", "ES", "GHT"]


def test_answers_to_requirements_that_do_not_apply_are_ignored():
    specs = [spec("ES"), spec("ESSMS", applies_to=("ESSMS",))]
    result = score(specs, {"ES": False, "ESSMS": True})
    assert result.score_global == 0
    assert result.counts["met"] == 0


# --- conditions -------------------------------------------------------------------------------


def test_follow_up_is_asked_only_when_its_condition_holds():
    specs = [
        spec("DEDICATED-AD", rule=TRISTATE),
        spec(
            "DEDICATED-AD-AUDIT",
            condition={"requirement": "DEDICATED-AD", "in": ["yes", "partial"]},
        ),
    ]
    not_asked = score(specs, {"DEDICATED-AD": "no", "DEDICATED-AD-AUDIT": True})
    assert not_asked.statuses["DEDICATED-AD-AUDIT"] == "not_asked"
    assert not_asked.score_global == 0
    unanswered_parent = score(specs, {})
    assert unanswered_parent.statuses["DEDICATED-AD-AUDIT"] == "not_asked"
    asked = score(specs, {"DEDICATED-AD": "partial"})
    assert asked.statuses["DEDICATED-AD-AUDIT"] == "unanswered"
    assert asked.score_global == 25


def test_conditions_compare_typed_values_and_follow_chains():
    specs = [
        spec("C", condition={"requirement": "B", "in": [True]}),  # listed before its parent
        spec("B", condition={"requirement": "A", "in": [True]}),
        spec("A", rule={"type": "percent_at_least", "met": 1}),
    ]
    result = score(specs, {"A": 1, "B": True, "C": True})
    # 1 is not `true`: B is not asked, so neither is C, whatever their stale answers say.
    assert result.statuses == {"C": "not_asked", "B": "not_asked", "A": "met"}


def test_bad_models_are_refused():
    with pytest.raises(ScoringModelError, match="Duplicate"):
        ScoringModel([spec("A"), spec("A")])
    with pytest.raises(ScoringModelError, match="weight"):
        ScoringModel([spec("A", weight=0)])
    with pytest.raises(ScoringModelError, match="unknown"):
        ScoringModel([spec("A", condition={"requirement": "Z", "in": [True]})])
    with pytest.raises(ScoringModelError, match="Circular"):
        ScoringModel(
            [
                spec("A", condition={"requirement": "B", "in": [True]}),
                spec("B", condition={"requirement": "A", "in": [True]}),
            ]
        )


def test_model_is_built_once_per_specs_object():
    specs = [spec("A")]
    assert ScoringModel.from_specs(specs) is ScoringModel.from_specs(specs)
    model = ScoringModel(specs)
    assert ScoringModel.from_specs(model) is model
    assert (
        score_assessment(model, {"A": True}, kinds={"ES"}, reference_date=REF).score_global == 100
    )


# --- gaps -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-1, OVERDUE),
        (0, DUE_SOON),
        (1, DUE_SOON),
        (183, DUE_SOON),
        (184, PLANNED),
        (None, PLANNED),
    ],
)
def test_severity_boundaries(offset, expected):
    deadline = None if offset is None else REF + timedelta(days=offset)
    assert severity(deadline, REF) == expected
    result = score([spec("A", deadline=deadline)], {})
    assert [gap.severity for gap in result.gaps] == [expected]


def test_gap_order_severity_deadline_weight_code():
    def d(days):
        return REF + timedelta(days=days)

    specs = [
        spec("P-NONE", weight=9),
        spec("P-LATE", deadline=d(days=400), weight=1),
        spec("S-B", deadline=d(days=100), weight=2),
        spec("S-A", deadline=d(days=100), weight=2),
        spec("S-HEAVY", deadline=d(days=100), weight=5),
        spec("S-EARLY", deadline=d(days=10), weight=1),
        spec("O-RECENT", deadline=d(days=-1), weight=1),
        spec("O-OLD", deadline=d(days=-300), weight=1),
        spec("MET", deadline=d(days=-300), weight=1),
        spec("NA", deadline=d(days=-300), not_applicable_allowed=True),
    ]
    result = score(specs, {"MET": True, "NA": "not_applicable", "S-A": False})
    assert [gap.requirement for gap in result.gaps] == [
        "O-OLD",
        "O-RECENT",
        "S-EARLY",
        "S-HEAVY",
        "S-A",
        "S-B",
        "P-LATE",
        "P-NONE",
    ]
    assert [gap.severity for gap in result.gaps] == [OVERDUE] * 2 + [DUE_SOON] * 4 + [PLANNED] * 2
    gap = result.gaps[4]
    assert (gap.status, gap.deadline) == ("not_met", d(days=100))
    assert result.severity_counts == {OVERDUE: 2, DUE_SOON: 4, PLANNED: 2}


def test_partial_answers_are_gaps_and_carry_the_action_plan():
    specs = [
        spec(
            "BUDGET",
            rule={"type": "ratio_at_least", "met": 0.02, "partial": 0.01},
            deadline=date(2025, 6, 30),
            care_action="7-1",
            label="Budget numérique et cybersécurité",
            recommendation="Porter le budget à 2 %.",
        )
    ]
    (gap,) = score(specs, {"BUDGET": {"numerator": 15, "denominator": 1000}}).gaps
    assert gap.as_dict() == {
        "requirement": "BUDGET",
        "status": "partial",
        "severity": DUE_SOON,
        "deadline": "2025-06-30",
        "weight": 1.0,
        "care_action": "7-1",
    }
    assert gap.recommendation == "Porter le budget à 2 %."
    assert gap.label == "Budget numérique et cybersécurité"


# --- headline targets -------------------------------------------------------------------------


def headline_specs():
    return [
        spec("RSSI", headline="rssi", rule={"type": "person_named"}),
        spec("D1-AUDIT", headline="domain1"),
        spec("D1-AD", headline="domain1", rule=TRISTATE),
        spec("D1-GHT", headline="domain1", applies_to=("GHT",)),
        spec("PLAN-BLANC", headline="plan_blanc", not_applicable_allowed=True),
    ]


def test_headline_flags():
    person = {"name": "Claire Martin", "email": "claire@ch.fr"}
    result = score(headline_specs(), {"RSSI": person, "D1-AUDIT": True, "D1-AD": "yes"})
    assert result.headline == {
        "rssi": True,
        "governance": None,  # nothing feeds it
        "budget": None,
        "exercise": None,
        "pcra_referent": None,
        "plan_blanc": None,  # unanswered
        "submitted": False,
        "domain1": True,  # the GHT-level item does not apply to a lone ES
    }


def test_headline_unknown_until_every_feeder_is_answered_false_at_first_miss():
    specs = headline_specs()
    assert score(specs, {"D1-AUDIT": True}).headline["domain1"] is None
    assert score(specs, {"D1-AD": "partial"}).headline["domain1"] is False
    assert (
        score(specs, {"D1-AUDIT": True, "D1-AD": "yes"}, kinds=("ES", "GHT")).headline["domain1"]
        is None
    )
    assert score(specs, {"RSSI": False}).headline["rssi"] is False
    assert score(specs, {"PLAN-BLANC": "not_applicable"}).headline["plan_blanc"] is None


def test_submitted_headline_comes_from_the_assessment():
    assert score(headline_specs(), {}, submitted=True).headline["submitted"] is True
    assert score(headline_specs(), {}).headline["submitted"] is False


def test_result_serializes_to_json():
    specs = headline_specs() + [spec("X", deadline=date(2024, 12, 31), domain="D1")]
    data = score(specs, {"D1-AD": "partial"}).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["gaps"][0] == {
        "requirement": "X",
        "status": "unanswered",
        "severity": OVERDUE,
        "deadline": "2024-12-31",
        "weight": 1.0,
        "care_action": "",
    }
    assert set(data) == {"statuses", "requirement_scores", "scores", "gaps", "headline", "counts"}
