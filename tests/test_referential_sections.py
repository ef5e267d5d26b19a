"""Loading the sections of a version-2 file: sources, domains, headline targets, milestones, the
code map from the previous version and consistency rules. Every error at once, each naming its
item and line; nothing written; the same content twice changes nothing."""

import copy
from datetime import date

import pytest
import yaml

from referential.data import ReferentialFileError
from referential.loader import (
    CREATED,
    UNCHANGED,
    UPDATED,
    ReferentialInUseError,
    load_referential,
    load_referential_file,
)
from referential.models import ReferentialVersion, Requirement
from tests.factories import CampaignFactory
from tests.test_referential_loader import _requirements, small_referential

pytestmark = pytest.mark.django_db


def _target(code, action, requirements, **fields) -> dict:
    target = {
        "code": code,
        "label": f"Cible {code}",
        "source": "plan",
        "action": action,
        "deadline": date(2025, 6, 30),
        "deadline_label": "S1 2025",
        "national_share": 0.7,
        "population": "des établissements",
        "kinds": ["ES", "ESSMS"],
        "unit": "ET",
        "requirements": requirements,
    }
    target.update(fields)
    return target


def version_2() -> dict:
    """A valid version 2 of the small referential, with every section."""
    data = small_referential()
    data["version"] = 2
    data["published_on"] = date(2026, 2, 2)
    sources = {
        "GOV-RSSI": {"source": "plan", "source_ref": "2-1"},
        "GOV-COMITE": {"source": "plan", "source_ref": "2-1"},
        "BUDGET": {"source": "plan", "source_ref": "7-1", "threshold_source": "plan"},
        "BUDGET-DETAIL": {"source": "funding_call", "source_ref": "D2:O1.A", "domain": "D2"},
    }
    for code, requirement in _requirements(data).items():
        requirement.update(sources[code], national_target=None)
    data["domains"] = [
        {
            "code": "D2",
            "title": "Domaine 2 — continuité et reprise d'activité",
            "plan": "Domaine 4 du plan (objectif 16)",
            "funding_call": "Appel continuité",
            "arrete_date": date(2025, 7, 3),
        }
    ]
    data["targets"] = [
        _target("rssi", "2-1", ["GOV-RSSI"]),
        _target("governance", "2-1", ["GOV-COMITE"]),
        _target("budget", "7-1", ["BUDGET"], kinds=["ES"], unit="EJ", national_share=1),
    ]
    data["milestones"] = [
        {
            "action": "2-3",
            "label": "Visites de certification HAS",
            "owner": "HAS",
            "date": date(2024, 6, 30),
            "date_label": "S1 2024",
        }
    ]
    data["code_map"] = {
        "from": {"code": "MINI", "version": 1},
        "codes": [
            {"code": "GOV-RSSI", "from": "GOV-RSSI"},
            {"code": "GOV-COMITE", "from": "GOV-COMITE"},
            {"code": "BUDGET", "from": "BUDGET"},
        ],
        "not_carried": [{"from": "BUDGET-DETAIL", "reason": "Question reformulée."}],
    }
    data["consistency"] = [
        {
            "code": "COMITE-DETAIL",
            "answers": [
                {"requirement": "GOV-COMITE", "in": ["no"]},
                {"requirement": "BUDGET-DETAIL", "in": ["yes"]},
            ],
            "message": "Pas de comité, mais un détail validé : à revoir.",
        }
    ]
    return data


@pytest.fixture
def v1():
    return load_referential(data=small_referential()).referential


def _errors(data) -> list[str]:
    before = (ReferentialVersion.objects.count(), Requirement.objects.count())
    with pytest.raises(ReferentialFileError) as raised:
        load_referential(data=data)
    assert (ReferentialVersion.objects.count(), Requirement.objects.count()) == before, (
        "a broken file must write nothing"
    )
    return raised.value.errors


