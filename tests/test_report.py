"""The PDF gap report: read back as text, its figures against the API, its access per role."""

import re
import subprocess
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from assessments.answers import save_answers
from assessments.evidence import add_link, add_note
from assessments.models import Assessment
from assessments.scoring.compiled import forget_referential
from assessments.scoring.peers import peer_percentile
from assessments.scoring.service import recompute_snapshots
from care_portal.charts import format_number
from establishments.models import Kind
from referential.models import Requirement
from reports.pdf import (
    LocalFontsOnly,
    font_directory,
    render_report_html,
    render_report_pdf,
)
from tests.campaigns import build_campaign
from tests.factories import AssessmentFactory, EstablishmentFactory, ScoreSnapshotFactory

pytestmark = pytest.mark.django_db

RSSI = {"name": "Claire Martin", "email": "claire.martin@ch-villefranche.fr"}
ANSWERS = {
    "GOV-RSSI": RSSI,
    "GOV-COMITE": "partial",
    "D3-BASTION": False,
    "BUDGET": {"numerator": 1_500_000, "denominator": 100_000_000},
}
# With the deadlines set in `answered`, scored on 1 March 2025.
PLAN_ORDER = ["EXERCICE", "GHT-CONVERGENCE", "GOV-COMITE", "D3-BASTION", "BUDGET"]


def pdf_text(pdf: bytes, *, page: int | None = None) -> str:
    """The PDF's text as pdftotext lays it out, spaces normalized."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    text = subprocess.run(  # noqa: S603 - fixed arguments, poppler-utils on PATH
        ["pdftotext", "-layout", *pages, "-", "-"],  # noqa: S607
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def percent(value) -> str:
    return format_number(value, "%").replace("\u00a0", " ")


def between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def codes_in_order(text: str, codes) -> list[str]:
    found = []
    for code in codes:
        match = re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)
        if match:
            found.append((match.start(), code))
    return [code for _position, code in sorted(found)]


@pytest.fixture
def answered(world, campaign) -> Assessment:
    """The hospital's draft, partly answered, scored on 1 March 2025, with one gap per severity."""
    requirements = campaign.requirements
    Requirement.objects.filter(pk=requirements["EXERCICE"].pk).update(deadline=date(2024, 12, 31))
    Requirement.objects.filter(pk=requirements["BUDGET"].pk).update(
        deadline=date(2026, 6, 30), deadline_label="S1 2026"
    )
    forget_referential()
    Assessment.objects.filter(pk=campaign.hospital.pk).update(reference_date=date(2025, 3, 1))
    assessment = Assessment.objects.get(pk=campaign.hospital.pk)
    save_answers(assessment=assessment, answers=ANSWERS, expected_version=0, user=world.rssi)
    return Assessment.objects.get(pk=campaign.hospital.pk)


def test_cover_names_the_establishment_and_the_campaign(world, answered):
    cover = pdf_text(render_report_pdf(answered), page=1)
    assert "Rapport d'écarts" in cover
    assert world.hospital.name in cover
    assert world.hospital.finess in cover
    assert world.hospital.finess_ej in cover
    assert "GHT Rhône Centre (GHT-RHONE) — établissement support" in cover
    assert "Auvergne-Rhône-Alpes" in cover
    assert "Campagne 2025 — statut : Brouillon" in cover
    assert "Scores et échéances calculés à la date du 1er mars 2025" in cover
    assert "Référentiel de test" in cover
    assert "Visa de la direction" in cover


