"""Consistency rules of version 2: contradictory answers warn, next to both answers and on the
status, review and validation pages and in the PDF annex; they never block."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.answers import save_answers
from assessments.consistency import assessment_contradictions, contradictions
from assessments.models import Assessment
from assessments.workflow import validate
from reports.pdf import render_report_html
from tests.v2_campaign import build_v2_campaign

pytestmark = pytest.mark.django_db

# care-2026.yaml's `consistency` section, transcribed: rule -> its two (requirement, answers).
RULES = {
    "BASTION-SANS-INVENTAIRE": (("TM-BASTION", {"yes"}), ("TM-INVENTAIRE", {"no"})),
    "PCRA-PERIMETRE-MINIMAL": (("PCRA-SERVICES-CRITIQUES", {"no"}), ("D2-O1C-BIA-PCRA", {"yes"})),
}
CODES = sorted({code for pair in RULES.values() for code, _values in pair})
# Every value a tristate requirement may hold, unanswered and a few wrongly typed ones.
VALUES = st.sampled_from(["yes", "partial", "no", "not_applicable", None, True, 1, "YES"])


def expected(answers: dict, asked: set) -> set[str]:
    return {
        rule
        for rule, pair in RULES.items()
        if all(
            code in asked and isinstance(answers.get(code), str) and answers[code] in values
            for code, values in pair
        )
    }


@pytest.fixture
def v2(world):
    return build_v2_campaign(world)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.fixed_dictionaries(dict.fromkeys(CODES, VALUES)),
    hidden=st.sets(st.sampled_from(CODES)),
)
def test_a_contradiction_is_listed_iff_its_conditions_hold(v2, values, hidden):
    answers = {code: value for code, value in values.items() if value is not None}
    asked = set(CODES) - hidden
    found = contradictions(v2.referential, answers, asked=asked)
    assert {c.code for c in found} == expected(answers, asked)
    for contradiction in found:
        assert set(contradiction.codes) == {code for code, _v in RULES[contradiction.code]}
        assert "l'une des deux réponses est à revoir" in contradiction.message


def _save(assessment, user, answers):
    assessment.refresh_from_db()
    save_answers(
        assessment=assessment, answers=answers, expected_version=assessment.version, user=user
    )


def _section(page: str, code: str) -> str:
    start = page.index(f'id="req-{code}"')
    return page[start : page.index("</section>", start)]


CONTRADICTING = {"TM-BASTION": "yes", "TM-INVENTAIRE": "no"}


def test_the_form_warns_next_to_both_answers(client, world, v2):
    _save(v2.hospital, world.rssi, CONTRADICTING)  # saved: a contradiction never blocks
    client.force_login(world.rssi)
    page = client.get(reverse("assessments:form", args=[v2.hospital.pk]) + "?step=4").text
    for code in CONTRADICTING:
        section = _section(page, code)
        assert 'data-contradiction="BASTION-SANS-INVENTAIRE"' in section
        assert "fr-alert--warning" in section and "une des deux réponses est à revoir" in section
    assert 'data-contradiction="PCRA-PERIMETRE-MINIMAL"' not in page
    # Answering consistently removes the warning.
    _save(v2.hospital, world.rssi, {"TM-INVENTAIRE": "yes"})
    page = client.get(reverse("assessments:form", args=[v2.hospital.pk]) + "?step=4").text
    assert "data-contradiction=" not in page


def test_status_review_and_pdf_list_them(client, world, v2):
    _save(v2.hospital, world.rssi, CONTRADICTING)
    client.force_login(world.rssi)
    message = "Tous les accès des fournisseurs passent par la passerelle"
    for name in ("assessments:status", "assessments:review"):
        page = client.get(reverse(name, args=[v2.hospital.pk])).text
        listed = page[page.index('id="contradictions"') :]
        assert message in listed and "TM-BASTION" in listed and "TM-INVENTAIRE" in listed
    annex = render_report_html(v2.hospital)
    annex = annex[annex.index("Annexe C") :]
    assert message in annex and "TM-INVENTAIRE" in annex


def test_the_director_sees_them_before_validating_and_may_validate(client, world, v2):
    _save(v2.hospital, world.rssi, CONTRADICTING)
    Assessment.objects.filter(pk=v2.hospital.pk).update(status=Assessment.Status.SUBMITTED)
    client.force_login(world.director)
    page = client.get(reverse("assessments:status", args=[v2.hospital.pk])).text
    validate_section = page[page.index('id="validate-title"') :]
    validate_section = validate_section[: validate_section.index("</section>")]
    assert "Avant de valider : 1 paire de réponses se contredit" in validate_section
    v2.hospital.refresh_from_db()
    validate(assessment=v2.hospital, user=world.director, comment="")
    v2.hospital.refresh_from_db()
    assert v2.hospital.status == Assessment.Status.VALIDATED
    assert [c.code for c in assessment_contradictions(v2.hospital)] == ["BASTION-SANS-INVENTAIRE"]


def test_version_one_has_no_consistency_section(client, world, campaign):
    client.force_login(world.rssi)
    page = client.get(reverse("assessments:status", args=[campaign.hospital.pk])).text
    assert 'id="contradictions"' not in page
