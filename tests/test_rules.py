"""Rule types: parameter checks, answer validation (French messages) and evaluation boundaries."""

from datetime import date, timedelta

import pytest

from referential.rules import (
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    PARTIAL,
    RULE_TYPES,
    UNANSWERED,
    AnswerError,
    RuleParamError,
    checked_rule,
    get_rule,
)

REF = date(2025, 3, 15)

BUDGET = {"type": "ratio_at_least", "met": 0.02, "partial": 0.01}
EDR = {"type": "percent_at_least", "met": 90, "partial": 50}
EXERCISE = {"type": "within_days", "met": 365, "partial": 730}
AD_LEVEL = {
    "type": "level",
    "choices": {"1": 0, "2": 0.25, "3": 0.5, "4": 0.75, "5": 1},
    "labels": {"1": "Niveau 1", "2": "Niveau 2", "3": "Niveau 3", "4": "Niveau 4", "5": "Niveau 5"},
}


def evaluate(rule: dict, value, reference_date: date = REF):
    built = checked_rule(rule)
    return built.evaluate(built.clean(value, reference_date=reference_date), reference_date)


def clean_error(rule: dict, value, **kwargs) -> str:
    with pytest.raises(AnswerError) as excinfo:
        checked_rule(rule).clean(value, reference_date=REF, **kwargs)
    return excinfo.value.message


# --- every rule type --------------------------------------------------------------------------


def test_boolean():
    assert evaluate({"type": "boolean"}, True) == (MET, 1)
    assert evaluate({"type": "boolean"}, False) == (NOT_MET, 0)


def test_tristate():
    rule = {"type": "tristate"}
    assert evaluate(rule, "yes") == (MET, 1)
    assert evaluate(rule, "partial") == (PARTIAL, 0.5)
    assert evaluate(rule, "no") == (NOT_MET, 0)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (2_000, 100_000, (MET, 1)),  # exactly 2 %
        (7, 350, (MET, 1)),  # exactly 2 %, another way
        (1_234.5, 61_725, (MET, 1)),  # exactly 2 % with cents
        (1_999.99, 100_000, (PARTIAL, 0.5)),  # just below 2 %
        (1_000, 100_000, (PARTIAL, 0.5)),  # exactly 1 %
        (999.99, 100_000, (NOT_MET, 0)),
        (0, 100_000, (NOT_MET, 0)),
        (100_000, 100_000, (MET, 1)),
    ],
)
def test_ratio_at_least_boundaries(numerator, denominator, expected):
    assert evaluate(BUDGET, {"numerator": numerator, "denominator": denominator}) == expected


def test_ratio_without_partial_has_no_partial_step():
    rule = {"type": "ratio_at_least", "met": 0.02}
    assert evaluate(rule, {"numerator": 1_500, "denominator": 100_000}) == (NOT_MET, 0)


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        (100, (MET, 1)),
        (90, (MET, 1)),
        (89.9, (PARTIAL, 0.5)),
        (50, (PARTIAL, 0.5)),
        (49.99, (NOT_MET, 0)),
        (0, (NOT_MET, 0)),
    ],
)
def test_percent_at_least_boundaries(percent, expected):
    assert evaluate(EDR, percent) == expected


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (0, (MET, 1)),
        (365, (MET, 1)),
        (366, (PARTIAL, 0.5)),
        (730, (PARTIAL, 0.5)),
        (731, (NOT_MET, 0)),
    ],
)
def test_within_days_age_in_whole_days(age, expected):
    answered = (REF - timedelta(days=age)).isoformat()
    assert evaluate(EXERCISE, answered) == expected


def test_within_days_without_partial_has_no_partial_step():
    rule = {"type": "within_days", "met": 365}
    assert evaluate(rule, (REF - timedelta(days=366)).isoformat()) == (NOT_MET, 0)


def test_within_days_counts_against_the_reference_date():
    rule = checked_rule(EXERCISE)
    assert rule.evaluate("2024-03-15", date(2025, 3, 15)) == (MET, 1)  # 365 days
    assert rule.evaluate("2024-03-15", date(2025, 3, 16)) == (PARTIAL, 0.5)  # 366 days


def test_within_days_never_done_is_not_met():
    assert evaluate(EXERCISE, False) == (NOT_MET, 0)


