"""Loading a referential version: every error of a broken file at once, all or nothing, idempotent,
and never a change to a version that a campaign uses."""

import copy
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from referential.data import ReferentialFileError
from referential.loader import (
    CREATED,
    UNCHANGED,
    UPDATED,
    ReferentialInUseError,
    load_referential,
    load_referential_file,
)
from referential.models import Axis, Objective, ReferentialVersion, Requirement
from referential.yaml_file import read_referential_yaml
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def _requirement(code: str, **fields) -> dict:
    requirement = {
        "code": code,
        "label": f"Question {code}",
        "help": "Preuve attendue.",
        "care_action": "2-1",
        "applies_to": ["ES", "ESSMS"],
        "answer_type": "tristate",
        "rule": {"type": "tristate"},
        "weight": 2,
        "deadline": date(2025, 6, 30),
        "deadline_label": "S1 2025",
        "national_target": {"share": 70, "population": "des établissements"},
        "domain": None,
        "funding_call": None,
        "not_applicable_allowed": False,
        "required": True,
        "headline": None,
        "prerequisite": False,
        "condition": None,
        "recommendation": "Faites le nécessaire.",
    }
    requirement.update(fields)
    return requirement


def small_referential() -> dict:
    """A valid referential: one national objective, two with requirements."""
    return {
        "code": "MINI",
        "version": 1,
        "title": "Référentiel réduit",
        "published_on": date(2025, 1, 15),
        "source": "Plan CaRE",
        "status": "published",
        "axes": [
            {
                "number": 1,
                "code": "1",
                "title": "Gouvernance et résilience",
                "objectives": [
                    {
                        "number": 1,
                        "code": "1",
                        "title": "Objectif national",
                        "national_only": True,
                        "requirements": [],
                    },
                    {
                        "number": 2,
                        "code": "2",
                        "title": "Gouvernance des établissements",
                        "requirements": [
                            _requirement(
                                "GOV-RSSI",
                                answer_type="person_named",
                                rule={"type": "person_named"},
                                headline="rssi",
                            ),
                            _requirement("GOV-COMITE", headline="governance"),
                        ],
                    },
                ],
            },
            {
                "number": 2,
                "code": "2",
                "title": "Ressources et mutualisation",
                "objectives": [
                    {
                        "number": 7,
                        "code": "7",
                        "title": "Budget",
                        "requirements": [
                            _requirement(
                                "BUDGET",
                                care_action="7-1",
                                applies_to=["ES"],
                                answer_type="ratio_at_least",
                                rule={"type": "ratio_at_least", "met": 0.02, "partial": 0.01},
                                headline="budget",
                            ),
                            _requirement(
                                "BUDGET-DETAIL",
                                care_action="7-1",
                                applies_to=["ES"],
                                deadline=None,
                                condition={"requirement": "GOV-COMITE", "in": ["yes", "partial"]},
                            ),
                        ],
                    }
                ],
            },
        ],
    }


def _requirements(data: dict) -> dict[str, dict]:
    return {
        requirement["code"]: requirement
        for axis in data["axes"]
        for objective in axis["objectives"]
        for requirement in objective["requirements"]
    }


def _errors(data) -> list[str]:
    with pytest.raises(ReferentialFileError) as raised:
        load_referential(data=data)
    assert not ReferentialVersion.objects.exists(), "a broken file must write nothing"
    assert not Requirement.objects.exists()
    return raised.value.errors


def test_a_valid_file_loads_axes_objectives_and_requirements_in_order():
    result = load_referential(data=small_referential())

    assert result.outcome == CREATED
    referential = result.referential
    assert (referential.code, referential.version, referential.status) == ("MINI", 1, "published")
    assert referential.axes.count() == 2
    assert list(referential.objectives.values_list("code", "national_only")) == [
        ("1", True),
        ("2", False),
        ("7", False),
    ]
    budget = referential.requirements.get(code="BUDGET")
    assert budget.objective.code == "7"
    assert budget.rule == {"type": "ratio_at_least", "met": 0.02, "partial": 0.01}
    assert budget.headline == "budget"
    assert budget.national_target_share == 70
    assert budget.national_target_population == "des établissements"
    assert list(referential.requirements.values_list("code", flat=True)) == [
        "GOV-RSSI",
        "GOV-COMITE",
        "BUDGET",
        "BUDGET-DETAIL",
    ]
    detail = referential.requirements.get(code="BUDGET-DETAIL")
    assert detail.deadline is None
    assert detail.condition == {"requirement": "GOV-COMITE", "in": ["yes", "partial"]}