def test_a_valid_version_2_loads_its_sections(v1):
    result = load_referential(data=version_2())

    assert result.outcome == CREATED
    referential = result.referential
    assert [t["code"] for t in referential.headline_targets] == ["rssi", "governance", "budget"]
    budget = referential.headline_targets[2]
    assert (budget["unit"], budget["national_share"], budget["deadline"]) == (
        "EJ",
        1,
        "2025-06-30",
    )
    assert referential.milestones[0] == {
        "action": "2-3",
        "label": "Visites de certification HAS",
        "owner": "HAS",
        "date": "2024-06-30",
        "date_label": "S1 2024",
    }
    assert referential.code_map["not_carried"] == [
        {"from": "BUDGET-DETAIL", "reason": "Question reformulée."}
    ]
    assert referential.consistency_rules[0]["code"] == "COMITE-DETAIL"
    detail = referential.requirements.get(code="BUDGET-DETAIL")
    assert (detail.source, detail.source_ref, detail.domain) == ("funding_call", "D2:O1.A", "D2")
    assert detail.get_domain_display() == "Domaine 2 — continuité et reprise d'activité"
    assert detail.source_badge == "Appel D2 — O1.A"
    assert referential.requirements.get(code="BUDGET").source_badge == "Cible CaRE 7-1"


def test_loading_version_2_twice_changes_nothing_and_a_change_updates_it(v1):
    load_referential(data=version_2())
    assert load_referential(data=version_2()).outcome == UNCHANGED

    changed = version_2()
    changed["milestones"][0]["owner"] = "HAS - ANS"
    assert load_referential(data=changed).outcome == UPDATED
    assert ReferentialVersion.objects.get(version=2).milestones[0]["owner"] == "HAS - ANS"


def test_a_used_version_2_keeps_its_targets(v1):
    referential = load_referential(data=version_2()).referential
    CampaignFactory(year=2026, referential=referential)
    changed = version_2()
    changed["targets"][0]["national_share"] = 0.8

    with pytest.raises(ReferentialInUseError):
        load_referential(data=changed)

    referential.refresh_from_db()
    assert referential.headline_targets[0]["national_share"] == 0.7


def _target_of(code: str, **fields):
    def change(data):
        next(t for t in data["targets"] if t["code"] == code).update(fields)

    return change


def _drop_target_key(code: str, key: str):
    def change(data):
        del next(t for t in data["targets"] if t["code"] == code)[key]

    return change


def _req(code: str, **fields):
    def change(data):
        _requirements(data)[code].update(fields)

    return change


def _drop_req_key(code: str, key: str):
    def change(data):
        del _requirements(data)[code][key]

    return change


def _milestone(**fields):
    def change(data):
        data["milestones"][0].update(fields)

    return change


def _drop_milestone_key(key: str):
    def change(data):
        del data["milestones"][0][key]

    return change


def _rule_answers(*answers):
    def change(data):
        data["consistency"][0]["answers"] = list(answers)

    return change


def _code_map(**fields):
    def change(data):
        data["code_map"].update(fields)

    return change


def _set(**fields):
    def change(data):
        data.update(fields)

    return change


