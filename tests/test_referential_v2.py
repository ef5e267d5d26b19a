"""Version 2 of the CaRE referential (campaign 2026) against care-targets.md and care-domains.md.

The expectations below are transcribed from those notes, independently of the YAML: the
establishment targets of section 1 (deadline, national share, unit, kinds), the national and
regional milestones of section 2 (never an establishment's requirement), the funding calls of
section 3, and the portal's own thresholds of section 4.
"""

from datetime import date

import pytest

from assessments.scoring.compiled import compiled_referential
from assessments.scoring.model import score_assessment
from referential.loader import load_referential_file, stored_answer_types
from referential.models import ReferentialVersion, Requirement
from tests.conftest import login

pytestmark = pytest.mark.django_db

V1_FILE = "fixtures/referential/care-2025.yaml"
V2_FILE = "fixtures/referential/care-2026.yaml"
S1 = {year: date(year, 6, 30) for year in range(2023, 2028)}
S2 = {year: date(year, 12, 31) for year in range(2023, 2028)}

# care-targets.md, section 1: (action, kinds, unit, deadline, national share 0-1 or None).
ESTABLISHMENT_TARGETS = [
    ("2-1", ["ES", "ESSMS"], "ET", S1[2025], 0.70),  # a named RSSI
    ("2-1", ["GHT"], "GHT", S1[2025], 1.0),
    ("2-1", ["ES", "ESSMS"], "ET", S1[2025], 0.70),  # a governance body that meets
    ("2-1", ["GHT"], "GHT", S1[2025], 1.0),
    ("3-1", ["ES"], "ET", S2[2024], 1.0),  # plan blanc, all ES
    ("3-2", ["ES"], "ET", S1[2025], 1.0),  # a named PCRA referent, all ES
    ("3-2", ["ES"], "ET", S1[2026], 0.80),  # a PCRA in force on critical services
    ("3-3", ["ES"], "PMSI", S2[2024], 0.80),  # at least one exercise carried out
    ("3-3", ["ES"], "PMSI", S1[2027], 1.0),  # an exercise every year
    ("3-3", ["ESSMS"], "OG", S1[2024], None),  # 90 OG funded by "ESMS numérique"
    ("3-3", ["ESSMS"], "OG", S2[2025], 0.03),  # 3 % of OG in 2025
    ("4-1", ["ES", "ESSMS"], "ET", S1[2025], 1.0),  # self-assessment done (portal status)
    ("4-1", ["ES"], "ET", S1[2026], 0.75),  # action plan updated from it
    ("5-1", ["GHT"], "GHT", S2[2025], 0.80),  # GHT candidate and reaching Domain 1
    ("7-1", ["ES"], "EJ", S1[2025], 1.0),  # budget >= 2 %, per legal entity
    ("13-1", ["ES"], "candidates:D1", S1[2025], 0.90),  # 90 % of D1 candidates
    ("19", ["ES", "ESSMS"], "ET", S2[2027], 1.0),  # 2FA for all professionals, 2027
]

# care-targets.md, section 2: (action, owner, date or None for "from S1 2024").
MILESTONES = [
    ("2-2", "ARS", None),
    ("2-3", "HAS", S1[2024]),
    ("2-4", "État", S1[2024]),
    ("3-2", "ANS", S1[2024]),
    ("3-3", "ARS", S1[2024]),
    ("3-3", "ARS", S2[2024]),
    ("6-1", "DGOS", S2[2025]),
    ("6-2", "DGOS", S1[2024]),
    ("9-1", "ANS", S1[2024]),
    ("9-1", "ANS", S1[2025]),
    ("11-1", "État", S2[2023]),
    ("12-1", "DNS", S2[2023]),
    ("17-1", "DNS-ANS", S1[2024]),
]
# The actions of section 2 that section 1 does not also list as establishment targets.
MILESTONE_ONLY = {"2-2", "2-3", "2-4", "6-1", "6-2", "9-1", "11-1", "12-1", "17-1"}

# care-targets.md section 3 / care-domains.md: the calls, as named, with the plan's numbering.
CALLS = {
    "D1": (
        "Domaine 1 — annuaires techniques et exposition sur internet",
        "Domaine 1",
        "2024-03-18",
    ),
    "D2": ("Domaine 2 — continuité et reprise d'activité", "Domaine 4", "2025-07-03"),
    "HOSPICONNECT": ("HospiConnect", "Objectif 19", "2026-01-29"),
    "D1BIS": ("Domaine 1 bis", "Domaine 1", "2026-01-30"),
}

