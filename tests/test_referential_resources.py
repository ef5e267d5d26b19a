"""The public resources that help close a gap: named by the sources, addressed only as they are.

The expectations are transcribed from the sources, independently of the YAML: the plan (004)
names the DGOS plan blanc guide (action 3-1), the national PCRA kit (3-2, by the ANS), the
« tous cybervigilants » kit (9-1, ANS), the « catalogue des offres cyber » on the ANS site (8-1);
care-domains.md names the CERT Santé alerting services. The only addresses the sources give are
a report of the ANS and CERT Santé on esante.gouv.fr and a CERT-FR report.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from actions.services import create_action
from assessments.models import Assessment
from referential.data import ReferentialFileError
from referential.loader import load_referential, load_referential_file
from referential.models import ReferentialVersion, Requirement
from referential.yaml_file import read_referential_yaml
from reports.pdf import render_report_pdf
from tests.test_report import between, pdf_text
from tests.v2_campaign import V1_FILE, V2_FILE, build_v2_campaign

pytestmark = pytest.mark.django_db

SOURCE_ADDRESSES = {
    "https://esante.gouv.fr/sites/default/files/media_entity/documents/"
    "ans_certsante_rapport_public_observatoire_signalements_issis_2022_vf.pdf",
    "https://www.cert.ssi.gouv.fr/cti/CERTFR-2023-CTI-001/",
}
NO_ADDRESS = "adresse non fournie par les sources du référentiel"
PUBLISHER_SITE = "site de l'éditeur"

# What the sources tie: (resource title fragment, publisher fragment, plan action or None).
GUIDE = ("plan blanc numérique", "DGOS", "3-1")
PCRA_KIT = ("PCRA", "ANS", "3-2")
CYBERVIGILANTS = ("tous cybervigilants", "ANS", "9-1")
CATALOGUE = ("catalogue des offres cyber", "ANS", "8-1")
CERT_SANTE = ("CERT Santé", "CERT Santé", None)
# Each item the sources tie to a resource: the plan's actions 3-1 and 3-2, the call's PCRA
# objectives, the awareness items of 9-1, the CERT Santé subscription.
TIES = {
    "CRISE-PLAN-BLANC": GUIDE,
    "PCRA-REFERENT": PCRA_KIT,
    "PCRA-SERVICES-CRITIQUES": PCRA_KIT,
    "PCRA-ESSMS": PCRA_KIT,
    "D2-P2-ORGANISATION-PCRA": PCRA_KIT,
    "D2-O1C-BIA-PCRA": PCRA_KIT,
    "SENSIB-DIRECTION": CYBERVIGILANTS,
    "FORMATION-PERSONNEL": CYBERVIGILANTS,
    "DET-CERT-SANTE": CERT_SANTE,
}


def _cites(requirement: Requirement, tie) -> bool:
    title, publisher, action = tie
    return any(
        title.lower() in r.title.lower() and publisher in r.publisher and r.cited_in == action
        for r in requirement.help_resources
    )


@pytest.fixture
def v2(world):
    return build_v2_campaign(world)


def test_version_1_loads_unchanged_without_resources():
    referential = load_referential_file(V1_FILE).referential
    assert referential.resources == []
    assert not referential.requirements.exclude(resources=[]).exists()


def test_every_address_is_one_the_sources_give_or_its_publishers_site(v2):
    resources = v2.referential.resources
    assert {(r["code"], r["cited_in"]) for r in resources} >= {
        ("guide-plan-blanc-numerique", "3-1"),
        ("kit-pcra", "3-2"),
        ("kit-tous-cybervigilants", "9-1"),
        ("catalogue-offres-cyber", "8-1"),
    }
    sites = {f"https://{urlsplit(address).hostname}" for address in SOURCE_ADDRESSES}
    for resource in resources:
        if resource["url_kind"] == "document":
            assert resource["url"] in SOURCE_ADDRESSES
        elif resource["url_kind"] == "publisher_site":
            assert resource["url"] in sites
        else:
            assert resource["url"] is None
    # No DGOS address is in the sources: the guide has none.
    guide = next(r for r in resources if r["code"] == "guide-plan-blanc-numerique")
    assert guide["url"] is None


def test_every_item_the_sources_tie_to_a_resource_cites_it(v2):
    requirements = {r.code: r for r in v2.referential.requirements.all()}
    for code, tie in TIES.items():
        assert _cites(requirements[code], tie), code
    # The class: every item of a plan action that names a resource cites that resource.
    by_action = {r["cited_in"]: r["code"] for r in v2.referential.resources if r["cited_in"]}
    for requirement in requirements.values():
        if requirement.source_ref in by_action:
            assert by_action[requirement.source_ref] in [
                r.code for r in requirement.help_resources
            ], requirement.code


@pytest.mark.parametrize("establishment", ["hospital", "nursing_home"])
def test_the_gap_list_shows_each_tied_items_resource(client, world, v2, establishment):
    assessment = getattr(v2, establishment)
    client.force_login(world.national)
    response = client.get(f"/assessments/{assessment.pk}/actions/")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    kind = assessment.establishment.kind
    shown = 0
    for code, (title, publisher, _action) in TIES.items():
        requirement = v2.referential.requirements.get(code=code)
        if kind not in requirement.applies_to or requirement.condition:
            continue
        item = re.search(rf'<li id="gap-{code}">(.*?)</li>\s*(?=<li id="gap-|</ul>)', page, re.S)
        assert item, code
        assert title.lower() in item.group(1).lower() and publisher in item.group(1), code
        shown += 1
    assert shown >= 2


def test_an_action_and_its_page_show_the_links(client, world, v2):
    action = create_action(
        assessment=v2.hospital,
        user=world.rssi,
        title="S'abonner aux alertes et intégrer le volet numérique",
        gaps=["DET-CERT-SANTE", "CRISE-PLAN-BLANC"],
    )
    client.force_login(world.rssi)
    plan = html.unescape(client.get(f"/assessments/{v2.hospital.pk}/actions/").content.decode())
    block = plan[plan.index(f'id="action-{action.pk}"') :]
    block = block[: block.index("Ajouter la note")]
    assert "Services d'alerte du CERT Santé" in block
    assert '<a class="fr-link fr-link--sm" href="https://esante.gouv.fr">' in block
    assert PUBLISHER_SITE in block
    assert "Guide d'élaboration du plan blanc numérique" in block and NO_ADDRESS in block
    edit = html.unescape(
        client.get(f"/assessments/{v2.hospital.pk}/actions/{action.pk}/").content.decode()
    )
    assert "Ressources qui aident" in edit
    assert 'href="https://esante.gouv.fr"' in edit and NO_ADDRESS in edit
    # The gaps without an action still list theirs; the closed ones left the list.
    assert 'id="gap-DET-CERT-SANTE"' not in plan and 'id="gap-PCRA-REFERENT"' in plan


def test_the_pdf_plan_prints_the_resources_with_their_address(world, v2):
    create_action(
        assessment=v2.hospital,
        user=world.rssi,
        title="S'abonner aux alertes du CERT Santé",
        gaps=["DET-CERT-SANTE"],
    )
    text = pdf_text(render_report_pdf(Assessment.objects.get(pk=v2.hospital.pk)))
    plan = " ".join(between(text, "2. Plan d'action", "3. Détail par axe").split())
    assert "Aide : Services d'alerte du CERT Santé — CERT Santé (ANS)" in plan
    assert f"{PUBLISHER_SITE}, https://esante.gouv.fr" in plan
    without = " ".join(plan[plan.index("Écarts sans action") :].split())
    assert "Guide d'élaboration du plan blanc numérique — DGOS" in without
    assert NO_ADDRESS in without


def test_the_api_gives_the_resources_of_items_and_gaps(client, world, v2):
    load_referential_file(V1_FILE)
    client.force_login(world.rssi)
    body = client.get("/api/referentials/CARE/2/").json()
    items = {
        r["code"]: r
        for axis in body["axes"]
        for objective in axis["objectives"]
        for r in objective["requirements"]
    }
    assert list(items["CRISE-PLAN-BLANC"])[-1] == "resources"
    assert items["CRISE-PLAN-BLANC"]["resources"] == [
        {
            "code": "guide-plan-blanc-numerique",
            "title": "Guide d'élaboration du plan blanc numérique",
            "publisher": "DGOS",
            "cited_in": "3-1",
            "url": None,
            "url_kind": None,
        }
    ]
    assert items["DET-CERT-SANTE"]["resources"][0]["url_kind"] == "publisher_site"
    v1 = client.get("/api/referentials/CARE/1/").json()
    assert all(
        r["resources"] == []
        for axis in v1["axes"]
        for objective in axis["objectives"]
        for r in objective["requirements"]
    )
    gaps = {
        g["requirement"]: g
        for g in client.get(f"/api/assessments/{v2.hospital.pk}/").json()["gaps"]
    }
    assert list(gaps["PCRA-REFERENT"])[-1] == "resources"
    assert [r["code"] for r in gaps["PCRA-REFERENT"]["resources"]] == ["kit-pcra"]
    assert gaps["GOV-RSSI"]["resources"] == []


# --- the loader's checks -------------------------------------------------------------------


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _load(text: str):
    load_referential_file(V1_FILE)
    with pytest.raises(ReferentialFileError) as refused:
        load_referential(data=read_referential_yaml(text))
    assert not ReferentialVersion.objects.filter(version=2).exists()  # nothing written
    return refused.value.errors


@pytest.fixture
def v2_text(db) -> str:
    return Path(V2_FILE).read_text(encoding="utf-8")


def test_an_item_citing_an_unknown_resource_is_refused_at_its_line(v2_text):
    text = v2_text.replace("resources: [kit-tous-cybervigilants]", "resources: [kit-inconnu]", 1)
    line = _line_of(text, "- code: SENSIB-DIRECTION")
    errors = _load(text)
    assert errors == [
        f"Exigence « SENSIB-DIRECTION » (ligne {line}) : ressource inconnue « kit-inconnu » "
        "(absente de la section « resources »)."
    ]


def test_a_duplicate_resource_code_is_refused_at_its_line(v2_text):
    text = v2_text.replace("- code: catalogue-offres-cyber", "- code: kit-pcra", 1)
    first = _line_of(text, "- code: kit-pcra")
    at = text.index("- code: kit-pcra", text.index("- code: kit-pcra") + 1)
    second = text[:at].count("\n") + 1
    errors = _load(text)
    assert (
        f"Ressource « kit-pcra » (ligne {second}) : code de ressource en double "
        f"(déjà : Ressource « kit-pcra » (ligne {first}))." in errors
    )


@pytest.mark.parametrize(
    "url", ["http://esante.gouv.fr", "esante.gouv.fr", "https://", "https://esante .gouv.fr"]
)
def test_an_address_that_is_not_https_is_refused_at_its_line(v2_text, url):
    text = v2_text.replace('url: "https://esante.gouv.fr"', f'url: "{url}"', 1)
    line = _line_of(text, "- code: kit-pcra")
    errors = _load(text)
    assert errors == [
        f"Ressource « kit-pcra » (ligne {line}) : l'adresse « {url} » doit être une adresse "
        "https:// complète."
    ]


def test_an_address_says_what_it_is(v2_text):
    text = v2_text.replace("    url_kind: publisher_site\n", "", 1)
    line = _line_of(text, "- code: kit-pcra")
    errors = _load(text)
    assert len(errors) == 1
    assert errors[0].startswith(f"Ressource « kit-pcra » (ligne {line}) : « url_kind » dit")
    text = v2_text.replace("    url: null\n", "    url: null\n    url_kind: document\n", 1)
    errors = _load(text)
    assert errors == [
        f"Ressource « guide-plan-blanc-numerique » (ligne "
        f"{_line_of(text, '- code: guide-plan-blanc-numerique')}) : « url_kind » sans adresse : "
        "indiquez « url » ou retirez « url_kind »."
    ]