BROKEN = [
    # Headline targets.
    pytest.param(
        _target_of("rssi", requirements=["GOV-RSSI", "NOPE"]),
        "Cible « rssi »",
        "exigence inconnue « NOPE »",
        id="target-unknown-requirement",
    ),
    pytest.param(
        _target_of("rssi", national_share=70),
        "Cible « rssi »",
        "la part nationale doit être un nombre de 0 à 1",
        id="target-share-as-percent",
    ),
    pytest.param(
        _drop_target_key("rssi", "national_share"),
        "Cible « rssi »",
        "« national_share » est obligatoire",
        id="target-share-missing",
    ),
    pytest.param(
        _target_of("rssi", national_share=None),
        "Cible « rssi »",
        "une « note » dit ce que le plan fixe",
        id="target-unknown-share-without-note",
    ),
    pytest.param(
        _target_of("rssi", unit="PMSI"),
        "Cible « rssi »",
        "l'unité PMSI ne compte que des structures de type ES",
        id="target-pmsi-unit-for-essms",
    ),
    pytest.param(
        _target_of("rssi", unit="candidates:D9"),
        "Cible « rssi »",
        "nomme un appel qui n'est pas un domaine",
        id="target-candidates-of-unknown-call",
    ),
    pytest.param(
        _target_of("rssi", unit="sites"),
        "Cible « rssi »",
        "unité inconnue « sites »",
        id="target-unknown-unit",
    ),
    pytest.param(
        _target_of("rssi", requirements=["GOV-COMITE"]),
        "Cible « rssi »",
        "doit lister les exigences marquées « headline: rssi » (GOV-RSSI)",
        id="target-disagrees-with-headline",
    ),
    pytest.param(
        _target_of("budget", source="portal"),
        "Cible « budget »",
        "une cible phare vient du plan",
        id="target-from-the-portal",
    ),
    pytest.param(
        _req("GOV-RSSI", source="portal", source_ref=None),
        "Cible « rssi »",
        "« GOV-RSSI » est une recommandation du portail",
        id="target-fed-by-a-recommendation",
    ),
    pytest.param(
        _req("BUDGET", deadline=date(2025, 12, 31), deadline_label="S2 2025"),
        "Exigence « BUDGET »",
        "l'échéance (2025-12-31) n'est celle d'aucune des cibles qu'elle nourrit (budget)",
        id="requirement-due-otherwise-than-its-target",
    ),
    pytest.param(
        _req("GOV-COMITE", national_target={"share": 70, "population": "des établissements"}),
        "Exigence « GOV-COMITE »",
        "« national_target: null »",
        id="target-stated-twice",
    ),
    # Milestones.
    pytest.param(
        _req("GOV-COMITE", care_action="2-3", source_ref="2-3", headline=None),
        "Exigence « GOV-COMITE »",
        "fait d'un jalon (HAS, S1 2024) une cible de l'établissement",
        id="milestone-as-requirement",
    ),
    pytest.param(
        _drop_milestone_key("date"),
        "Jalon « 2-3 »",
        "« date » est obligatoire",
        id="milestone-without-date",
    ),
    pytest.param(
        _milestone(action="2.3"),
        "Jalon « 2.3 »",
        "action du plan « 2.3 » invalide",
        id="milestone-bad-action",
    ),
    pytest.param(
        _milestone(owner=""), "Jalon « 2-3 »", "« owner » est vide", id="milestone-no-owner"
    ),
    # Consistency rules.
    pytest.param(
        _rule_answers(
            {"requirement": "GOV-COMITE", "in": ["no"]}, {"requirement": "NOPE", "in": ["yes"]}
        ),
        "Règle de cohérence « COMITE-DETAIL »",
        "exigence inconnue « NOPE »",
        id="rule-unknown-requirement",
    ),
    pytest.param(
        _rule_answers(
            {"requirement": "GOV-COMITE", "in": ["peut-être"]},
            {"requirement": "BUDGET-DETAIL", "in": ["yes"]},
        ),
        "Règle de cohérence « COMITE-DETAIL »",
        "la règle attend « peut-être », réponse impossible à « GOV-COMITE »",
        id="rule-impossible-answer",
    ),
    pytest.param(
        _rule_answers({"requirement": "GOV-COMITE", "in": ["no"]}),
        "Règle de cohérence « COMITE-DETAIL »",
        "exactement deux réponses",
        id="rule-with-one-answer",
    ),
    pytest.param(
        _rule_answers(
            {"requirement": "GOV-COMITE", "in": ["no"]},
            {"requirement": "GOV-COMITE", "in": ["yes"]},
        ),
        "Règle de cohérence « COMITE-DETAIL »",
        "les deux réponses portent sur la même exigence",
        id="rule-on-one-requirement",
    ),
    # Sources of requirements.
    pytest.param(
        _drop_req_key("GOV-COMITE", "source"),
        "Exigences",
        "il manque « source » à GOV-COMITE",
        id="source-missing",
    ),
    pytest.param(
        _req("GOV-COMITE", source_ref=None),
        "Exigence « GOV-COMITE »",
        "une cible du plan (source: plan) donne son action",
        id="plan-without-action",
    ),
    pytest.param(
        _req("GOV-COMITE", source_ref="7-1"),
        "Exigence « GOV-COMITE »",
        "« source_ref » 7-1 n'est pas une action de « care_action » (2-1)",
        id="plan-action-of-another-objective",
    ),
    pytest.param(
        _req("BUDGET-DETAIL", source_ref="D9:O1.A"),
        "Exigence « BUDGET-DETAIL »",
        "l'appel « D9 » n'est pas un domaine de cette version",
        id="unknown-call",
    ),
    pytest.param(
        _req("BUDGET-DETAIL", source_ref="objectif O1.A"),
        "Exigence « BUDGET-DETAIL »",
        "donne l'appel et l'objectif dans « source_ref »",
        id="call-ref-malformed",
    ),
    pytest.param(
        _req("GOV-COMITE", source="portal", headline=None),
        "Exigence « GOV-COMITE »",
        "ne cite ni action ni appel",
        id="portal-with-action",
    ),
    pytest.param(
        _req("BUDGET", threshold_source=None),
        "Exigence « BUDGET »",
        "dites qui l'a fixé",
        id="threshold-without-source",
    ),
    pytest.param(
        _req("GOV-COMITE", threshold_source="portal"),
        "Exigence « GOV-COMITE »",
        "la règle ne fixe aucun seuil",
        id="threshold-source-without-threshold",
    ),
    pytest.param(
        _req("GOV-COMITE", answered_by="ars", headline=None),
        "Exigence « GOV-COMITE »",
        "renseignée par l'ARS (answered_by: ars) n'est pas posée",
        id="ars-item-required",
    ),
    pytest.param(
        _req("GOV-COMITE", answered_by="GHT"),
        "Exigence « GOV-COMITE »",
        "« answered_by » inconnu(e) « GHT »",
        id="answered-by-unknown",
    ),
    pytest.param(
        _req("GOV-COMITE", reason_required_for_na=True),
        "Exigence « GOV-COMITE »",
        "« reason_required_for_na » n'a de sens que si « non applicable » est autorisé",
        id="reason-without-na",
    ),
    pytest.param(
        _req("BUDGET-DETAIL", domain="D4"),
        "Exigence « BUDGET-DETAIL »",
        "domaine inconnu(e) « D4 » ; valeurs possibles : D2",
        id="domain-not-of-this-version",
    ),
    pytest.param(
        _req("GOV-RSSI", also_feeds=["D2 O1.A"]),
        "Exigence « GOV-RSSI »",
        "« also_feeds » : référence « D2 O1.A » invalide",
        id="also-feeds-malformed",
    ),
    # Domains and the publication date.
    pytest.param(
        _set(published_on=date(2025, 1, 15)),
        "En-tête",
        "la date de publication (2025-01-15) précède l'arrêté du domaine « D2 » (2025-07-03)",
        id="published-before-its-sources",
    ),
    # The code map.
    pytest.param(
        _code_map(not_carried=[]),
        "Correspondance « code_map »",
        "manquent : BUDGET-DETAIL",
        id="map-forgets-an-item",
    ),
    pytest.param(
        _code_map(
            codes=[
                {"code": "GOV-RSSI", "from": "GOV-RSSI"},
                {"code": "GOV-COMITE", "from": "GOV-COMITE"},
                {"code": "BUDGET", "from": "BUDGET"},
                {"code": "BUDGET-DETAIL", "from": "OLD-CODE"},
            ]
        ),
        "Correspondance « OLD-CODE »",
        "n'est pas une exigence de la version précédente",
        id="map-from-unknown-code",
    ),
    pytest.param(
        _code_map(
            codes=[
                {"code": "GOV-COMITE", "from": "GOV-RSSI"},
                {"code": "GOV-RSSI", "from": "GOV-COMITE"},
                {"code": "BUDGET", "from": "BUDGET"},
            ]
        ),
        "Correspondance « GOV-RSSI »",
        "les réponses ne se reportent pas",
        id="map-between-answer-types",
    ),
    pytest.param(
        _code_map(
            codes=[
                {"code": "GOV-RSSI", "from": "GOV-RSSI"},
                {"code": "GOV-COMITE", "from": "GOV-COMITE"},
                {"code": "BUDGET-2", "from": "BUDGET"},
            ]
        ),
        "Correspondance « BUDGET »",
        "« BUDGET-2 » n'est pas une exigence de cette version",
        id="map-to-unknown-code",
    ),
    pytest.param(
        _code_map(not_carried=[{"from": "BUDGET-DETAIL"}]),
        "Correspondance « BUDGET-DETAIL »",
        "dites pourquoi elle ne se reporte pas",
        id="not-carried-without-reason",
    ),
    pytest.param(
        _code_map(**{"from": {"code": "MINI", "version": 7}}),
        "Correspondance « code_map »",
        "la version MINI:7 est introuvable",
        id="map-from-unknown-version",
    ),
]