@pytest.mark.parametrize(
    ("choice", "expected"),
    [("1", (NOT_MET, 0)), ("2", (PARTIAL, 0.25)), ("4", (PARTIAL, 0.75)), ("5", (MET, 1))],
)
def test_level_scores_from_the_referential(choice, expected):
    assert evaluate(AD_LEVEL, choice) == expected


def test_level_accepts_integer_keys_from_yaml_and_answers():
    rule = checked_rule({"type": "level", "choices": {1: 0, 2: 1}})
    assert rule.clean(2, reference_date=REF) == "2"
    assert rule.evaluate("2", REF) == (MET, 1)


def test_person_named():
    rule = {"type": "person_named"}
    person = {"name": "  Claire   Martin ", "email": " claire.martin@ch-exemple.fr "}
    cleaned = checked_rule(rule).clean(person, reference_date=REF)
    assert cleaned == {"name": "Claire Martin", "email": "claire.martin@ch-exemple.fr"}
    assert evaluate(rule, person) == (MET, 1)


@pytest.mark.parametrize("nobody", [False, {"name": "", "email": ""}, {"name": " ", "email": None}])
def test_person_named_nobody_is_not_met(nobody):
    rule = checked_rule({"type": "person_named"})
    assert rule.clean(nobody, reference_date=REF) is False
    assert rule.evaluate(False, REF) == (NOT_MET, 0)


@pytest.mark.parametrize("rule_type", sorted(RULE_TYPES))
def test_unanswered_and_not_applicable(rule_type):
    params = {
        "ratio_at_least": BUDGET,
        "percent_at_least": EDR,
        "within_days": EXERCISE,
        "level": AD_LEVEL,
    }.get(rule_type, {"type": rule_type})
    rule = checked_rule(params)
    assert rule.clean(None, reference_date=REF) is None
    assert rule.evaluate(None, REF) == (UNANSWERED, 0)
    assert rule.clean("not_applicable", not_applicable_allowed=True) == "not_applicable"
    assert rule.evaluate("not_applicable", REF) == (NOT_APPLICABLE, None)
    with pytest.raises(AnswerError, match="non applicable"):
        rule.clean("not_applicable", reference_date=REF, not_applicable_allowed=False)


# --- bad answers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "value", "message"),
    [
        ({"type": "boolean"}, "yes", "oui ou non"),
        ({"type": "boolean"}, 1, "oui ou non"),
        ({"type": "tristate"}, True, "« yes », « partial » ou « no »"),
        ({"type": "tristate"}, "maybe", "« yes », « partial » ou « no »"),
        (BUDGET, 0.02, "deux montants"),
        (BUDGET, {"numerator": -5, "denominator": 100}, "numérateur ne peut pas être négatif"),
        (BUDGET, {"numerator": 5, "denominator": -100}, "dénominateur ne peut pas être négatif"),
        (BUDGET, {"numerator": 3e11, "denominator": 4e11}, "invraisemblable"),
        (BUDGET, {"numerator": 120, "denominator": 100}, "dépasse le total"),
        (BUDGET, {"numerator": 0, "denominator": 0}, "ne peut pas être nul"),
        (BUDGET, {"numerator": "2000", "denominator": 100}, "doit être un nombre"),
        (BUDGET, {"numerator": True, "denominator": 100}, "doit être un nombre"),
        (BUDGET, {"numerator": float("nan"), "denominator": 100}, "doit être un nombre"),
        (BUDGET, {"denominator": 100}, "numérateur est obligatoire"),
        (BUDGET, {"numerator": 1, "denominator": 100, "ratio": 0.01}, "inattendu"),
        (EDR, 101, "entre 0 et 100"),
        (EDR, -1, "entre 0 et 100"),
        (EDR, True, "pourcentage"),
        (EDR, "90", "pourcentage"),
        (EDR, float("inf"), "pourcentage"),
        (EXERCISE, "15/03/2025", "AAAA-MM-JJ"),
        (EXERCISE, "20250301", "AAAA-MM-JJ"),
        (EXERCISE, 20250301, "AAAA-MM-JJ"),
        (EXERCISE, "2025-02-30", "n'existe pas"),
        (EXERCISE, "2025-03-16", "dans le futur"),
        (EXERCISE, "0025-03-01", "invraisemblable"),
        (AD_LEVEL, "6", "inconnu"),
        (AD_LEVEL, True, "niveaux proposés"),
        (
            {"type": "person_named"},
            {"name": "Claire", "email": "claire@"},
            "pas une adresse e-mail",
        ),
        ({"type": "person_named"}, {"name": "Claire", "email": ""}, "adresse e-mail"),
        ({"type": "person_named"}, {"name": "", "email": "c@ch.fr"}, "nom"),
        ({"type": "person_named"}, "Claire Martin", "un nom et une adresse e-mail"),
        ({"type": "person_named"}, {"name": 3, "email": "c@ch.fr"}, "textes"),
    ],
)
def test_bad_answers_are_refused_with_a_french_message(rule, value, message):
    assert message in clean_error(rule, value)


