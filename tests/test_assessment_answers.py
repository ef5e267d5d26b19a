"""Saving answers: validation, version check, all or nothing, history, snapshot, GHT-level items."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from assessments.answers import AnswersRejected, AssessmentLocked, StaleVersion, save_answers
from assessments.models import Answer, Assessment, ScoreSnapshot
from assessments.scoring.service import compute_result
from establishments.models import Role
from tests.answers import given_by_ght_lead
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

RSSI = {"name": "Claire Martin", "email": "claire.martin@ch-villefranche.fr"}


def stored(assessment) -> dict:
    return {
        a.requirement.code: a.value
        for a in Answer.objects.filter(assessment=assessment).select_related("requirement")
    }


def test_save_writes_answers_bumps_version_and_stores_the_snapshot(world, campaign):
    assessment = campaign.hospital
    result = save_answers(
        assessment=assessment,
        answers={"GOV-RSSI": RSSI, "GOV-COMITE": "partial", "D3-BASTION": "not_applicable"},
        expected_version=0,
        user=world.rssi,
    )
    assert stored(assessment) == {
        "GOV-RSSI": RSSI,
        "GOV-COMITE": "partial",
        "D3-BASTION": "not_applicable",
    }
    assessment.refresh_from_db()
    assert assessment.version == 1
    snapshot = ScoreSnapshot.objects.get(assessment=assessment)
    # (3·1 + 2·0.5) out of 3 + 2 + 3 + 3 + 2 (GHT-CONVERGENCE: the hospital is in a GHT)
    assert snapshot.score_global == pytest.approx(100 * 4 / 13)
    assert snapshot.score_global == result.score_global
    assert (snapshot.count_met, snapshot.count_partial, snapshot.count_not_applicable) == (1, 1, 1)
    assert snapshot.count_unanswered == 3
    assert snapshot.hl_rssi is True
    assert snapshot.hl_governance is False
    assert snapshot.score_d3 is None
    assert snapshot.detail["scores"] == compute_result(assessment).scores
    # Dashboards and reminders read the detail: keep its shape.
    assert set(snapshot.detail) == {
        "reference_date",
        "scores",
        "statuses",
        "gaps",
        "headline",
        "counts",
    }
    assert snapshot.detail["statuses"]["GOV-COMITE"] == "partial"
    assert snapshot.detail["gaps"][-1] == {
        "requirement": "GOV-COMITE",
        "status": "partial",
        "severity": result.gaps[-1].severity,
        "deadline": "2025-06-30",
    }
    assert Answer.objects.get(assessment=assessment, requirement__code="GOV-RSSI").updated_by == (
        world.rssi
    )


def test_answers_are_normalized(world, campaign):
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-RSSI": {"name": " Claire  Martin ", "email": " c.martin@ch.fr "}},
        expected_version=0,
        user=world.rssi,
    )
    assert stored(campaign.hospital) == {
        "GOV-RSSI": {"name": "Claire Martin", "email": "c.martin@ch.fr"}
    }


def test_every_change_is_kept_in_history_and_unchanged_answers_are_not_rewritten(world, campaign):
    assessment = campaign.hospital
    save_answers(
        assessment=assessment,
        answers={"GOV-COMITE": "no", "D3-BASTION": True},
        expected_version=0,
        user=world.rssi,
    )
    save_answers(
        assessment=assessment,
        answers={"GOV-COMITE": "yes", "D3-BASTION": True},
        expected_version=1,
        user=world.rssi,
    )
    save_answers(
        assessment=assessment, answers={"GOV-COMITE": None}, expected_version=2, user=world.rssi
    )
    comite = Answer.objects.get(assessment=assessment, requirement__code="GOV-COMITE")
    assert [h.value for h in comite.history.order_by("history_date")] == ["no", "yes", None]
    assert {h.history_user for h in comite.history.all()} == {world.rssi}
    bastion = Answer.objects.get(assessment=assessment, requirement__code="D3-BASTION")
    assert bastion.history.count() == 1
    assert compute_result(assessment).statuses["GOV-COMITE"] == "unanswered"


def test_stale_version_writes_nothing(world, campaign):
    assessment = campaign.hospital
    save_answers(
        assessment=assessment, answers={"GOV-COMITE": "no"}, expected_version=0, user=world.rssi
    )
    before = ScoreSnapshot.objects.get(assessment=assessment).computed_at
    with pytest.raises(StaleVersion) as excinfo:
        save_answers(
            assessment=assessment,
            answers={"GOV-COMITE": "yes", "D3-BASTION": True},
            expected_version=0,
            user=world.rssi,
        )
    assert excinfo.value.current_version == 1
    assert stored(assessment) == {"GOV-COMITE": "no"}
    assert Assessment.objects.get(pk=assessment.pk).version == 1
    assert ScoreSnapshot.objects.get(assessment=assessment).computed_at == before


def test_bad_answers_are_all_reported_and_nothing_is_written(world, campaign):
    assessment = campaign.hospital
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    with pytest.raises(AnswersRejected) as excinfo:
        save_answers(
            assessment=assessment,
            answers={
                "GOV-COMITE": "yes",  # valid, yet not written either
                "BUDGET": {"numerator": 3_000_000, "denominator": 1_000_000},
                "EXERCICE": future,
                "GOV-RSSI": {"name": "Claire", "email": "pas-une-adresse"},
                "GOV-COMITE-BIS": True,
                "OG-EXERCICE": True,
                "BUDGET-NA": None,
            },
            expected_version=0,
            user=world.rssi,
        )
    errors = excinfo.value.errors
    assert set(errors) == {
        "BUDGET",
        "EXERCICE",
        "GOV-RSSI",
        "GOV-COMITE-BIS",
        "OG-EXERCICE",
        "BUDGET-NA",
    }
    assert "dépasse le total" in errors["BUDGET"]
    assert "futur" in errors["EXERCICE"]
    assert "adresse e-mail" in errors["GOV-RSSI"]
    assert "inconnue" in errors["GOV-COMITE-BIS"]
    assert "ne s'applique pas" in errors["OG-EXERCICE"]
    assert not Answer.objects.filter(assessment=assessment).exists()
    assert Assessment.objects.get(pk=assessment.pk).version == 0
    assert not ScoreSnapshot.objects.filter(assessment=assessment).exists()


def test_not_applicable_refused_where_not_allowed(world, campaign):
    with pytest.raises(AnswersRejected) as excinfo:
        save_answers(
            assessment=campaign.hospital,
            answers={"GOV-COMITE": "not_applicable"},
            expected_version=0,
            user=world.rssi,
        )
    assert "non applicable" in excinfo.value.errors["GOV-COMITE"]


def test_submitted_assessment_is_read_only(world, campaign):
    assessment = campaign.hospital
    Assessment.objects.filter(pk=assessment.pk).update(status=Assessment.Status.SUBMITTED)
    with pytest.raises(AssessmentLocked):
        save_answers(
            assessment=assessment,
            answers={"GOV-COMITE": "yes"},
            expected_version=0,
            user=world.rssi,
        )
    assert not Answer.objects.exists()


@pytest.mark.parametrize("person", ["director", "ars", "national", "other_rssi"])
def test_only_the_rssi_and_the_ght_lead_write(world, campaign, person):
    with pytest.raises(PermissionDenied):
        save_answers(
            assessment=campaign.hospital,
            answers={"GOV-COMITE": "yes"},
            expected_version=0,
            user=getattr(world, person),
        )
    assert not Answer.objects.exists()


def test_ght_level_answers_live_on_the_support_and_score_every_member(world, campaign):
    # The GHT lead answers the GHT-level item on the support establishment's assessment.
    save_answers(
        assessment=campaign.hospital,
        answers={"GHT-CONVERGENCE": True},
        expected_version=0,
        user=world.ght_lead,
    )
    clinic_result = compute_result(campaign.clinic)
    assert clinic_result.statuses["GHT-CONVERGENCE"] == "met"
    assert clinic_result.domains["D1"] == 100
    # The member's stored snapshot follows without any write on its own assessment.
    assert ScoreSnapshot.objects.get(assessment=campaign.clinic).score_d1 == 100
    assert Assessment.objects.get(pk=campaign.clinic.pk).version == 0
    # Establishments outside the GHT neither see nor score it.
    assert "GHT-CONVERGENCE" not in compute_result(campaign.nursing_home).statuses


def test_ght_level_item_is_refused_on_a_member_assessment(world, campaign):
    clinic_rssi = user_with_role(Role.RSSI, world.clinic)
    with pytest.raises(AnswersRejected) as excinfo:
        save_answers(
            assessment=campaign.clinic,
            answers={"GHT-CONVERGENCE": True},
            expected_version=0,
            user=clinic_rssi,
        )
    assert "établissement support" in excinfo.value.errors["GHT-CONVERGENCE"]


def test_ght_lead_writes_only_ght_level_items(world, campaign):
    with pytest.raises(AnswersRejected) as excinfo:
        save_answers(
            assessment=campaign.hospital,
            answers={"GHT-CONVERGENCE": True, "GOV-COMITE": "yes"},
            expected_version=0,
            user=world.ght_lead,
        )
    assert set(excinfo.value.errors) == {"GOV-COMITE"}
    assert "RSSI" in excinfo.value.errors["GOV-COMITE"]


def test_a_save_takes_a_bounded_number_of_queries(world, campaign, django_assert_max_num_queries):
    answers = {
        "GOV-RSSI": RSSI,
        "GOV-COMITE": "yes",
        "EXERCICE": timezone.localdate().isoformat(),
        "BUDGET": {"numerator": 20, "denominator": 1000},
        "GHT-CONVERGENCE": False,
        "D3-BASTION": True,
    }
    given_by_ght_lead(campaign.hospital, answers)  # sent back unchanged by the RSSI below
    compute_result(campaign.hospital)  # the referential is compiled once per process
    with django_assert_max_num_queries(24):
        save_answers(
            assessment=campaign.hospital, answers=answers, expected_version=0, user=world.rssi
        )
    # Everything met but the GHT-level item (weight 2 of 14).
    assert compute_result(campaign.hospital).score_global == pytest.approx(100 * 12 / 14)