@pytest.mark.parametrize(("change", "where", "expected"), BROKEN)
def test_a_broken_section_gives_a_precise_error_and_writes_nothing(v1, change, where, expected):
    data = version_2()
    change(data)

    errors = _errors(data)

    assert any(error.startswith(where) and expected in error for error in errors), errors


def test_every_error_of_every_section_is_reported_at_once(v1):
    data = version_2()
    data["targets"][0]["unit"] = "sites"
    data["milestones"][0]["action"] = "deux-trois"
    data["consistency"][0]["answers"] = []
    _requirements(data)["BUDGET"]["weight"] = 0

    errors = _errors(data)

    assert [error.split(" :")[0].split(" (")[0] for error in errors] == [
        "Exigence « BUDGET »",
        "Cible « rssi »",
        "Jalon « deux-trois »",
        "Règle de cohérence « COMITE-DETAIL »",
    ]


def test_version_1_files_load_without_any_section():
    result = load_referential(data=small_referential())
    referential = result.referential
    assert referential.headline_targets == [] and referential.milestones == []
    assert referential.code_map == {} and referential.consistency_rules == []
    requirement = referential.requirements.get(code="GOV-RSSI")
    assert (requirement.source, requirement.source_badge, requirement.answered_by) == (
        "",
        "",
        "establishment",
    )