def test_future_date_is_relative_to_the_reference_date():
    rule = checked_rule(EXERCISE)
    assert rule.clean("2025-03-15", reference_date=REF) == "2025-03-15"  # today is fine
    with pytest.raises(AnswerError, match="futur"):
        rule.clean("2025-03-16", reference_date=REF)
    assert rule.clean("2025-03-16", reference_date=date(2025, 3, 16)) == "2025-03-16"


def test_numbers_are_kept_as_given():
    rule = checked_rule(BUDGET)
    value = {"numerator": 2_000, "denominator": 100_000.5}
    assert rule.clean(value, reference_date=REF) == value


# --- parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        {"type": "boolean"},
        {"type": "tristate"},
        {"type": "person_named"},
        BUDGET,
        {"type": "ratio_at_least", "met": 0.02},
        EDR,
        EXERCISE,
        {"type": "within_days", "met": 365},
        AD_LEVEL,
        {"type": "level", "choices": {"no": 0, "yes": 1}},
    ],
)
def test_valid_parameters(rule):
    checked_rule(rule)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"type": "fuzzy"}, "Type de règle inconnu"),
        ({"met": 1}, "Type de règle inconnu"),
        ("boolean", "objet"),
        ({"type": "boolean", "met": 1}, "inconnu"),
        ({"type": "ratio_at_least"}, "manquant"),
        ({"type": "ratio_at_least", "met": "2%"}, "« met »"),
        ({"type": "ratio_at_least", "met": 2}, "« met »"),
        ({"type": "ratio_at_least", "met": 0}, "« met »"),
        ({"type": "ratio_at_least", "met": True}, "« met »"),
        ({"type": "ratio_at_least", "met": 0.01, "partial": 0.02}, "dépasse"),
        ({"type": "ratio_at_least", "met": 0.02, "parital": 0.01}, "inconnu"),
        ({"type": "percent_at_least", "met": 120}, "« met »"),
        ({"type": "percent_at_least", "met": 50, "partial": 90}, "dépasse"),
        ({"type": "percent_at_least", "met": 90, "partial": -1}, "« partial »"),
        ({"type": "within_days", "met": 365.5}, "entier"),
        ({"type": "within_days", "met": -1}, "entier"),
        ({"type": "within_days", "met": 730, "partial": 365}, "au moins"),
        ({"type": "level"}, "manquant"),
        ({"type": "level", "choices": {}}, "au moins un choix"),
        ({"type": "level", "choices": ["1", "2"]}, "au moins un choix"),
        ({"type": "level", "choices": {"1": 0, "2": 1.5}}, "entre 0 et 1"),
        ({"type": "level", "choices": {"1": 0, "2": "1"}}, "entre 0 et 1"),
        ({"type": "level", "choices": {"1": 0, "2": 0.5}}, "doit valoir 1"),
        ({"type": "level", "choices": {"1": 0, "2": 1}, "labels": {"1": "Bas"}}, "chaque choix"),
    ],
)
def test_bad_parameters_are_refused(rule, message):
    with pytest.raises(RuleParamError) as excinfo:
        checked_rule(rule)
    assert message in excinfo.value.message


def test_get_rule_does_not_check_parameters():
    rule = get_rule({"type": "percent_at_least", "met": 500})
    with pytest.raises(RuleParamError):
        rule.check_params()