def test_summary_figures_are_the_api_figures(client, world, answered):
    client.force_login(world.national)
    api = client.get(f"/api/assessments/{answered.pk}/").json()
    summary = pdf_text(render_report_pdf(answered), page=3)

    assert "1. Synthèse" in summary
    assert percent(api["scores"]["global"]) in summary
    assert f"{len(api['gaps'])} écarts à traiter" in summary
    counts = api["counts"]
    assert f"{counts['met']} atteintes, {counts['partial']} partielles" in summary
    for axis, score in api["scores"]["axes"].items():
        assert f"axe {axis} {percent(score)}" in summary
    for domain, score in api["scores"]["domains"].items():
        assert f"{domain} {percent(score)}" in summary
    # Headline targets: the RSSI is named, the governance committee only partly there.
    assert api["headline"]["rssi"] is True and api["headline"]["governance"] is False
    rssi_line = next(line for line in summary.splitlines() if "RSSI nommé" in line)
    assert "Atteinte" in rssi_line and "Non atteinte" not in rssi_line
    assert "30/06/2025" in rssi_line
    governance_line = next(line for line in summary.splitlines() if "Comité de gouvernance" in line)
    assert "Non atteinte" in governance_line
    # The three most urgent gaps, in the API's order.
    urgent = between(summary, "Les trois écarts les plus urgents", "Page ")
    api_codes = [gap["requirement"] for gap in api["gaps"]]
    assert codes_in_order(urgent, api_codes) == api_codes[:3]


def test_action_plan_lists_every_gap_in_the_documented_order(client, world, answered):
    client.force_login(world.rssi)
    api = client.get(f"/api/assessments/{answered.pk}/").json()
    assert [gap["requirement"] for gap in api["gaps"]] == PLAN_ORDER

    text = pdf_text(render_report_pdf(answered))
    plan = between(text, "2. Plan d'action", "3. Détail par axe")
    assert codes_in_order(plan, PLAN_ORDER) == PLAN_ORDER
    assert codes_in_order(between(plan, "En retard", "Échéance proche"), PLAN_ORDER) == ["EXERCICE"]
    assert codes_in_order(between(plan, "Planifié", "Page "), PLAN_ORDER) == ["BUDGET"]
    assert "GOV-RSSI" not in plan  # met: not a gap
    budget = plan[plan.index("BUDGET") :]
    assert "30/06/2026" in budget and "S1 2026" in budget
    assert "Mettre en place ce qui est demandé." in plan


def test_annex_shows_every_answer_readably_and_the_evidence(world, campaign, answered):
    requirements = campaign.requirements
    add_link(
        assessment=answered,
        requirement=requirements["GOV-RSSI"],
        url="https://intranet.example.fr/rssi",
        user=world.rssi,
    )
    add_note(
        assessment=answered,
        requirement=requirements["GOV-COMITE"],
        note="Comptes rendus du comité au secrétariat de direction",
        user=world.rssi,
    )
    # Asked only when the committee meets: not asked here, and said so.
    Requirement.objects.filter(pk=requirements["EXERCICE"].pk).update(
        condition={"requirement": "GOV-COMITE", "in": ["yes"]}
    )
    forget_referential()
    text = pdf_text(render_report_pdf(answered))
    details = between(text, "3. Détail par axe", "4. Évolution")
    assert "Axe 1" in details and "Axe 2" in details
    annex = between(text, "Annexe A — Réponses", "Annexe B")
    for code in ["GOV-RSSI", "GOV-COMITE", "EXERCICE", "BUDGET", "GHT-CONVERGENCE", "D3-BASTION"]:
        assert code in annex
    assert "OG-EXERCICE" not in annex  # medico-social only
    assert "Claire Martin <claire.martin@" in annex
    assert "Partiellement" in annex
    assert "ratio 1,5 %" in annex
    assert "Non renseigné" in annex
    exercise = annex[annex.index("EXERCICE") :]
    assert "Sans objet, d'après la réponse à GOV-" in exercise
    assert "{" not in annex  # no raw JSON
    evidence = text[text.index("Annexe B") :]
    assert "https://intranet.example.fr/rssi" in evidence
    assert "Comptes rendus du comité" in evidence
    assert codes_in_order(evidence, ["GOV-COMITE", "GOV-RSSI"]) == ["GOV-RSSI", "GOV-COMITE"]