def _dump(data, path):
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_sections_may_come_from_sibling_files_and_the_previous_version_from_its_file(tmp_path):
    _dump(small_referential(), tmp_path / "mini-1.yaml")
    data = version_2()
    targets, milestones = data.pop("targets"), data.pop("milestones")
    _dump(data, tmp_path / "mini-2.yaml")
    _dump({"targets": targets}, tmp_path / "mini-2.targets.yaml")
    _dump({"milestones": milestones}, tmp_path / "mini-2.milestones.yaml")

    # Version 1 is not stored: the code map is checked against its file beside this one.
    result = load_referential_file(tmp_path / "mini-2.yaml")

    assert result.outcome == CREATED
    assert [t["code"] for t in result.referential.headline_targets] == [
        "rssi",
        "governance",
        "budget",
    ]
    assert result.referential.milestones[0]["owner"] == "HAS"
    assert ReferentialVersion.objects.count() == 1


def test_a_section_given_twice_is_refused(tmp_path):
    _dump(small_referential(), tmp_path / "mini-1.yaml")
    data = version_2()
    _dump(data, tmp_path / "mini-2.yaml")
    _dump({"targets": data["targets"]}, tmp_path / "mini-2.targets.yaml")

    with pytest.raises(ReferentialFileError) as raised:
        load_referential_file(tmp_path / "mini-2.yaml")

    assert raised.value.errors == [
        "Section « targets » : donnée à la fois dans mini-2.yaml et dans mini-2.targets.yaml."
    ]
    assert not ReferentialVersion.objects.exists()


def test_section_errors_carry_their_line(tmp_path, v1):
    data = version_2()
    data["targets"][1]["national_share"] = 70
    path = tmp_path / "mini-2.yaml"
    _dump(data, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if text.strip() == "- code: governance")

    with pytest.raises(ReferentialFileError) as raised:
        load_referential_file(path)

    assert raised.value.errors == [
        f"Cible « governance » (ligne {line}) : la part nationale doit être un nombre de 0 à 1 "
        "(reçu : 70)."
    ]


def test_the_loaded_dict_is_not_modified(v1):
    data = version_2()
    before = copy.deepcopy(data)
    load_referential(data=data)
    assert data == before
