"""Version-2 scoring: the CaRE-targets score beside the maturity score, ARS-recorded items, peers
and trend on transmitted assessments only."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Assessment, ScoreSnapshot
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.peers import peer_percentile, peer_position
from assessments.scoring.service import compute_result, refresh_snapshot
from establishments.models import Kind
from establishments.services import _registry_changed
from reports.content import build_report
from tests.conftest import login
from tests.factories import AssessmentFactory, EstablishmentFactory
from tests.scoring_v2 import answer_all, v2_assessment, v2_campaign, v2_referential, worst_answer

pytestmark = pytest.mark.django_db

REFERENCE = date(2026, 3, 1)


def best_answer(spec):
    rule = spec.rule
    kind = rule["type"]
    if kind == "level":
        return max(rule["choices"], key=lambda level: rule["choices"][level])
    return {
        "boolean": True,
        "tristate": "yes",
        "ratio_at_least": {"numerator": 50, "denominator": 100},
        "percent_at_least": 100,
        "within_days": "2026-01-15",
        "date": "2027-03-12",
        "person_named": {"name": "Claire Martin", "email": "claire.martin@example.fr"},
    }[kind]


def independent_scores(referential, kinds, met_codes):
    """The two scores recomputed from the stored requirements: 100 × met weight ÷ weight."""
    care = care_met = every = every_met = 0.0
    for requirement in referential.requirements.all():
        if not kinds & set(requirement.applies_to) or requirement.answered_by == "ars":
            continue
        if requirement.condition:  # follow-ups of an answer given "yes" are asked too
            parent = requirement.condition["requirement"]
            if parent not in met_codes:
                continue
        weight = requirement.weight
        met = requirement.code in met_codes
        every += weight
        every_met += weight * met
        if requirement.source in ("plan", "funding_call"):
            care += weight
            care_met += weight * met
    return 100 * care_met / care, 100 * every_met / every


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_two_scores_match_an_independent_count(world, data):
    referential = v2_referential()
    model = compiled_referential(referential.pk).model
    kinds = frozenset({"ES"})
    met_codes = set()

    def answer(spec):
        if data.draw(st.booleans(), label=spec.code):
            met_codes.add(spec.code)
            return best_answer(spec)
        return worst_answer(spec)

    answers = model.answer_asked(answer, kinds=kinds)
    result = model.score(answers, kinds=kinds, reference_date=REFERENCE)
    care, maturity = independent_scores(referential, kinds, met_codes)
    assert result.scores["care"] == pytest.approx(care)
    assert result.scores["global"] == pytest.approx(maturity)
    assert "GOV-CPOM" not in answers


def test_version_one_keeps_its_one_score(world, campaign):
    result = compute_result(campaign.hospital)
    assert "care" not in result.scores
    assert all("source" not in gap.as_dict() for gap in result.gaps)


def test_the_api_gives_both_scores_and_each_gaps_source(client, world):
    assessment = v2_assessment(world.nursing_home)
    answer_all(assessment)
    login(client, world.national)
    body = client.get(f"/api/assessments/{assessment.pk}/").json()
    result = compute_result(assessment)
    assert body["scores"]["care"] == pytest.approx(result.score_care)
    assert body["scores"]["global"] == pytest.approx(result.score_global)
    assert {gap["source"] for gap in body["gaps"]} == {"plan", "portal"}
    stored = ScoreSnapshot.objects.get(assessment=assessment).view
    assert stored.score_care == pytest.approx(result.score_care)
    assert stored.two_scores


def test_the_status_page_leads_with_the_care_targets_score(client, world):
    assessment = v2_assessment(world.hospital)
    answer_all(assessment, user=world.rssi)
    login(client, world.rssi)
    html = client.get(f"/assessments/{assessment.pk}/status/").content.decode()
    assert html.index("Score cibles CaRE") < html.index("Score de maturité")
    assert "Les seules cibles du plan CaRE et objectifs des appels à financement." in html


def test_an_ars_recorded_item_is_never_a_gap_nor_a_missing_answer(world):
    # A hospital outside any GHT: everything it is asked, it answers.
    assessment = v2_assessment(EstablishmentFactory(department=world.hospital.department))
    answer_all(assessment)
    result = compute_result(assessment)
    assert result.recorded_by_ars == {"GOV-CPOM": "unanswered"}
    assert "GOV-CPOM" not in result.statuses
    assert "GOV-CPOM" not in {gap.requirement for gap in result.gaps}
    assert result.progress.answered == result.progress.total
    report = build_report(assessment)
    lines = [line for axis in report.axes for o in axis.objectives for line in o.lines]
    cpom = next(line for line in lines if line.code == "GOV-CPOM")
    assert cpom.recorded_by_ars


def test_the_rssi_cannot_answer_the_ars_item(client, world):
    assessment = v2_assessment(world.hospital)
    login(client, world.rssi)
    response = client.patch(
        f"/api/assessments/{assessment.pk}/answers/",
        {"version": 0, "answers": {"GOV-CPOM": True}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["answers"]["GOV-CPOM"].startswith("Exigence renseignée par l'ARS")
    assert not assessment.answers.exists()


def test_portal_items_are_never_overdue_and_say_they_have_no_deadline(world):
    assessment = v2_assessment(world.hospital)
    answer_all(assessment, user=world.rssi)
    report = build_report(assessment)
    portal = report.portal_gaps
    assert portal and all(gap.severity != "overdue" for gap in portal)
    has = next(gap for gap in portal if gap.code == "GOV-CERTIFICATION-HAS")
    assert has.source_badge == "Recommandation du portail"
    assert has.deadline_text == "sans échéance"
    assert all(gap.source in ("plan", "funding_call") for gap in report.care_gaps)
    overdue = [gap for gap in report.gaps if gap.severity == "overdue"]
    assert overdue and all(gap.is_care_target for gap in overdue)


def test_an_ehpad_report_shows_no_hospital_target(world):
    assessment = v2_assessment(world.nursing_home)
    answer_all(assessment)
    labels = {line.label for line in build_report(assessment).headlines}
    targets = {t["label"]: t["kinds"] for t in assessment.campaign.referential.headline_targets}
    assert labels == {label for label, kinds in targets.items() if "ESSMS" in kinds}
    assert "Budget numérique et cybersécurité ≥ 2 % du budget global" not in labels


# --- peers and trend ----------------------------------------------------------------------------


def peer_world(world, count=5, *, status=Assessment.Status.SUBMITTED):
    campaign = v2_campaign()
    own = v2_assessment(world.hospital, campaign)
    peers = []
    for i in range(count):
        establishment = EstablishmentFactory(department=world.hospital.department)
        peer = AssessmentFactory(establishment=establishment, campaign=campaign, status=status)
        ScoreSnapshot.objects.create(
            assessment=peer, score_global=10.0 * (i + 1), score_care=5.0 * (i + 1)
        )
        peers.append(peer)
    refresh_snapshot(own)
    return own, peers


def test_a_draft_is_never_a_peer(world):
    own, peers = peer_world(world, status=Assessment.Status.DRAFT)
    assert peer_percentile(own).peers == 0
    position = peer_position(own)
    assert position.withheld == "too_few_peers"
    assert "auto-évaluations transmises ou validées" in position.reason


def test_peers_are_of_the_same_category_group(world):
    own, peers = peer_world(world)
    assert peer_percentile(own).peers == 5
    other = peers[0].establishment
    other.aggregated_category_code = "1301"
    other.save()
    _registry_changed()  # what a FINESS import or an admin edit tells, in its transaction
    assert peer_percentile(own).peers == 4
    assert "aucune tranche de taille" in peer_position(own).basis


def test_a_drafts_change_does_not_move_another_establishments_peer_figure(client, world):
    own, peers = peer_world(world, count=5)
    neighbour = v2_assessment(world.clinic, own.campaign)
    answer_all(neighbour, answer=worst_answer, user=None)
    login(client, world.rssi)
    before = client.get(f"/api/assessments/{own.pk}/").json()["peers"]
    # The neighbour's draft goes from every "no" to a 100 score: nobody's figure may move.
    ScoreSnapshot.objects.filter(assessment=neighbour).update(score_global=100.0)
    after = client.get(f"/api/assessments/{own.pk}/").json()["peers"]
    assert before == after
    assert before["count"] == 5


def test_the_trend_never_starts_from_a_draft(world, campaign):
    # The 2025 (version 1) assessment is a draft: no baseline, and the PDF says why.
    assessment = v2_assessment(world.hospital)
    answer_all(assessment, user=world.rssi)
    assert build_report(assessment).trend is None
    previous = campaign.hospital
    previous.status = Assessment.Status.VALIDATED
    previous.save()
    trend = build_report(assessment).trend
    assert trend.year == 2025
    assert trend.basis == "Comparé aux auto-évaluations transmises ou validées."
    assert [line.label for line in trend.lines[:2]] == ["Score cibles CaRE", "Score de maturité"]
    assert trend.lines[0].previous is None  # version 1 has no CaRE-targets score


def test_kinds_of_an_ehpad_are_essms(world):
    assert world.nursing_home.kind == Kind.ESSMS


def test_the_form_shows_the_ars_item_read_only(client, world):
    assessment = v2_assessment(world.hospital)
    login(client, world.rssi)
    html = client.get(f"/assessments/{assessment.pk}/?step=1").content.decode()
    section = html[html.index('id="req-GOV-CPOM"') :]
    section = section[: section.index("</section>")]
    assert "Non renseigné par l'ARS" in section or "Non renseigné par l&#x27;ARS" in section
    assert "<fieldset" not in section
    assert "Cible CaRE 2-2" in section