def _set(target: str, **fields):
    def change(data):
        _requirements(data)[target].update(fields)

    return change


def _drop(target: str, key: str):
    def change(data):
        del _requirements(data)[target][key]

    return change


BROKEN = [
    pytest.param(
        _set("GOV-COMITE", rule={"type": "trisate"}, answer_type="trisate"),
        "GOV-COMITE",
        "Type de règle inconnu « trisate »",
        id="unknown-rule-type",
    ),
    pytest.param(
        _drop("BUDGET", "deadline"), "BUDGET", "« deadline » est obligatoire", id="missing-deadline"
    ),
    pytest.param(_set("BUDGET", weight=0), "BUDGET", "poids (weight)", id="zero-weight"),
    pytest.param(_set("BUDGET", weight=-1), "BUDGET", "poids (weight)", id="negative-weight"),
    pytest.param(_set("BUDGET", weight="3"), "BUDGET", "poids (weight)", id="weight-as-text"),
    pytest.param(
        _set("BUDGET-DETAIL", code="BUDGET"), "BUDGET", "code d'exigence en double", id="duplicate"
    ),
    pytest.param(
        _set("BUDGET", rule={"type": "ratio_at_least", "met": "2 %", "partial": 0.01}),
        "BUDGET",
        "« met » doit être un nombre",
        id="threshold-of-wrong-type",
    ),
    pytest.param(
        _set("BUDGET", rule={"type": "ratio_at_least", "partial": 0.01}),
        "BUDGET",
        "manquant(s) met",
        id="threshold-missing",
    ),
    pytest.param(
        _set("GOV-COMITE", rule={"type": "level", "choices": {"1": 0, "2": "haut"}}),
        "GOV-COMITE",
        "score du choix « 2 »",
        id="level-score-of-wrong-type",
    ),
    pytest.param(
        _set("GOV-COMITE", rule={"type": "within_days", "met": 365.5}),
        "GOV-COMITE",
        "nombre entier de jours",
        id="days-not-integer",
    ),
    pytest.param(
        _set("GOV-COMITE", answer_type="boolean"),
        "GOV-COMITE",
        "« answer_type » (boolean)",
        id="answer-type-differs-from-rule",
    ),
    pytest.param(
        _set("GOV-RSSI", headline="rssi_named"),
        "GOV-RSSI",
        "cible phare inconnu(e) « rssi_named »",
        id="unknown-headline",
    ),
    pytest.param(
        _set("BUDGET", domain="D5"), "BUDGET", "domaine inconnu(e) « D5 »", id="unknown-domain"
    ),
    pytest.param(
        _set("BUDGET", applies_to=["ES", "EHPAD"]),
        "BUDGET",
        "type d'établissement inconnu EHPAD",
        id="unknown-kind",
    ),
    pytest.param(
        _set("BUDGET-DETAIL", condition={"requirement": "GOV-COMMITTEE", "in": ["yes"]}),
        "BUDGET-DETAIL",
        "exigence inconnue « GOV-COMMITTEE »",
        id="condition-on-unknown-requirement",
    ),
    pytest.param(
        _set("BUDGET-DETAIL", condition={"requirement": "GOV-COMITE", "in": ["oui"]}),
        "BUDGET-DETAIL",
        "réponse impossible à « GOV-COMITE »",
        id="condition-on-impossible-answer",
    ),
    pytest.param(
        _set("BUDGET-DETAIL", condition={"requirement": "BUDGET-DETAIL", "in": ["yes"]}),
        "BUDGET-DETAIL",
        "l'exigence elle-même",
        id="condition-on-itself",
    ),
    pytest.param(
        _set("GOV-COMITE", condition={"requirement": "BUDGET-DETAIL", "in": ["yes"]}),
        "GOV-COMITE",
        "ne s'applique pas à ESSMS",
        id="condition-on-narrower-requirement",
    ),
    pytest.param(
        _set("BUDGET", weigth=3), "BUDGET", "champ(s) inconnu(s) weigth", id="misspelt-field"
    ),
    pytest.param(
        _set("BUDGET", care_action="2-1"),
        "BUDGET",
        "n'appartient pas à l'objectif 7",
        id="action-of-another-objective",
    ),
    pytest.param(
        _set("BUDGET", deadline="fin 2025"),
        "BUDGET",
        "date AAAA-MM-JJ ou null",
        id="deadline-not-a-date",
    ),
    pytest.param(
        _set("BUDGET", national_target={"share": 150, "population": "des ES"}),
        "BUDGET",
        "de 0 à 100",
        id="target-share-above-100",
    ),
    pytest.param(
        _set("BUDGET", required="oui"), "BUDGET", "true ou false", id="flag-not-a-boolean"
    ),
    pytest.param(
        _set("BUDGET", prerequisite=True), "BUDGET", "doit indiquer son domaine", id="prereq"
    ),
    pytest.param(_set("BUDGET", recommendation=""), "BUDGET", "« recommendation »", id="no-reco"),
    pytest.param(_set("BUDGET", code="budget 1"), "budget 1", "majuscules", id="bad-code"),
]


