"""National and regional milestones are never an establishment's gap (care-targets.md, section 2).

A version-2 hospital and a version-2 EHPAD answer "no" to everything they are asked; their gap
lists, as the scoring service, the API and the PDF give them, hold no item sourced from a
milestone: no item the ARS records (2-2), no plan item on an action that binds the State, the
HAS, the ANS or the DGOS, and nothing "en retard" but on a deadline the plan sets for
establishments (section 1).
"""

import subprocess
from datetime import date

import pytest

from assessments.scoring.service import compute_result
from establishments.models import Kind
from reports.pdf import render_report_pdf
from tests.conftest import login
from tests.factories import EstablishmentFactory
from tests.scoring_v2 import answer_all, v2_assessment, v2_campaign

pytestmark = pytest.mark.django_db

S1 = {year: date(year, 6, 30) for year in range(2023, 2028)}
S2 = {year: date(year, 12, 31) for year in range(2023, 2028)}

# care-targets.md, section 2: the plan actions whose dates bind someone else.
MILESTONES = [
    ("2-2", "ARS", "from S1 2024"),  # CPOM objective, recorded by the ARS
    ("2-3", "HAS", S1[2024]),  # certification visits start
    ("2-4", "État", S1[2024]),  # an instruction on SSI obligations
    ("3-2", "ANS", S1[2024]),  # the national PCRA kit
    ("3-3", "ARS", S1[2024]),  # regional exercises (Olympic-host ARS)
    ("3-3", "ARS", S2[2024]),  # regional exercises (others)
    ("6-1", "DGOS", S2[2025]),
    ("6-2", "DGOS", S1[2024]),
    ("9-1", "ANS", S1[2024]),
    ("9-1", "ANS", S1[2025]),
    ("11-1", "État", S2[2023]),
    ("12-1", "DNS", S2[2023]),
    ("17-1", "DNS-ANS", S1[2024]),
]
# care-targets.md, section 1: the deadlines the plan sets establishments, per action.
ESTABLISHMENT_DEADLINES = {
    "2-1": {S1[2025]},
    "3-1": {S2[2024]},
    "3-2": {S1[2025], S1[2026]},
    "3-3": {S2[2024], S1[2027], S1[2024], S2[2025]},
    "4-1": {S1[2025], S1[2026]},
    "5-1": {S2[2025]},
    "7-1": {S1[2025]},
    "13-1": {S1[2025]},
    "19": {S2[2027]},
}
MILESTONE_ACTIONS = {action for action, _owner, _date in MILESTONES}
# The actions of section 2 that section 1 does not also list as establishment targets.
MILESTONE_ONLY = MILESTONE_ACTIONS - set(ESTABLISHMENT_DEADLINES)


def pdf_text(pdf: bytes) -> str:
    text = subprocess.run(  # noqa: S603 - fixed arguments, poppler-utils on PATH
        ["pdftotext", "-", "-"],  # noqa: S607
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


@pytest.fixture
def answered_no(world):
    """A v2 hospital and a v2 EHPAD (no GHT), everything answered "no"."""
    campaign = v2_campaign()
    hospital = EstablishmentFactory(department=world.hospital.department, name="CH de Chambéry")
    ehpad = EstablishmentFactory(
        department=world.hospital.department,
        name="EHPAD Les Cèdres",
        kind=Kind.ESSMS,
        category_code="500",
        aggregated_category_code="4401",
    )
    assessments = [v2_assessment(e, campaign) for e in (hospital, ehpad)]
    for assessment in assessments:
        answer_all(assessment)
    return assessments


def check_gap(assessment, code: str, severity: str, deadline: date | None) -> None:
    requirement = assessment.campaign.referential.requirements.get(code=code)
    where = f"{assessment.establishment.name}: {code}"
    assert requirement.answered_by == "establishment", f"{where} is recorded by the ARS"
    if requirement.source in ("plan", "funding_call"):
        assert requirement.source_ref not in MILESTONE_ONLY, f"{where} is a national milestone"
    if severity == "overdue":
        assert requirement.source == "plan", f"{where}: overdue on a deadline the plan does not set"
        assert deadline in ESTABLISHMENT_DEADLINES[requirement.source_ref], where


def test_the_milestone_table_is_the_referentials(answered_no):
    referential = answered_no[0].campaign.referential
    stored = {(m["action"], m["owner"]) for m in referential.milestones}
    assert stored == {(action, owner) for action, owner, _date in MILESTONES}
    assert (
        not referential.requirements.filter(source_ref__in=MILESTONE_ONLY, source="plan")
        .exclude(answered_by="ars")
        .exists()
    )


def test_no_gap_of_the_scoring_service_is_a_milestone(answered_no):
    for assessment in answered_no:
        gaps = compute_result(assessment).gaps
        assert gaps, "everything answered no: there are gaps"
        codes = [gap.requirement for gap in gaps]
        assert "GOV-CPOM" not in codes
        for gap in gaps:
            check_gap(assessment, gap.requirement, gap.severity, gap.deadline)
    hospital_gaps = {gap.requirement for gap in compute_result(answered_no[0]).gaps}
    # Portal recommendations stay maturity gaps, never "en retard".
    assert {"GOV-CERTIFICATION-HAS", "FORMATION-PERSONNEL", "CONTROLE-ATTESTATION"} <= hospital_gaps


def test_no_gap_of_the_api_is_a_milestone(client, world, answered_no):
    login(client, world.national)
    for assessment in answered_no:
        body = client.get(f"/api/assessments/{assessment.pk}/").json()
        assert body["gaps"]
        for gap in body["gaps"]:
            assert gap["source"] in ("plan", "funding_call", "portal")
            deadline = date.fromisoformat(gap["deadline"]) if gap["deadline"] else None
            check_gap(assessment, gap["requirement"], gap["severity"], deadline)
        assert "GOV-CPOM" not in {gap["requirement"] for gap in body["gaps"]}
        assert "GOV-CPOM" not in body["answers"]


def test_no_gap_of_the_pdf_is_a_milestone(answered_no):
    for assessment in answered_no:
        text = pdf_text(render_report_pdf(assessment))
        plan = text[text.index("2. Plan d'action") : text.index("3. Détail par axe")]
        summary = text[text.index("1. Synthèse") : text.index("2. Plan d'action")]
        for section in (summary, plan):
            assert "GOV-CPOM" not in section
            for action in MILESTONE_ONLY:
                assert f"Cible CaRE {action} " not in section
                assert f"Action CaRE {action} " not in section
                assert f"action {action})" not in section
        for milestone in assessment.campaign.referential.milestones:
            assert milestone["label"][:60] not in plan
        # Every gap of the service is listed (codes may be hyphenated across a line).
        flat = plan.replace("-", "")
        for gap in compute_result(assessment).gaps:
            assert gap.requirement.replace("-", "") in flat
