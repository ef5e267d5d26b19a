"""Mappings of a version's requirements to other frameworks (ReCyF, ISO/IEC 27001, HDS)."""

import re

import pytest
import yaml

from referential.data import ReferentialFileError
from referential.loader import load_referential, load_referential_file
from referential.models import ReferentialVersion
from referential.yaml_file import read_referential_yaml
from tests.conftest import login
from tests.test_referential_loader import small_referential

pytestmark = pytest.mark.django_db

V1_FILE = "fixtures/referential/care-2025.yaml"
V2_FILE = "fixtures/referential/care-2026.yaml"
CONTINUITY = re.compile(r"^(D2-O|PCRA-|CRISE-)")
# ReCyF 2.5 objectives 13 (continuité et reprise d'activité), 14 (réaction aux crises d'origine
# cyber) and 15 (exercices, tests et entraînements): their measures as numbered there.
RECYF_CONTINUITY = {f"13.{n}" for n in range(1, 8)} | {f"14.{n}" for n in range(1, 11)}
RECYF_CONTINUITY |= {f"15.{n}" for n in range(1, 5)}


@pytest.fixture
def care2():
    load_referential_file(V1_FILE)
    return load_referential_file(V2_FILE).referential


def test_version_2_maps_its_continuity_items_to_recyf(care2):
    frameworks = {f["framework"]: f for f in care2.mappings}
    assert set(frameworks) == {"recyf", "iso27001-2022"}
    recyf = frameworks["recyf"]
    items = {item["requirement"]: item for item in recyf["items"]}
    assert items["PCRA-SERVICES-CRITIQUES"]["targets"] == ["13.6"]
    assert items["CRISE-RETEX"]["targets"] == ["14.5"]
    assert items["D2-O4-TEST-RESTAURATION"]["targets"] == ["13.2"]
    codes = set(care2.requirements.values_list("code", flat=True))
    for item in recyf["items"]:
        assert CONTINUITY.match(item["requirement"]), item["requirement"]
        assert item["requirement"] in codes
        assert set(item["targets"]) <= RECYF_CONTINUITY
        # Every correspondence is partial here, and says why.
        assert item["relationship"] == "partial" and item["note"]
    assert "recyf" in recyf["source"]


def test_version_1_carries_no_mappings_and_loads_as_before(db):
    care1 = load_referential_file(V1_FILE).referential
    assert care1.mappings == []


def test_the_referential_page_shows_the_mappings(client, world, care2):
    login(client, world.rssi)
    page = client.get("/referential/", {"version": care2.pk}).content.decode()
    if "13.6" not in page:  # the page shows the latest published version by default
        page = client.get("/referential/").content.decode()
    assert "Correspondances avec d'autres référentiels" in page
    assert "ReCyF — Référentiel cyber France (ANSSI), version 2.5 du 17/03/2026 : 13.6" in page
    assert "partielle" in page


# --- checks with line numbers --------------------------------------------------------------


def _with_mappings(mappings) -> str:
    data = small_referential()
    data["mappings"] = mappings
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _errors(text: str) -> list[str]:
    with pytest.raises(ReferentialFileError) as raised:
        load_referential(data=read_referential_yaml(text))
    assert not ReferentialVersion.objects.exists()
    return raised.value.errors


def _line(text: str, needle: str) -> int:
    """The first line holding ``needle`` in the mappings section."""
    lines = text.splitlines()
    start = lines.index("mappings:")
    return next(n for n, line in enumerate(lines, start=1) if n > start and needle in line)


GOOD = {
    "framework": "recyf",
    "name": "ReCyF",
    "source": "Lu dans la publication de l'ANSSI.",
    "items": [
        {"requirement": "GOV-RSSI", "targets": ["2.a.1"], "relationship": "equal"},
    ],
}


def test_a_valid_mappings_section_is_stored(db):
    result = load_referential(data=read_referential_yaml(_with_mappings([GOOD])))
    assert result.referential.mappings == [
        {
            "framework": "recyf",
            "name": "ReCyF",
            "source": "Lu dans la publication de l'ANSSI.",
            "framework_urn": "",
            "node_urn_prefix": "",
            "items": [
                {
                    "requirement": "GOV-RSSI",
                    "targets": ["2.a.1"],
                    "relationship": "equal",
                    "note": "",
                }
            ],
        }
    ]
    # Loaded again, nothing changes.
    again = load_referential(data=read_referential_yaml(_with_mappings([GOOD])))
    assert again.outcome == "unchanged"


def test_every_mapping_error_is_listed_with_its_line(db):
    bad = {
        **GOOD,
        "framework_urn": "pas une urn",
        "items": [
            {"requirement": "INCONNUE", "targets": ["13.6"], "relationship": "equal"},
            {"requirement": "GOV-COMITE", "targets": "13.6", "relationship": "equal"},
            {"requirement": "GOV-RSSI", "targets": ["14.1"], "relationship": "partial"},
            {"requirement": "BUDGET", "targets": ["14.1"], "relationship": "proche"},
        ],
    }
    text = _with_mappings([bad, {**GOOD, "colour": "bleu"}])
    errors = _errors(text)
    framework_line, second_line = (
        n for n, line in enumerate(text.splitlines(), start=1) if "- framework: recyf" in line
    )
    assert errors == [
        f"Référentiel mis en regard « recyf » (ligne {framework_line}) : « framework_urn » n'est "
        "pas une URN (urn:fournisseur:risk:type:identifiant) : pas une urn.",
        f"Correspondance recyf « INCONNUE » (ligne {_line(text, 'requirement: INCONNUE')}) : "
        "exigence inconnue dans cette version du référentiel.",
        f"Correspondance recyf « GOV-COMITE » (ligne {_line(text, 'requirement: GOV-COMITE')}) : "
        "« targets » liste de 1 à 20 identifiants du référentiel mis en regard, entre guillemets "
        '(ex. ["13.6"], ["A.8.13"]) ; reçu : \'13.6\'.',
        f"Correspondance recyf « GOV-RSSI » (ligne {_line(text, 'requirement: GOV-RSSI')}) : le champ "
        "« note » est obligatoire.",
        f"Correspondance recyf « BUDGET » (ligne {_line(text, 'requirement: BUDGET')}) : "
        "« relationship » vaut equal ou partial (reçu : 'proche').",
        f"Référentiel mis en regard « recyf » (ligne {second_line}) : champ(s) inconnu(s) colour.",
        f"Référentiel mis en regard « recyf » (ligne {second_line}) : référentiel mis en regard "
        "en double.",
    ]


def test_mappings_may_live_in_a_sibling_file(db, tmp_path):
    main = tmp_path / "mini.yaml"
    main.write_text(yaml.safe_dump(small_referential(), allow_unicode=True), encoding="utf-8")
    sibling = tmp_path / "mini.mappings.yaml"
    sibling.write_text(yaml.safe_dump({"mappings": [GOOD]}, allow_unicode=True), encoding="utf-8")
    assert load_referential_file(main).referential.mappings[0]["framework"] == "recyf"
