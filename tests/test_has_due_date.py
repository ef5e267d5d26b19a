"""The HAS certification item (2-3) is due at the establishment's next certification visit, an
answer of its own (GOV-CERTIFICATION-HAS-VISITE), or has no due date."""

from datetime import date
from pathlib import Path

import pytest
import yaml

from assessments.models import Answer
from assessments.scoring.service import compute_result
from referential.data import ReferentialFileError
from referential.loader import load_referential_file
from referential.models import Requirement
from referential.rules import AnswerError, get_rule
from reports.content import build_report
from reports.pdf import render_report_pdf
from tests.conftest import login
from tests.factories import EstablishmentFactory
from tests.scoring_v2 import V2_FILE, answer_all, v2_assessment, v2_referential
from tests.test_peer_position import pdf_words

pytestmark = pytest.mark.django_db

HAS, VISIT = "GOV-CERTIFICATION-HAS", "GOV-CERTIFICATION-HAS-VISITE"


def test_the_visit_date_is_a_portal_date_item_new_in_version_2():
    referential = v2_referential()
    has = Requirement.objects.get(referential=referential, code=HAS)
    visit = Requirement.objects.get(referential=referential, code=VISIT)
    assert has.due_date_from == VISIT
    assert has.deadline is None
    assert (visit.answer_type, visit.source, visit.required) == ("date", "portal", False)
    assert visit.label == "Date de votre prochaine visite de certification HAS"
    # New in version 2: nothing of version 1 carries into it.
    codes = {entry["code"] for entry in referential.code_map["codes"]}
    assert VISIT not in codes


def _yaml_with(tmp_path, change):
    data = yaml.safe_load(Path(V2_FILE).read_text(encoding="utf-8"))
    for axis in data["axes"]:
        for objective in axis["objectives"]:
            for requirement in objective.get("requirements") or []:
                change(requirement)
    path = tmp_path / "care-2026.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # The code map names version 1: it loads from its own file beside this one.
    (tmp_path / "care-2025.yaml").write_text(
        Path("fixtures/referential/care-2025.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            "GOV-CERTIFICATION-HAS-PROCHAINE",
            "nomme une exigence inconnue « GOV-CERTIFICATION-HAS-PROCHAINE »",
        ),
        ("GOV-COMITE", "nomme « GOV-COMITE », dont la réponse n'est pas une date"),
    ],
)
def test_the_loader_refuses_a_due_date_from_an_unknown_or_non_date_item(tmp_path, target, expected):
    def change(requirement):
        if requirement["code"] == HAS:
            requirement["due_date_from"] = target

    with pytest.raises(ReferentialFileError) as raised:
        load_referential_file(_yaml_with(tmp_path, change))
    errors = [error for error in raised.value.errors if "due_date_from" in error]
    assert len(errors) == 1
    assert errors[0].startswith(f"Exigence « {HAS} » (ligne ")
    assert expected in errors[0]


def test_the_date_rule_takes_a_future_date_and_refuses_impossible_ones():
    rule = get_rule({"type": "date"})
    today = date(2026, 3, 1)
    assert rule.clean("2027-03-12", reference_date=today) == "2027-03-12"
    assert rule.clean(False, reference_date=today) is False
    for bad, message in [
        ("2027-02-30", "n'existe pas"),
        ("2150-01-01", "invraisemblable"),
        ("12/03/2027", "AAAA-MM-JJ"),
        (20270312, "AAAA-MM-JJ"),
    ]:
        with pytest.raises(AnswerError, match=message):
            rule.clean(bad, reference_date=today)


@pytest.fixture
def hospital(world):
    # Outside any GHT: every item is its own.
    assessment = v2_assessment(EstablishmentFactory(department=world.hospital.department))
    answer_all(assessment)
    return assessment


def has_gap(assessment):
    return next(gap for gap in build_report(assessment).gaps if gap.code == HAS)


def test_the_gap_is_due_at_the_next_visit(hospital):
    Answer.objects.filter(assessment=hospital, requirement__code=VISIT).update(value="2027-03-12")
    gap = next(gap for gap in compute_result(hospital).gaps if gap.requirement == HAS)
    assert (gap.deadline, gap.own_deadline) == (date(2027, 3, 12), True)
    assert gap.severity != "overdue"  # a portal item is never overdue
    assert has_gap(hospital).deadline_text == (
        "votre prochaine visite de certification le 12 mars 2027"
    )
    text = pdf_words(render_report_pdf(hospital))
    assert "Échéance : votre prochaine visite de certification le 12 mars 2027" in text


def test_without_a_visit_date_the_gap_has_no_due_date(hospital):
    stored = Answer.objects.get(assessment=hospital, requirement__code=VISIT)
    assert stored.value is False  # "not set yet"
    assert has_gap(hospital).deadline is None
    assert has_gap(hospital).deadline_text == "sans échéance"
    text = pdf_words(render_report_pdf(hospital))
    assert "Échéance : sans échéance" in text


def test_the_rssi_types_the_visit_date_in_the_form(client, world):
    assessment = v2_assessment(world.hospital)
    login(client, world.rssi)
    html = client.get(f"/assessments/{assessment.pk}/?step=1").content.decode()
    section = html[html.index(f'id="req-{VISIT}"') :]
    section = section[: section.index("</section>")]
    assert 'type="date"' in section
    assert "Date pas encore fixée" in section
    response = client.post(
        f"/assessments/{assessment.pk}/?step=1",
        {"version": 0, "baseline": "{}", VISIT: "12/03/2027", "save": ""},
    )
    assert response.status_code == 302
    assert Answer.objects.get(assessment=assessment, requirement__code=VISIT).value == (
        "2027-03-12"
    )