# Thresholds the plan does not set (section 4 and the note under section 1): the portal's.
PORTAL_THRESHOLDS = {
    "ID-2FA": {"met": 95, "partial": 50},
    "FORMATION-PERSONNEL": {"met": 90, "partial": 50},
    "DET-EDR-COUVERTURE": {"met": 90},
    "D1-REMEDIATION": {"met": 100},
    "D1-AD-NIVEAU": {},
}


@pytest.fixture
def care2():
    return load_referential_file(V2_FILE).referential


def _requirements(referential) -> dict[str, Requirement]:
    return {r.code: r for r in referential.requirements.all()}


def _refs(requirement: Requirement) -> set[str]:
    refs = set(requirement.also_feeds)
    if requirement.source in ("plan", "funding_call"):
        refs.add(requirement.source_ref)
    return refs


def test_version_2_loads_beside_version_1_which_keeps_its_content():
    v1 = load_referential_file(V1_FILE).referential
    before = sorted(v1.requirements.values_list("code", "answer_type", "weight", "deadline"))

    v2 = load_referential_file(V2_FILE).referential

    assert (v2.code, v2.version, v2.status) == ("CARE", 2, "published")
    v1.refresh_from_db()
    assert sorted(v1.requirements.values_list("code", "answer_type", "weight", "deadline")) == (
        before
    )
    assert v1.headline_targets == [] and v1.milestones == [] and v1.domains == []
    assert set(v1.requirements.values_list("source", flat=True)) == {""}


def test_each_establishment_target_is_there_with_its_deadline_share_unit_and_source(care2):
    targets = list(care2.headline_targets)
    missing = []
    for action, kinds, unit, deadline, share in ESTABLISHMENT_TARGETS:
        found = [
            t
            for t in targets
            if t["action"] == action
            and t["kinds"] == kinds
            and t["unit"] == unit
            and t["deadline"] == deadline.isoformat()
            and t["national_share"] == share
            and t["source"] == "plan"
        ]
        if not found:
            missing.append(f"{action} {kinds} {unit} {deadline} {share}")
    assert not missing, missing
    # Each row of the plan is one target, and a target with no share says what the plan fixes.
    assert len(targets) == len(ESTABLISHMENT_TARGETS)
    assert all(t["note"] for t in targets if t["national_share"] is None)
    og_2024 = next(t for t in targets if t["unit"] == "OG" and t["national_share"] is None)
    assert "90 organismes gestionnaires" in og_2024["note"]


def test_the_targets_are_fed_by_establishment_items_of_the_plan(care2):
    requirements = _requirements(care2)
    for target in care2.headline_targets:
        if target["from_status"]:
            assert target["requirements"] == [] and target["action"] == "4-1"
            continue
        for code in target["requirements"]:
            requirement = requirements[code]
            assert requirement.source == "plan", code
            assert requirement.source_ref == target["action"], code
            assert requirement.answered_by == "establishment", code
            assert set(requirement.applies_to) & set(target["kinds"]), code
    by_code = {t["code"]: t for t in care2.headline_targets}
    # The two exercise targets read different answers: "at least one" and "within 12 months".
    assert by_code["exercise"]["requirements"] == ["CRISE-EXERCICE"]
    assert requirements["CRISE-EXERCICE"].answer_type == "boolean"
    assert by_code["exercise_yearly"]["requirements"] == ["CRISE-EXERCICE-DATE"]
    assert requirements["CRISE-EXERCICE-DATE"].rule["met"] == 365
    # Domain 1 of the establishments counts the candidates only; the GHT's is 5-1.
    assert by_code["domain1"]["unit"] == "candidates:D1"
    assert "D1-GHT-CHEF-PROJET" not in by_code["domain1"]["requirements"]


def test_no_national_milestone_is_a_requirement_of_version_2(care2):
    recorded = [(m["action"], m["owner"], m["date"]) for m in care2.milestones]
    for action, owner, when in MILESTONES:
        assert (action, owner, when and when.isoformat()) in recorded, (action, owner, when)
    for requirement in care2.requirements.all():
        actions = set(requirement.care_action.split(", "))
        if requirement.answered_by == "ars":
            continue
        # Never a target or a call objective of the establishment...
        assert not _refs(requirement) & MILESTONE_ONLY, requirement.code
        # ... and a question inspired by a milestone is the portal's, with no date of the State's.
        if actions <= MILESTONE_ONLY:
            assert requirement.source in ("portal", "funding_call"), requirement.code
            assert requirement.deadline is None, requirement.code
        for _action, _owner, when in MILESTONES:
            if when and actions & MILESTONE_ONLY and requirement.deadline == when:
                pytest.fail(f"{requirement.code} is due on a milestone's date ({when})")


