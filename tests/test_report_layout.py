"""The report as a board reads it: a full version-2 assessment with evidence and a plan, every
page holding content (none nearly empty), nothing cut mid-word, and the machine-checkable
PDF/UA-1 subset of the `pdfua` checker passed without an error or a warning."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from pdfua.model import Severity
from pdfua.validator import validate
from pypdf import PdfReader

from actions.agreement import agree_target_plan, file_target_plan, target_states
from actions.services import create_suggested, suggestions, update_action
from assessments.answers import save_answers
from assessments.evidence import add_note
from assessments.exercise_register import register_codes
from assessments.models import Assessment
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.service import kinds_of
from demo.answers import demo_answers
from referential.models import Requirement
from reports.pdf import render_report_html, render_report_pdf
from tests.test_report import pdf_text
from tests.v2_campaign import build_v2_campaign

pytestmark = pytest.mark.django_db

# A page this short (in characters, running header and footer included) is nearly empty.
NEARLY_EMPTY = 400
LONG_NOTE = (
    "Procédure de sauvegarde hors ligne rangée dans l'armoire forte du service informatique : "
    "voir le document « PRA-SAUVEGARDES-HORS-LIGNE-ET-RESTAURATION-2025-VERSION-DEFINITIVE » "
    "et le registre https://intranet.exemple.fr/documents/securite/sauvegardes/procedure-"
    "restauration-annuelle-des-applications-critiques-du-groupement.pdf"
)


@pytest.fixture
def full(world) -> Assessment:
    """The hospital's version-2 assessment, every item answered, with notes and a plan."""
    v2 = build_v2_campaign(world)
    assessment = v2.hospital
    compiled = compiled_referential(v2.referential.pk)
    rng = random.Random(7)

    def answer(spec):
        found = demo_answers([spec], maturity=0.45, completeness=1, rng=rng, today=date(2026, 3, 1))
        return found.get(spec.code)

    establishment = assessment.establishment
    answers = compiled.model.answer_asked(
        answer,
        kinds=kinds_of(establishment.kind, establishment.ght_id),
        ght_support=establishment.is_ght_support,
    )
    # The GHT lead answers the GHT-level items; the exercise register, the exercise ones.
    not_typed = compiled.ght_level_codes | set(register_codes(compiled, establishment))
    answers = {c: v for c, v in answers.items() if c not in not_typed}
    answers = {c: v for c, v in answers.items() if v != "not_applicable"}
    save_answers(assessment=assessment, answers=answers, expected_version=0, user=world.rssi)
    assessment = Assessment.objects.get(pk=assessment.pk)
    for requirement in Requirement.objects.filter(
        referential=v2.referential, code__in=list(answers)[:6]
    ):
        add_note(assessment=assessment, requirement=requirement, note=LONG_NOTE, user=world.rssi)
    offered = [s.code for s in suggestions(assessment)][:8]
    actions = create_suggested(assessment=assessment, user=world.rssi, codes=offered)
    for n, action in enumerate(actions):
        update_action(
            action=action,
            user=world.rssi,
            owner_name="Mme Bernard, directrice des systèmes d'information",
            due_on=date(2026, 12, 1),
            cost_investment=str(10000 * (n + 1)),
            funding="own" if n % 2 else "fir",
        )
    for state in target_states(assessment):
        if state.may_be_filed:
            plan = file_target_plan(assessment=assessment, user=world.rssi, target=state.target.key)
            agree_target_plan(plan=plan, user=world.ars)
            break
    return Assessment.objects.get(pk=assessment.pk)


def test_no_page_is_nearly_empty(full):
    pdf = render_report_pdf(full)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages >= 6
    for page in range(1, pages):  # the last page may end a section
        text = pdf_text(pdf, page=page)
        assert len(text.strip()) > NEARLY_EMPTY, f"page {page} holds: {text.strip()[:300]}"


def test_notes_codes_and_dates_are_set_to_read_whole(full):
    html = render_report_html(full)
    # Long words wrap at the page edge rather than overflow or split mid-word elsewhere.
    assert "overflow-wrap: break-word" in html and "hyphens: manual" in html
    # Requirement codes never break across lines.
    assert ".code { white-space: nowrap; }" in html
    pdf = render_report_pdf(full)
    text = pdf_text(pdf)
    assert "1er décembre" in text or "01/12/2026" in text
    assert " 1 décembre" not in text
    for code in Requirement.objects.filter(referential=full.campaign.referential).values_list(
        "code", flat=True
    ):
        if "-" in code:
            head, tail = code.split("-", 1)
            # Never "GOV-" at a line's end and "RSSI" on the next.
            assert f"{head}-\n" not in text.replace(" ", ""), code


def test_the_report_passes_the_pdfua_checker(full, tmp_path):
    path = tmp_path / "rapport.pdf"
    path.write_bytes(render_report_pdf(full))
    report = validate(str(path))
    findings = [
        f"{f.rule_id} page {f.location.page}: {f.message}"
        for f in report.findings
        if f.severity in (Severity.ERROR, Severity.WARNING)
    ]
    assert findings == []
