"""Funding calls as referential data: the calls file beside a referential file, checked whole.

`load_referential care-2026.yaml` also loads `care-2026.funding-calls.yaml`; a bad calls file is
refused whole with its line numbers, and neither the calls nor the version are written.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from establishments.ght_file import read_ght_file
from establishments.models import GHTMember
from establishments.services import import_ght
from funding.models import STAGE_CODES, FundingCall
from referential.data import ReferentialFileError
from referential.loader import load_referential_file
from referential.models import ReferentialVersion

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "referential"
V2 = FIXTURES / "care-2026.yaml"
CALLS = FIXTURES / "care-2026.funding-calls.yaml"


@pytest.fixture
def copy(tmp_path):
    """The v2 referential and its calls file in a folder of their own, the calls file editable."""
    shutil.copy(V2, tmp_path / V2.name)
    shutil.copy(FIXTURES / "care-2025.yaml", tmp_path / "care-2025.yaml")  # for its code map
    target = tmp_path / CALLS.name
    shutil.copy(CALLS, target)
    return tmp_path / V2.name, target


def replace(path: Path, old: str, new: str, count: int = 1) -> int:
    """Replace the first `count` occurrences; the line number of the first one."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return line


@pytest.mark.django_db
def test_the_four_calls_load_with_the_v2_referential():
    load_referential_file(V2)
    calls = {call.code: call for call in FundingCall.objects.select_related("referential")}
    assert list(calls) == ["D1", "HOSPICONNECT", "D2", "D1BIS"]
    assert {c.referential.label for c in calls.values()} == {"CARE:2"}
    d2 = calls["D2"]
    assert d2.title == "Domaine 2 — stratégie de continuité et de reprise d'activité"
    assert d2.arrete_date.isoformat() == "2025-07-03" and d2.amount_eur == 45_000_000
    assert [stage["code"] for stage in d2.stages] == list(STAGE_CODES)
    assert (d2.stage("candidacy")["opens_on"], d2.stage("candidacy")["closes_on"]) == (
        "2025-09-02",
        "2025-10-31",
    )
    assert d2.stage("declaration")["opens_on"] == "2026-01-16"
    # A date the sources do not give is null, and a note says so.
    assert d2.stage("declaration")["closes_on"] is None
    assert "non publiée" in d2.stage("declaration")["note"]
    assert [p["code"] for p in d2.prerequisites] == ["P1", "P2"]
    assert d2.prerequisites[0]["requirements"] == ["D2-P1-PSSI"]
    assert d2.objective("O1.A")["requirements"] == ["D2-O1A-GOUVERNANCE"]
    assert all(objective["documents"] for objective in d2.objectives)
    assert d2.ght_rule["activity_share_at_least"] == 66
    assert d2.ght_rule["objectives"] == ["O1.C", "O1.D"]
    d1 = calls["D1"]
    assert (d1.amount_eur, d1.stage("instruction")["closes_on"]) == (65_000_000, "2024-05-21")
    assert d1.stage("payment")["closes_on"] == "2025-10-25"
    # Every objective's requirements exist in the version.
    codes = set(d2.referential.requirements.values_list("code", flat=True))
    for call in calls.values():
        for objective in call.objectives:
            assert set(objective["requirements"]) <= codes


@pytest.mark.django_db
def test_loading_again_changes_nothing_and_version_one_has_no_calls():
    load_referential_file(V2)
    first = list(FundingCall.objects.values_list("pk", "code"))
    result = load_referential_file(V2)
    assert list(FundingCall.objects.values_list("pk", "code")) == first
    assert "4 appel(s) à financement" in result.summary
    load_referential_file(FIXTURES / "care-2025.yaml")
    assert not ReferentialVersion.objects.get(version=1).funding_calls.exists()


@pytest.mark.django_db
def test_the_command_loads_the_calls_file_beside_the_referential():
    call_command("load_referential", str(V2))
    assert FundingCall.objects.count() == 4