def test_the_cpom_is_recorded_by_the_ars_not_answered_by_the_establishment(care2):
    cpom = [r for r in care2.requirements.all() if r.care_action == "2-2"]
    assert [(r.answered_by, r.required, r.deadline, r.headline) for r in cpom] == [
        ("ars", False, None, "")
    ]
    assert care2.targets_fed_by(cpom[0].code) == []
    assert not cpom[0].asked_of_establishment
    assert all(r.asked_of_establishment for r in care2.requirements.exclude(care_action="2-2"))


def test_the_self_assessment_is_never_a_question_and_shared_items_are_asked_once(care2):
    requirements = _requirements(care2)
    assert "AUTOEVAL-REALISEE" not in requirements
    assert not [
        r for r in requirements.values() if r.care_action == "4-1" and r.answer_type == "boolean"
    ]
    plan_blanc = [r for r in requirements.values() if "plan blanc" in r.label.lower()]
    assert [r.code for r in plan_blanc] == ["CRISE-PLAN-BLANC"]
    assert "D2:O1.B" in plan_blanc[0].also_feeds
    pcra_referent = [
        r for r in requirements.values() if "PCRA" in r.label and r.answer_type == "person_named"
    ]
    assert [r.code for r in pcra_referent] == ["PCRA-REFERENT"]
    assert "D2:P2" in pcra_referent[0].also_feeds


def test_the_domains_are_named_as_the_funding_calls_with_the_plan_numbering(care2):
    domains = {d["code"]: d for d in care2.domains}
    for code, (title, plan, arrete) in CALLS.items():
        assert domains[code]["title"].startswith(title), code
        assert domains[code]["plan"].startswith(plan), code
        assert domains[code]["arrete_date"] == arrete, code
    # Workstations and telemaintenance: no call published, so no arrêté.
    assert [
        d["arrete_date"]
        for d in domains.values()
        if d["plan"].startswith(("Domaine 2", "Domaine 3"))
    ] == [None, None]
    requirements = _requirements(care2)
    continuity = [r for r in requirements.values() if r.care_action == "16"]
    assert continuity and all(r.domain == "D2" and r.source == "funding_call" for r in continuity)
    assert {r.source_ref for r in continuity if r.prerequisite} == {"D2:P1", "D2:P2"}
    assert requirements["D2-O1C-BIA-PCRA"].source_ref == "D2:O1.C"
    assert requirements["D2-O1C-BIA-PCRA"].get_domain_display() == CALLS["D2"][0]
    assert all(r.domain == "HOSPICONNECT" for r in requirements.values() if r.care_action == "19")
    # The publication is true to the sources it cites: not before the latest arrêté.
    assert care2.published_on >= date(2026, 1, 30)
    assert "3 juillet 2025" in care2.source and "30 janvier 2026" in care2.source


def test_the_portal_thresholds_are_labelled_as_the_portal_s(care2):
    requirements = _requirements(care2)
    for code, params in PORTAL_THRESHOLDS.items():
        requirement = requirements[code]
        assert requirement.threshold_source == "portal", code
        assert params.items() <= requirement.rule.items(), code
    assert requirements["D1-AD-NIVEAU"].rule["choices"]["3"] == 1
    # Recommendations with no CaRE target are the portal's, and their thresholds too.
    for code in ("DET-EDR-COUVERTURE", "TM-BASTION", "DET-CERT-SANTE", "FORMATION-PERSONNEL"):
        assert requirements[code].source == "portal", code
    # The budget's 2 % is the plan's; its partial step at 1 % is the portal's, and said so.
    budget = requirements["BUDGET-NUMERIQUE"]
    assert (budget.source, budget.threshold_source) == ("plan", "plan")
    assert budget.rule == {"type": "ratio_at_least", "met": 0.02, "partial": 0.01}
    assert "1 % est un choix du portail" in budget.help_text
    assert "même périmètre" in budget.help_text.lower()


