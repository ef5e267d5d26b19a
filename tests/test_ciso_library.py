"""CISO Assistant libraries: a version exported as one, a library imported as a draft version.

The libraries the tests read are written here, in CISO Assistant's YAML library format.
"""

import re
import textwrap
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from referential.ciso_assistant import REVIEW_NOTE, LibraryRejected, import_library
from referential.data import RequirementData
from referential.loader import load_referential_file
from referential.models import ReferentialVersion, Requirement
from tests.conftest import login

pytestmark = pytest.mark.django_db

V1_FILE = "fixtures/referential/care-2025.yaml"
V2_FILE = "fixtures/referential/care-2026.yaml"
# CISO Assistant's URN grammar (backend/core/models.py, URN_REGEX).
URN = re.compile(
    r"^urn:([a-zA-Z0-9_-]+):([a-zA-Z0-9_-]+):([a-zA-Z0-9_-]+)(?::([a-zA-Z0-9_-]+))?:"
    r"([0-9A-Za-z\[\]\(\)\-\._:]+)$"
)


@pytest.fixture
def care2():
    load_referential_file(V1_FILE)
    return load_referential_file(V2_FILE).referential


def export(code, version, tmp_path, *extra) -> tuple:
    path = tmp_path / f"{code}-{version}.yaml"
    call_command("export_ciso_library", code, str(version), "-o", str(path), *extra)
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def contents(referential) -> tuple:
    """Axes, objectives and requirements of a version, as plain data."""
    axes = [(a.number, a.code, a.title) for a in referential.axes.order_by("number")]
    objectives = [
        (o.axis.code, o.number, o.code, o.title, o.national_only)
        for o in referential.objectives.order_by("number")
    ]
    requirements = [
        RequirementData.from_model(r) for r in referential.requirements.order_by("order")
    ]
    return axes, objectives, requirements


def test_a_version_exports_as_a_ciso_assistant_library(care2, tmp_path):
    _path, library = export("CARE", 2, tmp_path)
    for key in ("urn", "locale", "ref_id", "name", "version", "provider", "packager", "objects"):
        assert key in library, key
    assert library["urn"] == "urn:care:risk:library:care-v2"
    assert library["locale"] == "fr"
    framework = library["objects"]["framework"]
    assert framework["urn"] == "urn:care:risk:framework:care-v2"
    assert [g["ref_id"] for g in framework["implementation_groups_definition"]] == [
        "ES",
        "ESSMS",
        "GHT",
    ]
    nodes = framework["requirement_nodes"]
    by_urn = {node["urn"]: node for node in nodes}
    assert len(by_urn) == len(nodes)
    for node in nodes:
        assert URN.match(node["urn"]), node["urn"]
        assert node["urn"] == node["urn"].lower()
        if node["depth"] > 1:
            parent = by_urn[node["parent_urn"]]
            assert parent["depth"] == node["depth"] - 1 and not parent["assessable"]
    assessable = [node for node in nodes if node["assessable"]]
    assert [node["ref_id"] for node in assessable] == list(
        care2.requirements.order_by("order").values_list("code", flat=True)
    )
    rssi = by_urn["urn:care:risk:req_node:care-v2:gov-rssi"]
    assert rssi["implementation_groups"] == ["ES", "ESSMS"]
    assert rssi["parent_urn"] == "urn:care:risk:req_node:care-v2:objectif-2"
    assert by_urn["urn:care:risk:req_node:care-v2:ght-rssi"]["implementation_groups"] == ["GHT"]
    [question] = by_urn["urn:care:risk:req_node:care-v2:gov-comite"]["questions"].values()
    assert question["type"] == "unique_choice"
    assert [(c["value"], c["compute_result"]) for c in question["choices"]] == [
        ("Oui", "compliant"),
        ("Partiellement", "partially_compliant"),
        ("Non", "non_compliant"),
    ]
    for choice in question["choices"]:
        assert URN.match(choice["urn"])
    level = by_urn["urn:care:risk:req_node:care-v2:d1-ad-niveau"]["questions"]
    [level_question] = level.values()
    assert [c["compute_result"] for c in level_question["choices"]][0] == "non_compliant"
    # The mappings, as CISO Assistant's requirement mapping sets.
    sets = {s["target_framework_urn"]: s for s in library["objects"]["requirement_mapping_sets"]}
    recyf = sets["urn:intuitem:risk:framework:recyf"]
    assert recyf["source_framework_urn"] == framework["urn"]
    assert {
        "source_requirement_urn": "urn:care:risk:req_node:care-v2:pcra-services-critiques",
        "target_requirement_urn": "urn:intuitem:risk:req_node:recyf:13.6",
        "relationship": "intersect",
    }.items() <= recyf["requirement_mappings"][1].items()
    assert "urn:intuitem:risk:library:recyf" in library["dependencies"]


