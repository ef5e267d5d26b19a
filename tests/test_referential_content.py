"""The CaRE referential file against the plan: every target an establishment (or GHT) answers is
there with the plan's deadline and national target, and the file scores as it loads."""

from datetime import date

import pytest

from assessments.scoring.compiled import compiled_referential
from assessments.scoring.model import score_assessment
from referential.loader import load_referential_file
from referential.models import Requirement

pytestmark = pytest.mark.django_db

CARE_FILE = "fixtures/referential/care-2025.yaml"
S1 = {year: date(year, 6, 30) for year in range(2023, 2028)}
S2 = {year: date(year, 12, 31) for year in range(2023, 2028)}

# The rows of the plan's action list that an establishment or a GHT self-assesses:
# (CaRE action, kind answering, the plan's deadline or None, national target share or None).
PLAN_TARGETS = [
    ("2-1", "ES", S1[2025], 70),  # RSSI named, governance committee: 70 % of establishments
    ("2-1", "ESSMS", S1[2025], 70),
    ("2-1", "GHT", S1[2025], 100),  # ... and 100 % of GHT
    ("2-2", "ES", S1[2024], 100),  # CPOM with a cybersecurity objective
    ("2-3", "ES", S1[2024], None),  # HAS certification criteria
    ("3-1", "ES", S2[2024], 100),  # plan blanc numérique
    ("3-2", "ES", S1[2025], 100),  # PCRA referent named
    ("3-2", "ES", S1[2026], 80),  # PCRA in force on critical services
    ("3-3", "ES", S2[2024], 80),  # a crisis exercise carried out
    ("3-3", "ES", S1[2027], 100),  # exercises every year
    ("3-3", "ESSMS", S2[2025], 3),  # medico-social: exercise by the managing body in 2025
    ("4-1", "ES", S1[2025], 100),  # self-assessment completed
    ("4-1", "ESSMS", S1[2025], 100),
    ("4-1", "ES", S1[2026], 75),  # action plan updated from it
    ("5-1", "GHT", S2[2025], 80),  # GHT project lead and AD convergence (Domain 1 condition)
    ("6-1, 6-2", "ES", S1[2024], None),  # IT and security staffing
    ("7-1", "ES", S1[2025], 100),  # budget >= 2 %
    ("9-1", "ES", S1[2025], None),  # director and PCME made aware
    ("9-1", "ESSMS", S1[2025], None),
    ("10-2", "ES", None, None),  # regional meetings, ongoing
    ("11-1", "ES", S2[2023], 100),  # all staff trained
    ("11-1", "ESSMS", S2[2023], 100),
    ("13-1", "ES", S1[2025], 90),  # Domain 1 objectives reached
    ("14", "ES", None, None),  # Domain 2: indicators being defined
    ("15", "ES", None, None),  # Domain 3
    ("16", "ES", None, None),  # Domain 4
    ("17-1", "ES", S1[2024], None),  # objectives attested by an audit or a control
    ("18", "ES", None, None),  # socle cyber, being defined
    ("19", "ES", S2[2027], 100),  # two-factor authentication by 2027
    ("19", "ESSMS", S2[2027], 100),
]


@pytest.fixture
def care():
    return load_referential_file(CARE_FILE).referential


def test_each_target_of_the_plan_is_there_with_its_deadline_and_national_target(care):
    requirements = list(care.requirements.all())
    missing = []
    for action, kind, deadline, share in PLAN_TARGETS:
        candidates = [r for r in requirements if r.care_action == action and kind in r.applies_to]
        matching = [r for r in candidates if r.deadline == deadline]
        shares = [r.national_target_share for r in matching]
        if not matching or (share is not None and share not in shares):
            found = [(r.code, r.deadline, r.national_target_share) for r in candidates]
            missing.append(f"{action} ({kind}) due {deadline}, target {share}: found {found}")
    assert not missing, "\n".join(missing)


def test_four_axes_and_twenty_objectives_with_the_plan_titles(care):
    assert list(care.axes.values_list("number", "title")) == [
        (1, "Gouvernance et résilience"),
        (2, "Ressources et mutualisation"),
        (3, "Sensibilisation"),
        (4, "Sécurité opérationnelle"),
    ]
    objectives = {o.number: o for o in care.objectives.all()}
    assert sorted(objectives) == list(range(1, 21))
    assert objectives[7].title == (
        "Garantir dans chaque établissement un budget suffisant dédié au numérique et à la "
        "cybersécurité"
    )
    assert objectives[13].axis.number == 4
    national = {n for n, o in objectives.items() if o.national_only}
    assert national == {1, 8, 20}
    for number, objective in objectives.items():
        count = objective.requirements.count()
        assert (count == 0) == (number in national), number