def test_every_version_1_item_carries_over_or_says_why(care2):
    load_referential_file(V1_FILE)
    v1_types = stored_answer_types("CARE", 1)
    code_map = care2.code_map
    assert code_map["from"] == {"code": "CARE", "version": 1}
    carried = {entry["from"]: entry["code"] for entry in code_map["codes"]}
    dropped = {entry["from"]: entry["reason"] for entry in code_map["not_carried"]}
    assert set(carried) | set(dropped) == set(v1_types)
    assert not set(carried) & set(dropped)
    requirements = _requirements(care2)
    for old, new in carried.items():
        assert requirements[new].answer_type == v1_types[old], old
    assert set(dropped) == {"AUTOEVAL-REALISEE", "GOV-CPOM"}
    notes = {entry["from"]: entry["note"] for entry in code_map["codes"]}
    assert carried["D4-O1B-PROCEDURES-CRISE"] == "D2-O1B-CELLULE-CRISE"
    assert "Sens restreint" in notes["D4-O1B-PROCEDURES-CRISE"]


def test_the_consistency_rules_name_the_contradictions_of_the_issue(care2):
    pairs = {
        frozenset((a["requirement"], tuple(a["in"])) for a in rule["answers"])
        for rule in care2.consistency_rules
    }
    assert frozenset({("TM-BASTION", ("yes",)), ("TM-INVENTAIRE", ("no",))}) in pairs
    assert frozenset({("PCRA-SERVICES-CRITIQUES", ("no",)), ("D2-O1C-BIA-PCRA", ("yes",))}) in pairs
    assert all(rule["message"].endswith(".") for rule in care2.consistency_rules)


def test_version_2_scores_for_each_kind(care2):
    compiled = compiled_referential(care2.pk)
    answers = {
        "GOV-RSSI": {"name": "Jeanne Martin", "email": "jeanne.martin@chu.fr"},
        "CRISE-EXERCICE": True,
        "CRISE-EXERCICE-DATE": "2024-02-15",
    }
    for kinds in ({"ES"}, {"ESSMS"}, {"ES", "GHT"}):
        result = score_assessment(
            compiled.model, answers, kinds=kinds, reference_date=date(2026, 3, 1), submitted=False
        )
        assert result.statuses["GOV-RSSI"] == "met"
        assert 0 < result.score_global < 100
    # A hospital that ran an exercise in February 2024 meets the S2 2024 target's item.
    result = score_assessment(
        compiled.model, answers, kinds={"ES"}, reference_date=date(2026, 3, 1), submitted=False
    )
    assert result.statuses["CRISE-EXERCICE"] == "met"
    assert result.headline["exercise"] is True


# --- API and page ---------------------------------------------------------------------------


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


def _api_requirements(body: dict) -> dict[str, dict]:
    return {
        requirement["code"]: requirement
        for axis in body["axes"]
        for objective in axis["objectives"]
        for requirement in objective["requirements"]
    }


def test_the_api_gives_each_requirement_its_source(api, world, care2):
    load_referential_file(V1_FILE)
    login(api, world.ars)

    v2 = _api_requirements(api.get("/api/referentials/CARE/2/").json())
    v1 = _api_requirements(api.get("/api/referentials/CARE/1/").json())

    call = v2["D2-O1C-BIA-PCRA"]
    assert (call["source"], call["source_ref"], call["source_label"]) == (
        "funding_call",
        "D2:O1.C",
        "Appel D2 — O1.C",
    )
    assert call["domain"] == "D2"
    exercise = v2["CRISE-EXERCICE"]
    assert (exercise["source"], exercise["source_ref"], exercise["source_label"]) == (
        "plan",
        "3-3",
        "Cible CaRE 3-3",
    )
    has = v2["GOV-CERTIFICATION-HAS"]
    assert (has["source"], has["source_ref"], has["deadline"]) == ("portal", None, None)
    assert has["source_label"] == "Recommandation du portail"
    assert v2["TM-BASTION"]["reason_required_for_na"] is True
    assert v2["GOV-RSSI"]["reason_required_for_na"] is False
    assert v2["ID-2FA"]["threshold_source"] == "portal"
    assert v2["GOV-CPOM"]["answered_by"] == "ars"
    # Version 1 does not say where its items come from: null, never a guess.
    assert {(r["source"], r["source_ref"]) for r in v1.values()} == {(None, None)}
    assert v1["BUDGET-NUMERIQUE"]["rule"] == {
        "type": "ratio_at_least",
        "met": 0.02,
        "partial": 0.01,
    }


