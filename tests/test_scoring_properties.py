"""Properties of the scoring model over random referentials and answers (hypothesis)."""

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from assessments.scoring.model import RequirementSpec, gap_sort_key, score_assessment, severity

RULES = {
    "boolean": {"type": "boolean"},
    "tristate": {"type": "tristate"},
    "ratio_at_least": {"type": "ratio_at_least", "met": 0.02, "partial": 0.01},
    "percent_at_least": {"type": "percent_at_least", "met": 90, "partial": 50},
    "within_days": {"type": "within_days", "met": 365, "partial": 730},
    "level": {"type": "level", "choices": {"1": 0, "2": 0.25, "3": 0.5, "4": 0.75, "5": 1}},
    "level_no_partial": {"type": "level", "choices": {"a": 0, "b": 1}},
    "person_named": {"type": "person_named"},
}
KINDS = [{"ES"}, {"ESSMS"}, {"ES", "GHT"}, {"ESSMS", "GHT"}]
# No per-example deadline: a busy machine must not turn a slow example into a failure.
PROPERTY = settings(deadline=None, max_examples=80)
REF_DATES = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def requirement_specs(draw):
    count = draw(st.integers(min_value=1, max_value=15))
    specs = []
    for i in range(count):
        axis = draw(st.sampled_from("123"))
        rule_name = draw(st.sampled_from(sorted(RULES)))
        specs.append(
            RequirementSpec(
                code=f"R{i:02d}",
                axis=axis,
                objective=f"{axis}.{draw(st.integers(1, 3))}",
                domain=draw(st.sampled_from([None, None, "D1", "D2"])),
                weight=draw(st.sampled_from([0.5, 1, 2, 3, 5])),
                rule=RULES[rule_name],
                applies_to=frozenset(
                    draw(st.sets(st.sampled_from(["ES", "ESSMS", "GHT"]), min_size=1))
                ),
                deadline=draw(
                    st.none() | st.dates(min_value=date(2023, 1, 1), max_value=date(2028, 1, 1))
                ),
                not_applicable_allowed=draw(st.booleans()),
                headline=draw(st.sampled_from([None, "rssi", "budget", "domain1"])),
            )
        )
    return specs