BAD_CASES = {
    "stage out of order": (
        '      - code: instruction\n        label: "Instruction par l\'ARS"\n        opens_on: null\n        closes_on: 2024-05-21',
        '      - code: instruction\n        label: "Instruction par l\'ARS"\n        opens_on: null\n        closes_on: 2024-01-21',
        "étape hors d'ordre",
    ),
    "objective without documents list": (
        '        requirements: [D2-O1A-GOUVERNANCE]\n        documents:\n          - {code: note_gouvernance, label: "Note de gouvernance de la continuité (rôles, instance de pilotage)", source: "Recommandation du portail"}\n',
        "        requirements: [D2-O1A-GOUVERNANCE]\n        documents: []\n",
        "pièces à fournir",
    ),
    "unknown requirement code": (
        "requirements: [D2-O1A-GOUVERNANCE]",
        "requirements: [D2-O1A-GOUVERNANCES]",
        "exigence « D2-O1A-GOUVERNANCES » inconnue",
    ),
    "unknown date left unexplained": (
        '        closes_on: null\n        source: "Plan d\'action CaRE, action 17-1 (équipe de contrôle de l\'ANS)"\n        note: "Dates non publiées dans les sources disponibles."',
        "        closes_on: null\n        source: \"Plan d'action CaRE, action 17-1 (équipe de contrôle de l'ANS)\"\n        note: null",
        "doit être expliquée",
    ),
    "stages missing one": (
        '      - code: payment\n        label: "Versement"\n        opens_on: null\n        closes_on: 2025-10-25',
        '      - code: paiement\n        label: "Versement"\n        opens_on: null\n        closes_on: 2025-10-25',
        "les étapes doivent être",
    ),
    # Longer than a candidacy's document can store: refused here rather than failing on
    # PostgreSQL the day a document is attached to it.
    "objective code too long": (
        "code: DOUBLE-AUTHENTIFICATION\n",
        "code: DOUBLE-AUTHENTIFICATION-DES-PROFESSIONNELS\n",
        "code d'objectif trop long (40 caractères au plus)",
    ),
    "document code too long": (
        "{code: architecture_authentification_sauvegarde,",
        "{code: architecture_authentification_des_sauvegardes,",
        "code de pièce trop long (40 caractères au plus)",
    ),
    # The referential's domains name the calls (the action plan's funding sources): the two
    # files agree on the code and the arrêté.
    "arrêté dated otherwise than the domain": (
        "    arrete_date: 2024-03-18\n",
        "    arrete_date: 2024-03-19\n",
        "date de l'arrêté 2024-03-19 différente de celle du domaine dans le référentiel (2024-03-18)",
    ),
    "call code other than its domain's": (
        "  - code: D1\n",
        "  - code: DOMAINE1\n",
        "le code de l'appel doit être celui de son domaine (« D1 »)",
    ),
    "GHT rule on an unknown objective": (
        "objectives: [O1.C, O1.D]",
        "objectives: [O1.C, O9]",
        "objectif « O9 » inconnu",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_a_bad_calls_file_is_refused_whole_with_its_line(case, copy):
    referential, calls = copy
    old, new, expected = BAD_CASES[case]
    replace(calls, old, new)
    with pytest.raises(ReferentialFileError) as raised:
        load_referential_file(referential)
    messages = [m for m in raised.value.errors if expected in m]
    assert messages, raised.value.errors
    assert all(m.startswith("care-2026.funding-calls.yaml : ") for m in raised.value.errors)
    assert "ligne " in messages[0]
    # Nothing written: neither the calls nor the referential version.
    assert not FundingCall.objects.exists()
    assert not ReferentialVersion.objects.exists()


@pytest.mark.django_db
def test_a_domain_with_an_arrete_needs_its_call(copy):
    referential, calls = copy
    replace(calls, "  - code: D1\n", "  - code: DOMAINE1\n")
    with pytest.raises(ReferentialFileError) as raised:
        load_referential_file(referential)
    assert (
        "care-2026.funding-calls.yaml : Le domaine « D1 » du référentiel a un arrêté (2024-03-18) "
        "mais aucun appel ne le finance dans ce fichier."
    ) in raised.value.errors


@pytest.mark.django_db
def test_every_problem_of_the_file_is_listed_at_once(copy):
    referential, calls = copy
    line = replace(calls, "requirements: [D2-O1A-GOUVERNANCE]", "requirements: [NOPE-1]")
    replace(calls, "requirements: [ID-IAM, ID-SSO]", "requirements: [NOPE-2]")
    with pytest.raises(ReferentialFileError) as raised:
        load_referential_file(referential)
    text = "\n".join(raised.value.errors)
    assert "NOPE-1" in text and "NOPE-2" in text
    # The line named is the objective's own.
    assert any(f"ligne {line - 4})" in m and "NOPE-1" in m for m in raised.value.errors), text


@pytest.mark.django_db
def test_the_command_says_nothing_was_loaded(copy, capsys):
    referential, calls = copy
    replace(calls, "requirements: [D2-O1A-GOUVERNANCE]", "requirements: [NOPE]")
    with pytest.raises(CommandError, match="rien n'a été chargé"):
        call_command("load_referential", str(referential))
    assert "NOPE" in capsys.readouterr().err
    assert not ReferentialVersion.objects.exists()


@pytest.mark.django_db
def test_a_call_with_candidacies_cannot_change(copy):
    from tests.factories import CandidacyFactory

    referential, calls = copy
    load_referential_file(referential)
    CandidacyFactory(call=FundingCall.objects.get(code="D2"))
    replace(calls, "amount_eur: 45000000", "amount_eur: 46000000")
    with pytest.raises(ReferentialFileError, match="déjà des candidatures"):
        load_referential_file(referential)
    assert FundingCall.objects.get(code="D2").amount_eur == 45_000_000


# --- Activity shares in the GHT file ------------------------------------------------------------

HEADER = "code_ght;nom_ght;code_region;finess_ej;support"


def write(tmp_path, lines) -> Path:
    path = tmp_path / "ght.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_share_column_is_optional(tmp_path):
    old = read_ght_file(write(tmp_path, [HEADER, "G1;GHT Un;84;010780054;oui"]))
    assert old.is_valid and old.rows[0].activity_share is None
    new = read_ght_file(
        write(
            tmp_path,
            [
                f"{HEADER};part_activite",
                "G1;GHT Un;84;010780054;oui;42,5",
                "G1;GHT Un;84;010780062;non;",
            ],
        )
    )
    assert new.is_valid, new.errors
    assert [row.activity_share for row in new.rows] == [Decimal("42.5"), None]


@pytest.mark.parametrize(
    "value, message",
    [
        ("101", "de 0 à 100"),
        ("-1", "de 0 à 100"),
        ("beaucoup", "de 0 à 100"),
        ("1.234", "deux décimales"),
    ],
)
def test_a_bad_share_is_refused_with_its_line(tmp_path, value, message):
    result = read_ght_file(
        write(
            tmp_path,
            [
                f"{HEADER};part_activite",
                "G1;GHT Un;84;010780054;oui;10",
                f"G1;GHT Un;84;010780062;non;{value}",
            ],
        )
    )
    assert [(e.line, message in e.message) for e in result.errors] == [(3, True)]


def test_shares_over_100_percent_are_refused(tmp_path):
    result = read_ght_file(
        write(
            tmp_path,
            [
                f"{HEADER};part_activite",
                "G1;GHT Un;84;010780054;oui;60",
                "G1;GHT Un;84;010780062;non;50",
            ],
        )
    )
    assert [(e.line, "dépassent 100" in e.message) for e in result.errors] == [(2, True)]


@pytest.mark.django_db
def test_import_records_shares_and_a_file_without_them_keeps_them(tmp_path):
    import_ght(
        path=write(
            tmp_path,
            [
                f"{HEADER};part_activite",
                "G1;GHT Un;84;010780054;oui;70",
                "G1;GHT Un;84;010780062;non;30",
            ],
        )
    )
    assert dict(GHTMember.objects.values_list("finess_ej", "activity_share")) == {
        "010780054": Decimal("70"),
        "010780062": Decimal("30"),
    }
    import_ght(
        path=write(tmp_path, [HEADER, "G1;GHT Un;84;010780054;oui", "G1;GHT Un;84;010780062;non"])
    )
    assert GHTMember.objects.get(finess_ej="010780054").activity_share == Decimal("70")