def test_the_api_lists_the_targets_of_a_version(api, world, care2):
    load_referential_file(V1_FILE)
    login(api, world.rssi)

    targets = api.get("/api/referentials/CARE/2/targets/").json()

    assert {t["code"] for t in targets} >= {"exercise", "exercise_yearly", "domain1", "budget"}
    exercise = next(t for t in targets if t["code"] == "exercise")
    assert {k: exercise[k] for k in ("label", "action", "deadline", "national_share")} == {
        "label": "Au moins un exercice de crise cyber réalisé",
        "action": "3-3",
        "deadline": "2024-12-31",
        "national_share": 0.8,
    }
    assert (exercise["kinds"], exercise["unit"], exercise["requirements"]) == (
        ["ES"],
        "PMSI",
        ["CRISE-EXERCICE"],
    )
    assert next(t for t in targets if t["code"] == "domain1")["unit"] == "candidates:D1"
    og = next(t for t in targets if t["code"] == "exercise_og_2024")
    assert og["national_share"] is None and "90 organismes gestionnaires" in og["note"]
    assert api.get("/api/referentials/CARE/1/targets/").json() == []


def test_the_api_lists_the_milestones_of_a_version(api, world, care2):
    login(api, world.director)

    milestones = api.get("/api/referentials/CARE/2/milestones/").json()

    assert {
        "action": "2-3",
        "label": milestones[1]["label"],
        "owner": "HAS",
        "date": "2024-06-30",
        "date_label": "S1 2024",
    } == milestones[1]
    assert set(milestones[0]) == {"action", "label", "owner", "date", "date_label"}
    cpom = milestones[0]
    assert (cpom["action"], cpom["owner"], cpom["date"]) == ("2-2", "ARS", None)


def test_targets_and_milestones_of_unknown_or_draft_versions_are_not_found(api, world, care2):
    ReferentialVersion.objects.create(code="CARE", version=3, title="Projet", status="draft")
    login(api, world.rssi)
    for url in ("/api/referentials/CARE/9/targets/", "/api/referentials/CARE/3/milestones/"):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("application/json")
    login(api, world.national)
    assert api.get("/api/referentials/CARE/3/targets/").json() == []


def test_the_page_shows_each_item_s_source_and_the_milestones_as_context(
    client, world, care2, django_assert_max_num_queries
):
    load_referential_file(V1_FILE)
    client.force_login(world.rssi)

    with django_assert_max_num_queries(12):
        page = client.get("/referential/").content.decode()

    assert "version 2" in page
    for badge in ("Cible CaRE 3-3", "Appel D2 — O1.C", "Recommandation du portail"):
        assert f'care-source">{badge}</p>' in page, badge
    # Domains named as the calls, the plan's numbering beside.
    assert (
        "Domaine 2 — continuité et reprise d&#x27;activité (Domaine 4 du plan (objectif 16))"
        in page
    )
    # Milestones: who, what, when — in a table, never as a requirement.
    assert 'id="jalons"' in page and "Jalons nationaux et régionaux" in page
    assert "<td>HAS</td><td>La HAS commence les visites de certification" in page
    assert "un établissement n'est jamais en retard sur ces jalons" in page
    # Targets with their unit; the portal's thresholds said as such.
    assert "comptée en unités PMSI" in page
    assert "Seuil : Recommandation du portail." in page
    assert "Le palier « partiellement » est un choix du portail." in page
    assert "Renseigné par l'ARS" in page


def test_the_page_filters_by_the_domains_of_the_version_shown(client, world, care2):
    load_referential_file(V1_FILE)
    client.force_login(world.director)

    v2 = client.get("/referential/", {"version": "CARE:2", "domain": "D2"})
    v1 = client.get("/referential/", {"version": "CARE:1", "domain": "D2"})

    continuity = sum(r.domain == "D2" for r in care2.requirements.all())
    assert f"{continuity} exigences affichées" in v2.content.decode()
    assert 'id="exigence-D2-O1C-BIA-PCRA"' in v2.content.decode()
    # In version 1, D2 is the plan's workstations and detection.
    assert 'id="exigence-D2-EDR-COUVERTURE"' in v1.content.decode()
    choices = dict(v2.context["form"].fields["domain"].choices)
    assert choices["HOSPICONNECT"].startswith("HospiConnect")