@pytest.mark.parametrize(("change", "code", "expected"), BROKEN)
def test_a_broken_requirement_gives_a_precise_error_naming_it_and_writes_nothing(
    change, code, expected
):
    data = small_referential()
    change(data)

    errors = _errors(data)

    assert any(f"« {code} »" in error and expected in error for error in errors), errors


def test_every_error_of_the_file_is_reported_at_once():
    data = small_referential()
    _requirements(data)["GOV-RSSI"]["weight"] = 0
    _requirements(data)["BUDGET"]["rule"] = {"type": "ratio_at_least", "met": "deux"}
    del _requirements(data)["BUDGET-DETAIL"]["deadline"]

    errors = _errors(data)

    assert len(errors) == 3
    assert [error.split(" :")[0] for error in errors] == [
        "Exigence « GOV-RSSI »",
        "Exigence « BUDGET »",
        "Exigence « BUDGET-DETAIL »",
    ]


def test_a_national_objective_cannot_hold_requirements():
    data = small_referential()
    data["axes"][0]["objectives"][0]["requirements"] = [_requirement("NATIONAL", care_action="1-1")]

    errors = _errors(data)

    assert any("Objectif « 1 »" in error and "national_only" in error for error in errors)


def test_conditions_in_a_loop_are_refused():
    data = small_referential()
    _requirements(data)["GOV-COMITE"]["condition"] = {"requirement": "GOV-RSSI", "in": [False]}
    _requirements(data)["GOV-RSSI"]["condition"] = {"requirement": "GOV-COMITE", "in": ["yes"]}

    errors = _errors(data)

    assert any("conditions en boucle" in error for error in errors), errors


def test_errors_of_a_yaml_file_carry_its_line_numbers(tmp_path):
    text = """\
code: MINI
version: 1
title: "Référentiel réduit"
status: published
axes:
  - number: 1
    code: "1"
    title: "Axe"
    objectives:
      - number: 2
        code: "2"
        title: "Objectif"
        requirements:
          - code: GOV-RSSI
            label: "RSSI nommé ?"
            care_action: "2-1"
            applies_to: [ES]
            rule: {type: person_named}
            weight: 0
            deadline: 2025-06-30
            recommendation: "Nommez un RSSI."
"""
    path = tmp_path / "mini.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ReferentialFileError) as raised:
        load_referential_file(path)

    assert raised.value.errors == [
        "Exigence « GOV-RSSI » (ligne 14) : le poids (weight) doit être un nombre strictement "
        "positif (reçu : 0)."
    ]