def test_deadline_labels_agree_with_the_dates(care):
    for requirement in care.requirements.exclude(deadline=None):
        label = requirement.deadline_label
        assert label, requirement.code
        day = requirement.deadline
        assert (day.month, day.day) in {(6, 30), (12, 31)}, requirement.code
        if label.startswith("S1 "):
            assert day == S1[int(label[3:7])], requirement.code
        elif label.startswith("S2 "):
            assert day == S2[int(label[3:7])], requirement.code


def test_the_headline_targets_and_their_rules(care):
    by_code = {r.code: r for r in care.requirements.all()}
    headlines = {}
    for requirement in by_code.values():
        if requirement.headline:
            headlines.setdefault(requirement.headline, []).append(requirement)
    assert set(headlines) == {
        "rssi",
        "governance",
        "budget",
        "exercise",
        "pcra_referent",
        "plan_blanc",
        "domain1",
    }
    assert by_code["BUDGET-NUMERIQUE"].rule == {
        "type": "ratio_at_least",
        "met": 0.02,
        "partial": 0.01,
    }
    assert by_code["CRISE-EXERCICE-DATE"].rule == {
        "type": "within_days",
        "met": 365,
        "partial": 730,
    }
    assert by_code["GOV-RSSI"].rule == {"type": "person_named"}
    assert by_code["PCRA-REFERENT"].rule == {"type": "person_named"}
    assert all(r.domain == "D1" for r in headlines["domain1"])
    assert {r.code for r in care.requirements.filter(domain="D1")} - {
        r.code for r in headlines["domain1"]
    } == {"D1-CANDIDATURE"}


def test_the_technical_domains_are_covered(care):
    by_code = {r.code: r for r in care.requirements.all()}
    ad_level = by_code["D1-AD-NIVEAU"].rule
    assert ad_level["type"] == "level"
    assert list(ad_level["choices"]) == ["1", "2", "3", "4", "5"]
    assert ad_level["choices"]["3"] == 1 and ad_level["choices"]["2"] < 1
    assert by_code["D1-AUDIT-EXPOSITION"].rule["type"] == "within_days"
    for code in ("D1-GHT-CHEF-PROJET", "D1-GHT-CONVERGENCE-AD"):
        assert by_code[code].applies_to == ["GHT"] and by_code[code].domain == "D1"
    assert by_code["D2-EDR-COUVERTURE"].rule["type"] == "percent_at_least"
    for code in ("D2-JOURNAUX", "D2-CERT-SANTE", "D3-INVENTAIRE", "D3-BASTION-2FA-TRACES"):
        assert code in by_code
    assert by_code["D3-ACCES-CONFORMES"].not_applicable_allowed
    d4 = care.requirements.filter(domain="D4")
    assert {r.code for r in d4 if r.prerequisite} == {"D4-P1-PSSI", "D4-P2-ORGANISATION-PCRA"}
    for objective in ("O1A", "O1B", "O1C", "O1D", "O2A", "O2B", "O3A", "O3B", "O3C", "O3D", "O4"):
        assert any(f"-{objective}-" in r.code for r in d4), objective
    assert all("arrêté du 3 juillet 2025" in r.funding_call for r in d4)
    assert all(
        "arrêté du 18 mars 2024" in r.funding_call for r in care.requirements.filter(domain="D1")
    )
    assert by_code["ID-2FA"].deadline == date(2027, 12, 31)
    assert set(by_code["ID-2FA"].applies_to) == {"ES", "ESSMS"}


def test_every_requirement_is_complete(care):
    for requirement in care.requirements.all():
        assert requirement.label.endswith("?"), requirement.code
        assert requirement.help_text and requirement.recommendation, requirement.code
        assert 1 <= requirement.weight <= 3, requirement.code
    assert Requirement.objects.filter(required=True).count() > 45
    conditional = care.requirements.exclude(condition=None)
    assert {r.code for r in conditional} >= {"CRISE-RETEX", "D3-BASTION-2FA-TRACES"}


def test_the_loaded_referential_scores_for_each_kind(care):
    compiled = compiled_referential(care.pk)
    answers = {"GOV-RSSI": {"name": "Jeanne Martin", "email": "jeanne.martin@chu.fr"}}
    for kinds in ({"ES"}, {"ESSMS"}, {"ES", "GHT"}):
        result = score_assessment(
            compiled.model, answers, kinds=kinds, reference_date=date(2025, 3, 1), submitted=False
        )
        assert result.statuses["GOV-RSSI"] == "met"
        assert result.headline["rssi"] is True
        assert 0 < result.score_global < 100
    # Follow-up questions are not asked until the answer they depend on allows them.
    result = score_assessment(
        compiled.model,
        {"CRISE-EXERCICE": False},
        kinds={"ES"},
        reference_date=date(2025, 3, 1),
        submitted=False,
    )
    assert result.statuses["CRISE-RETEX"] == "not_asked"
    assert result.headline["exercise"] is False