def ladder(rule_name: str, reference_date: date) -> st.SearchStrategy:
    """A strategy of (quality, value): a higher quality is a better answer."""
    if rule_name == "boolean":
        return st.sampled_from([(1, False), (2, True)])
    if rule_name == "tristate":
        return st.sampled_from([(1, "no"), (2, "partial"), (3, "yes")])
    if rule_name == "ratio_at_least":
        return st.tuples(st.integers(0, 10_000), st.sampled_from([10_000, 250_000, 1_000_000])).map(
            lambda pair: (
                pair[0] / 10_000,
                {"numerator": pair[0] * pair[1] // 10_000, "denominator": pair[1]},
            )
        )
    if rule_name == "percent_at_least":
        return st.floats(0, 100).map(lambda x: (x, x))
    if rule_name == "within_days":
        return st.integers(0, 1500).map(
            lambda age: (-age, (reference_date - timedelta(days=age)).isoformat())
        ) | st.just((-10_000, False))
    if rule_name == "level":
        return st.sampled_from([(int(k), k) for k in "12345"])
    if rule_name == "level_no_partial":
        return st.sampled_from([(0, "a"), (1, "b")])
    return st.sampled_from(
        [(1, False), (2, {"name": "Claire Martin", "email": "claire.martin@ch-exemple.fr"})]
    )


def rule_name_of(spec: RequirementSpec) -> str:
    return next(name for name, rule in RULES.items() if rule is spec.rule)


@st.composite
def scenarios(draw):
    specs = draw(requirement_specs())
    reference_date = draw(REF_DATES)
    answers = {}
    for spec in specs:
        choice = draw(st.sampled_from(["unanswered", "answer", "answer", "na"]))
        if choice == "answer":
            answers[spec.code] = draw(ladder(rule_name_of(spec), reference_date))[1]
        elif choice == "na" and spec.not_applicable_allowed:
            answers[spec.code] = "not_applicable"
    return specs, answers, draw(st.sampled_from(KINDS)), reference_date


def run(specs, answers, kinds, reference_date):
    return score_assessment(specs, answers, kinds=kinds, reference_date=reference_date)


def all_scores(result) -> dict:
    scores = {("global", None): result.score_global}
    for family in ("axes", "objectives", "domains"):
        for code, value in getattr(result, family).items():
            scores[(family, code)] = value
    for code, value in result.requirement_scores.items():
        scores[("requirement", code)] = value
    return scores


@PROPERTY
@given(scenarios())
def test_scores_stay_within_0_and_100(scenario):
    specs, _answers, _kinds, _reference_date = scenario
    result = run(*scenario)
    for value in all_scores(result).values():
        assert value is None or 0 <= value <= 100
    # The group scores are capped at 100: check what goes into them, before the cap. Each
    # requirement scores between 0 and 1, and the global score is their weighted mean.
    scored = {code: value for code, value in result.requirement_scores.items() if value is not None}
    assert all(0 <= value <= 1 for value in scored.values()), scored
    weight = {spec.code: spec.weight for spec in specs}
    if scored:
        total = sum(weight[code] for code in scored)
        uncapped = 100 * sum(weight[code] * value for code, value in scored.items()) / total
        assert uncapped <= 100 + 1e-9
        assert result.score_global == pytest.approx(uncapped)
    else:
        assert result.score_global is None


@PROPERTY
@given(scenarios(), st.data())
def test_improving_an_answer_never_lowers_any_score(scenario, data):
    specs, answers, kinds, reference_date = scenario
    spec = data.draw(st.sampled_from(specs))
    steps = ladder(rule_name_of(spec), reference_date)
    worse = data.draw(st.none() | steps)
    better = data.draw(steps)
    if worse is not None and worse[0] > better[0]:
        worse, better = better, worse
    before = run(specs, {**answers, spec.code: worse and worse[1]}, kinds, reference_date)
    after = run(specs, {**answers, spec.code: better[1]}, kinds, reference_date)
    old, new = all_scores(before), all_scores(after)
    assert old.keys() == new.keys()
    for key, value in old.items():
        if value is None:
            assert new[key] is None
        else:
            assert new[key] >= value, key


@PROPERTY
@given(scenarios(), st.data())
def test_not_applicable_changes_only_the_groups_holding_the_requirement(scenario, data):
    specs, answers, kinds, reference_date = scenario
    spec = data.draw(st.sampled_from([s for s in specs if s.not_applicable_allowed] or [None]))
    assume(spec is not None)
    before = run(specs, answers, kinds, reference_date)
    after = run(specs, {**answers, spec.code: "not_applicable"}, kinds, reference_date)
    holding = {
        ("global", None),
        ("axes", spec.axis),
        ("objectives", spec.objective),
        ("domains", spec.domain),
        ("requirement", spec.code),
    }
    old, new = all_scores(before), all_scores(after)
    for key, value in old.items():
        if key not in holding:
            assert new[key] == value, key
    if spec.code in after.statuses:
        assert after.statuses[spec.code] == "not_applicable"


@PROPERTY
@given(scenarios())
def test_gaps_are_every_applicable_shortfall_in_the_documented_order(scenario):
    specs, answers, kinds, reference_date = scenario
    result = run(specs, answers, kinds, reference_date)
    assert result.gaps == sorted(result.gaps, key=gap_sort_key)
    expected = {
        code for code, score in result.requirement_scores.items() if score is not None and score < 1
    }
    assert [gap.requirement for gap in result.gaps] == [
        gap.requirement for gap in result.gaps if gap.requirement in expected
    ]
    assert {gap.requirement for gap in result.gaps} == expected
    by_code = {spec.code: spec for spec in specs}
    for gap in result.gaps:
        assert gap.severity == severity(by_code[gap.requirement].deadline, reference_date)
        assert gap.status == result.statuses[gap.requirement]