def test_draft_submitted_and_validated_reports(world, answered):
    assert "BROUILLON" in pdf_text(render_report_pdf(answered), page=3)

    answered.status = Assessment.Status.SUBMITTED
    answered.submitted_at = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    answered.submitted_by = world.rssi
    text = pdf_text(render_report_pdf(answered))
    assert "NON VALIDÉ" in text and "BROUILLON" not in text
    assert "pas encore validée" in text

    answered.status = Assessment.Status.VALIDATED
    answered.validated_at = datetime(2025, 7, 12, 8, 30, tzinfo=UTC)
    answered.validated_by = world.director
    text = pdf_text(render_report_pdf(answered))
    assert "BROUILLON" not in text and "NON VALIDÉ" not in text
    director = world.director.get_full_name()
    assert f"Validée le 12 juillet 2025 à 10:30 par {director}." in text
    assert f"Transmise le 1er juillet 2025 par {world.rssi.get_full_name()}." in text


def test_pdf_is_tagged_with_title_language_and_author(world, answered):
    reader = PdfReader(BytesIO(render_report_pdf(answered)))
    assert reader.metadata.title == f"Rapport d'écarts CaRE 2025 — {world.hospital.name}"
    assert reader.metadata.author == world.hospital.name
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr"
    assert root["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in root
    assert reader.pdf_header == "%PDF-1.7"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp
    # Running header and numbered pages.
    pages = len(reader.pages)
    assert f"Page {pages} / {pages}" in reader.pages[-1].extract_text()


def test_trend_against_the_previous_campaign(world, answered):
    text = pdf_text(render_report_pdf(answered))
    assert "Aucune auto-évaluation de cet établissement lors d'une campagne précédente" in text

    previous = build_campaign(world, year=2024)
    save_answers(
        assessment=previous.hospital,
        answers={"GOV-RSSI": False, "GOV-COMITE": "yes"},
        expected_version=0,
        user=world.rssi,
    )
    # A draft is never a baseline: the 2024 assessment is compared once submitted.
    Assessment.objects.filter(pk=previous.hospital.pk).update(status=Assessment.Status.SUBMITTED)
    trend = between(pdf_text(render_report_pdf(answered)), "4. Évolution", "5. Position")
    assert "Comparaison avec l'auto-évaluation de la campagne 2024" in trend
    line = next(line for line in trend.splitlines() if line.strip().startswith("Score global"))
    assert "2024" not in line  # the years are column headers
    assert "pts" in line


def test_position_among_peers_names_no_one(world, answered):
    text = pdf_text(render_report_pdf(answered))
    assert "Position non communiquée" in text

    campaign = answered.campaign
    peers = [
        EstablishmentFactory(department=world.hospital.department, name=f"Hôpital voisin {i}")
        for i in range(5)
    ]
    for peer, score in zip(peers, [10.0, 20.0, 30.0, 80.0, 90.0], strict=True):
        ScoreSnapshotFactory(
            assessment=AssessmentFactory(
                establishment=peer, campaign=campaign, status=Assessment.Status.SUBMITTED
            ),
            score_global=score,
        )
    # Another kind in the same region does not count.
    home = EstablishmentFactory(department=world.hospital.department, kind=Kind.ESSMS)
    ScoreSnapshotFactory(
        assessment=AssessmentFactory(
            establishment=home, campaign=campaign, status=Assessment.Status.SUBMITTED
        )
    )

    benchmark = peer_percentile(answered)
    assert benchmark.peers == 5
    text = pdf_text(render_report_pdf(answered))
    position = between(text, "5. Position", "Annexe A")
    assert f"{benchmark.percentile:.0f} %" in position
    assert "5 établissements comparables" in position
    assert not any(peer.name in text for peer in peers)


def test_report_reads_a_bounded_number_of_queries(django_assert_max_num_queries, answered):
    recompute_snapshots(Assessment.objects.all())
    assessment = Assessment.objects.get(pk=answered.pk)
    # Content, scores, peers, the decisions page (actions, plans, calls), the regulatory status,
    # evidence: a fixed set.
    with django_assert_max_num_queries(18):
        render_report_html(assessment)


# --- who gets it ------------------------------------------------------------------------------

# Who may download the hospital's report.
ALLOWED = {"rssi", "director", "ght_lead", "ars", "national"}
REFUSED = {"other_rssi", "other_ars"}


@pytest.mark.parametrize("person", sorted(ALLOWED | REFUSED))
def test_report_download_per_role(client, world, campaign, person):
    client.force_login(getattr(world, person))
    response = client.get(f"/assessments/{campaign.hospital.pk}/report.pdf")
    if person in ALLOWED:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert f"rapport-care-2025-{world.hospital.finess}.pdf" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
    else:
        assert response.status_code == 404
        assert world.hospital.name.encode() not in response.content


def test_report_outside_scope_is_404_like_a_missing_one(client, world, campaign):
    client.force_login(world.rssi)
    outside = client.get(f"/assessments/{campaign.other_hospital.pk}/report.pdf")
    missing = client.get("/assessments/999999/report.pdf")
    assert outside.status_code == missing.status_code == 404


def test_report_needs_signing_in(client, campaign):
    response = client.get(f"/assessments/{campaign.hospital.pk}/report.pdf")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- command and fetching ---------------------------------------------------------------------


def test_render_report_command_writes_the_pdf(world, answered, tmp_path):
    target = tmp_path / "rapport.pdf"
    call_command("render_report", world.hospital.finess, year=2025, output=str(target))
    assert world.hospital.name in pdf_text(target.read_bytes(), page=1)
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.pdf"]


def test_render_report_command_refuses_unknown_establishment_or_year(world, campaign, tmp_path):
    with pytest.raises(CommandError, match="Aucun établissement"):
        call_command("render_report", "999999999", year=2025, output=str(tmp_path / "r.pdf"))
    with pytest.raises(CommandError, match="pas d'auto-évaluation pour la campagne 2019"):
        call_command(
            "render_report", world.hospital.finess, year=2019, output=str(tmp_path / "r.pdf")
        )
    assert not list(tmp_path.iterdir())


def test_rendering_never_reaches_the_network(tmp_path):
    fetcher = LocalFontsOnly(font_directory())
    with pytest.raises(ValueError, match="Refused"):
        fetcher.fetch("https://example.org/font.woff2")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    with pytest.raises(ValueError, match="Refused"):
        fetcher.fetch(outside.as_uri())
    font = fetcher.fetch((Path(font_directory()) / "Marianne-Regular.woff2").as_uri())
    assert font.read()[:4] == b"wOF2"


def test_report_of_an_unanswered_medico_social_assessment(world, campaign):
    """No answer yet, no GHT, no GHT-level item: every section still reads."""
    world.nursing_home.name = 'EHPAD "Les Tilleuls" \\ Villeurbanne'
    world.nursing_home.save()
    assessment = Assessment.objects.get(pk=campaign.nursing_home.pk)
    text = pdf_text(render_report_pdf(assessment))
    assert 'Rapport d\'écarts CaRE 2025 — EHPAD "Les Tilleuls" \\ Villeurbanne' in text
    assert "Aucun" in between(text, "GHT", "Région")
    summary = between(text, "1. Synthèse", "2. Plan d'action")
    assert "0 %" in summary
    # Domain 1 is only GHT-level here: left out rather than shown empty.
    assert "Score par domaine technique : D3 0 %." in summary
    plan = between(text, "2. Plan d'action", "3. Détail par axe")
    assert codes_in_order(plan, ["GOV-RSSI", "GOV-COMITE", "OG-EXERCICE"]) == [
        "GOV-RSSI",
        "GOV-COMITE",
        "OG-EXERCICE",
    ]
    assert "BUDGET" not in text  # health establishments only
    assert "Aucune pièce justificative" in text


def test_member_report_shows_the_ght_level_answers_of_the_support(world, campaign):
    save_answers(
        assessment=campaign.hospital,
        answers={"GHT-CONVERGENCE": True},
        expected_version=0,
        user=world.ght_lead,
    )
    clinic = Assessment.objects.get(pk=campaign.clinic.pk)
    annex = between(pdf_text(render_report_pdf(clinic)), "Annexe A", "Annexe B")
    line = next(line for line in annex.splitlines() if "Réponse" in line and "Oui" in line)
    assert "Atteint" in line
    assert "GHT-CONVERGENCE (niveau GHT)" in annex