@pytest.mark.parametrize("version", [1, 2])
def test_the_export_imports_back_as_a_draft_with_the_same_requirements(care2, tmp_path, version):
    original = ReferentialVersion.objects.get(code="CARE", version=version)
    path, _library = export("CARE", version, tmp_path)
    out = StringIO()
    call_command("import_ciso_library", str(path), stdout=out)
    draft = ReferentialVersion.objects.get(code="CARE", version=3)
    assert draft.status == ReferentialVersion.Status.DRAFT
    assert "(brouillon)" in out.getvalue()
    assert contents(draft) == contents(original)
    assert draft.domains == original.domains
    assert draft.resources == original.resources
    assert not draft.requirements.filter(recommendation=REVIEW_NOTE).exists()


# --- a library written by someone else ----------------------------------------------------------

SMALL_LIBRARY = """\
urn: urn:exemple:risk:library:continuite-test
locale: fr
ref_id: continuite-test
name: Continuité — référentiel d'essai
description: Un petit référentiel écrit pour les tests.
copyright: Exemple
version: 3
provider: Exemple
packager: exemple
objects:
  framework:
    urn: urn:exemple:risk:framework:continuite-test
    ref_id: CONT-TEST
    name: Continuité — référentiel d'essai
    implementation_groups_definition:
      - ref_id: ES
        name: Établissements de santé
      - ref_id: AUTRE
        name: Un groupe qui n'est pas celui du portail
    requirement_nodes:
      - urn: urn:exemple:risk:req_node:continuite-test:a
        assessable: false
        depth: 1
        ref_id: A
        name: Sauvegardes
      - urn: urn:exemple:risk:req_node:continuite-test:a.1
        assessable: true
        depth: 2
        parent_urn: urn:exemple:risk:req_node:continuite-test:a
        ref_id: a.1
        name: Les sauvegardes sont testées
        description: Un test de restauration a lieu chaque année.
        implementation_groups: [ES]
      - urn: urn:exemple:risk:req_node:continuite-test:a.2
        assessable: true
        depth: 2
        parent_urn: urn:exemple:risk:req_node:continuite-test:a
        ref_id: a.2
        description: Une copie est conservée hors ligne.
        implementation_groups: [AUTRE]
      - urn: urn:exemple:risk:req_node:continuite-test:b
        assessable: false
        depth: 1
        ref_id: B
        name: Crise
      - urn: urn:exemple:risk:req_node:continuite-test:b.1
        assessable: true
        depth: 2
        parent_urn: urn:exemple:risk:req_node:continuite-test:b
        ref_id: b.1
        name: Un exercice de crise a eu lieu
"""


def write(tmp_path, text: str):
    path = tmp_path / "library.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_library_without_portal_rules_arrives_as_tristate_items_to_review(db, tmp_path):
    result = import_library(write(tmp_path, SMALL_LIBRARY))
    draft = result.referential
    assert (draft.code, draft.version, draft.status) == ("CONT-TEST", 1, "draft")
    assert draft.title == "Continuité — référentiel d'essai"
    assert "urn:exemple:risk:library:continuite-test" in draft.source
    requirements = list(draft.requirements.order_by("order"))
    assert [r.code for r in requirements] == ["A-1", "A-2", "B-1"]
    assert {r.rule["type"] for r in requirements} == {"tristate"}
    assert all(r.recommendation == REVIEW_NOTE for r in requirements)
    first, second, third = requirements
    assert first.label == "Les sauvegardes sont testées"
    assert first.help_text == "Un test de restauration a lieu chaque année."
    assert first.applies_to == ["ES"]
    # A node with a description only: the description is its question.
    assert second.label == "Une copie est conservée hors ligne."
    assert second.applies_to == ["ES", "ESSMS"]  # no group of the portal: to review
    assert [o.title for o in draft.objectives.order_by("number")] == ["Sauvegardes", "Crise"]
    assert third.objective.title == "Crise"
    # Imported again: the next draft, the first untouched.
    assert import_library(write(tmp_path, SMALL_LIBRARY)).referential.version == 2
    assert draft.requirements.count() == 3


def _mutated(old: str, new: str) -> str:
    assert old in SMALL_LIBRARY
    return SMALL_LIBRARY.replace(old, new, 1)