def test_invalid_yaml_and_duplicate_keys_are_reported_with_their_line():
    with pytest.raises(ReferentialFileError) as raised:
        read_referential_yaml("code: A\nversion: 1\naxes: [\n")
    assert raised.value.errors[0].startswith("Ligne ")

    with pytest.raises(ReferentialFileError) as raised:
        read_referential_yaml("code: A\nversion: 1\ncode: B\n")
    assert "Ligne 3" in raised.value.errors[0]
    assert "clé « code » en double (déjà vue ligne 1)" in raised.value.errors[0]


def test_loading_the_same_version_twice_changes_nothing(django_assert_max_num_queries):
    first = load_referential(data=small_referential())
    ids = sorted(Requirement.objects.values_list("pk", flat=True))

    with django_assert_max_num_queries(8):
        second = load_referential(data=small_referential())

    assert second.outcome == UNCHANGED
    assert second.referential.pk == first.referential.pk
    assert sorted(Requirement.objects.values_list("pk", flat=True)) == ids
    assert (Axis.objects.count(), Objective.objects.count(), Requirement.objects.count()) == (
        2,
        3,
        4,
    )


def test_a_version_no_campaign_uses_can_be_corrected():
    load_referential(data=small_referential())
    data = small_referential()
    _requirements(data)["BUDGET"]["weight"] = 3
    _requirements(data)["GOV-COMITE"]["label"] = "Un comité cybersécurité se réunit-il ?"

    result = load_referential(data=data)

    assert result.outcome == UPDATED
    assert ReferentialVersion.objects.count() == 1
    assert Requirement.objects.get(code="BUDGET").weight == 3
    assert Requirement.objects.get(code="GOV-COMITE").label.startswith("Un comité")


def test_a_version_used_by_a_campaign_is_never_modified():
    referential = load_referential(data=small_referential()).referential
    CampaignFactory(year=2025, referential=referential)
    data = small_referential()
    _requirements(data)["BUDGET"]["weight"] = 3

    with pytest.raises(ReferentialInUseError) as raised:
        load_referential(data=data)

    message = raised.value.errors[0]
    assert "MINI:1" in message and "campagne 2025" in message and "version: 2" in message
    assert Requirement.objects.get(code="BUDGET").weight == 2
    # The same content still loads (nothing to change), and a new version is accepted.
    assert load_referential(data=small_referential()).outcome == UNCHANGED
    data["version"] = 2
    assert load_referential(data=data).outcome == CREATED
    assert ReferentialVersion.objects.count() == 2


def test_a_broken_file_leaves_the_loaded_version_untouched():
    load_referential(data=small_referential())
    data = small_referential()
    _requirements(data)["GOV-RSSI"]["label"] = "Changé"
    _requirements(data)["BUDGET"]["weight"] = 0

    with pytest.raises(ReferentialFileError):
        load_referential(data=data)

    assert Requirement.objects.get(code="GOV-RSSI").label == "Question GOV-RSSI"


def test_the_command_loads_a_file_and_reports_what_it_did(tmp_path):
    out = StringIO()
    call_command("load_referential", "fixtures/referential/care-2025.yaml", stdout=out)
    assert "Référentiel CARE:1 créé : 4 axes, 20 objectifs" in out.getvalue()

    out = StringIO()
    call_command("load_referential", "fixtures/referential/care-2025.yaml", stdout=out)
    assert "déjà à jour" in out.getvalue()


def test_the_command_lists_the_errors_and_loads_nothing(tmp_path):
    text = Path("fixtures/referential/care-2025.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("weight: 3", "weight: 0", 1), encoding="utf-8")
    err = StringIO()

    with pytest.raises(CommandError, match="1 erreur"):
        call_command("load_referential", str(broken), stderr=err)

    assert "Exigence « GOV-RSSI »" in err.getvalue()
    assert not ReferentialVersion.objects.exists()


def test_the_command_reports_a_missing_file(tmp_path):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("load_referential", str(tmp_path / "absent.yaml"), stderr=err)
    assert "Fichier introuvable" in err.getvalue()


def test_the_loaded_dict_is_not_modified_by_loading():
    data = small_referential()
    before = copy.deepcopy(data)
    load_referential(data=data)
    assert data == before
