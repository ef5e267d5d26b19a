"""The worked example of docs/scoring.md, checked line by line against the scoring model."""

import json
from datetime import date
from pathlib import Path

import pytest

from assessments.scoring.model import RequirementSpec, score_assessment

DOC = Path(__file__).resolve().parent.parent / "docs" / "scoring.md"
NONE = "—"
V2_FILE = "fixtures/referential/care-2026.yaml"
YES_NO = {"oui": True, "non": False, "inconnu": None}


def tables() -> dict[str, list[list[str]]]:
    """Each table that follows a `<!-- worked-example: NAME -->` marker, as rows of cells."""
    found: dict[str, list[list[str]]] = {}
    name = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("<!-- worked-example:"):
            name = line.removeprefix("<!-- worked-example:").removesuffix("-->").strip()
            found[name] = []
        elif name and line.startswith("|"):
            found[name].append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
        elif name and found[name]:
            name = None
    # Drop each table's header and separator rows.
    return {key: rows[2:] for key, rows in found.items()}


def number(cell: str) -> float | None:
    return None if cell == NONE else float(cell.replace(",", "."))


def optional(cell: str) -> str | None:
    return None if cell == NONE else cell


@pytest.fixture(scope="module")
def example():
    doc = tables()
    ((kind, reference_date, submitted),) = doc["context"]
    specs = [
        RequirementSpec(
            code=code,
            axis=axis,
            objective=objective,
            domain=optional(domain),
            care_action=action,
            rule=json.loads(rule),
            weight=float(weight),
            deadline=None if deadline == NONE else date.fromisoformat(deadline),
            not_applicable_allowed=YES_NO[na],
            headline=optional(headline),
            applies_to=frozenset({"ES", "ESSMS"}),
        )
        for code, axis, objective, domain, action, rule, weight, deadline, na, headline in doc[
            "requirements"
        ]
    ]
    answers = {row[0]: json.loads(row[1]) for row in doc["answers"]}
    result = score_assessment(
        specs,
        answers,
        kinds={kind},
        reference_date=date.fromisoformat(reference_date),
        submitted=YES_NO[submitted],
    )
    return doc, result


def test_the_example_has_the_documented_size(example):
    doc, _ = example
    assert len(doc["requirements"]) == len(doc["answers"]) == 9
    assert [row[0] for row in doc["requirements"]] == [row[0] for row in doc["answers"]]


def test_statuses_and_scores(example):
    doc, result = example
    for code, _answer, status, score, _why in doc["answers"]:
        assert result.statuses[code] == status, code
        assert result.requirement_scores[code] == number(score), code


def test_group_scores(example):
    doc, result = example
    families = {"axe / axis": result.axes, "objectif / objective": result.objectives}
    families["domaine / domain"] = result.domains
    for group, code, score in doc["scores"]:
        value = result.score_global if group == "global" else families[group][code]
        shown = None if value is None else round(value, 1)
        assert shown == number(score), (group, code)
    listed = {(group, code) for group, code, _ in doc["scores"]}
    expected = {("global", NONE)}
    for group, scores in families.items():
        expected |= {(group, code) for code in scores}
    assert listed == expected


def test_gap_list_in_order(example):
    doc, result = example
    assert len(result.gaps) == len(doc["gaps"])
    for gap, (rank, code, status, severity, deadline, weight, action) in zip(
        result.gaps, doc["gaps"], strict=True
    ):
        assert (gap.requirement, gap.status, gap.severity) == (code, status, severity), rank
        assert (gap.deadline.isoformat() if gap.deadline else NONE) == deadline
        assert gap.weight == float(weight)
        assert gap.care_action == action


def test_headline_targets_and_counts(example):
    doc, result = example
    assert {name: YES_NO[value] for name, value in doc["headline"]} == result.headline
    assert {status: int(count) for status, count in doc["counts"]} == result.counts


def test_the_version_two_example_uses_the_real_rules_and_scores_as_stated():
    from assessments.scoring.compiled import specs_from_data
    from referential.yaml_file import read_referential_yaml

    doc = tables()
    path = Path(__file__).resolve().parent.parent / V2_FILE
    data = read_referential_yaml(path.read_text(encoding="utf-8"))
    real = {spec.code: spec for spec in specs_from_data(data)}
    specs, answers = [], {}
    for code, source, weight, answer, _score in doc["v2-answers"]:
        spec = real[code]
        assert (spec.source, spec.weight) == (source, float(weight)), code
        assert "ESSMS" in spec.applies_to, code
        specs.append(spec)
        answers[code] = json.loads(answer)
    result = score_assessment(specs, answers, kinds={"ESSMS"}, reference_date=date(2026, 3, 1))
    for code, _source, _weight, _answer, score in doc["v2-answers"]:
        assert result.requirement_scores[code] == pytest.approx(number(score)), code
    ((care, maturity),) = doc["v2-scores"]
    assert round(result.scores["care"], 2) == number(care)
    assert round(result.scores["global"], 2) == number(maturity)