BAD_LIBRARIES = [
    pytest.param(
        _mutated("locale: fr\n", ""),
        "Bibliothèque (ligne 1) : la clé « locale » est obligatoire.",
        id="no-locale",
    ),
    pytest.param(
        _mutated("urn: urn:exemple:risk:library:continuite-test", "urn: bibliotheque"),
        "Bibliothèque (ligne 1) : « urn » n'est pas une URN de CISO Assistant "
        "(urn:fournisseur:risk:type:identifiant) : bibliotheque.",
        id="bad-urn",
    ),
    pytest.param(
        _mutated(
            "  framework:\n    urn: urn:exemple:risk:framework:continuite-test",
            "  risk_matrix:\n    urn: urn:exemple:risk:matrix:continuite-test",
        ),
        "objects : aucun référentiel (clé « framework ») : cette bibliothèque ne décrit pas "
        "d'exigences (matrice de risques, mesures, correspondances…).",
        id="not-a-framework",
    ),
    pytest.param(
        _mutated("      - urn: urn:exemple:risk:req_node:continuite-test:a.2\n", "      - \n"),
        "Nœud « a.2 » (ligne 35) : la clé « urn » est obligatoire.",
        id="node-without-urn",
    ),
    pytest.param(
        _mutated(
            "parent_urn: urn:exemple:risk:req_node:continuite-test:b\n",
            "parent_urn: urn:exemple:risk:req_node:continuite-test:z\n",
        ),
        "Nœud « b.1 » (ligne 46) : « parent_urn » urn:exemple:risk:req_node:continuite-test:z "
        "ne désigne aucun nœud qui le précède.",
        id="unknown-parent",
    ),
    pytest.param(
        _mutated(
            "        ref_id: b.1\n        name: Un exercice de crise a eu lieu\n",
            "        ref_id: b.1\n        name: Un exercice de crise a eu lieu\n        assessable: oui\n",
        ).replace(
            "      - urn: urn:exemple:risk:req_node:continuite-test:b.1\n        assessable: true\n",
            "      - urn: urn:exemple:risk:req_node:continuite-test:b.1\n",
        ),
        "Nœud « b.1 » (ligne 46) : « assessable » vaut true ou false (reçu : 'oui').",
        id="assessable-not-boolean",
    ),
    pytest.param(
        _mutated("        ref_id: a.2\n", "        ref_id: a-1\n"),
        "Nœud « a-1 » (ligne 34) : son code « A-1 » est déjà celui du nœud "
        "urn:exemple:risk:req_node:continuite-test:a.1.",
        id="same-code",
    ),
    pytest.param(
        _mutated("    requirement_nodes:\n", "    requirement_nodes: []\n    ignored:\n"),
        "Référentiel « CONT-TEST » (ligne 12) : « requirement_nodes » doit lister les nœuds "
        "d'exigences du référentiel.",
        id="no-nodes",
    ),
    pytest.param(
        "urn: [unclosed\n",
        "Ligne 2 : YAML invalide",
        id="not-yaml",
    ),
    pytest.param(
        "- just\n- a list\n",
        "Le fichier n'est pas une bibliothèque CISO Assistant",
        id="not-a-mapping",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_LIBRARIES)
def test_a_file_that_is_not_such_a_library_is_refused_whole(db, tmp_path, text, expected):
    with pytest.raises(LibraryRejected) as rejected:
        import_library(write(tmp_path, text))
    assert any(message.startswith(expected) for message in rejected.value.errors), (
        rejected.value.errors
    )
    assert not ReferentialVersion.objects.exists()
    assert not Requirement.objects.exists()


def test_the_command_lists_every_problem_and_writes_nothing(db, tmp_path):
    text = _mutated("locale: fr\n", "").replace("ref_id: a.2\n", "ref_id: a-1\n")
    err = StringIO()
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_ciso_library", str(write(tmp_path, text)), stderr=err)
    assert "la clé « locale » est obligatoire" in err.getvalue()
    assert not ReferentialVersion.objects.exists()


def test_a_converted_library_the_portal_refuses_writes_nothing(db, tmp_path):
    """The portal's own checks run on the converted data (a rule it does not know here)."""
    text = SMALL_LIBRARY + textwrap.indent(
        textwrap.dedent(
            """\
            care_portal:
              code: A-9
              label: Une règle inconnue
              care_action: "1"
              applies_to: [ES]
              rule: {type: inconnue}
              weight: 1
              deadline: null
              recommendation: Rien.
            """
        ),
        "        ",
    )
    with pytest.raises(LibraryRejected) as rejected:
        import_library(write(tmp_path, text))
    assert rejected.value.errors[0].startswith("Après conversion, le référentiel est refusé")
    assert not ReferentialVersion.objects.exists()


# --- the download on the referential page ------------------------------------------------------


def test_the_referential_page_offers_the_library(client, world, care2):
    login(client, world.rssi)
    page = client.get("/referential/").content.decode()
    assert "/referential/CARE/2/ciso-assistant.yaml" in page
    response = client.get("/referential/CARE/2/ciso-assistant.yaml")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ciso-assistant-care-v2.yaml"'
    assert yaml.safe_load(response.content)["objects"]["framework"]["ref_id"] == "CARE-2"


def test_a_draft_library_is_for_the_national_level_only(client, world, tmp_path):
    import_library(write(tmp_path, SMALL_LIBRARY))
    url = "/referential/CONT-TEST/1/ciso-assistant.yaml"
    login(client, world.rssi)
    assert client.get(url).status_code == 404
    login(client, world.national)
    assert client.get(url).status_code == 200
