"""Where an establishment stands in the funding calls (`funding.services.calls_of`)."""

from __future__ import annotations

from datetime import date

import pytest

from funding.models import Candidacy
from funding.services import calls_of
from tests.factories import CandidacyFactory, FundingCallFactory, funding_stages

Stage = Candidacy.Stage


@pytest.fixture
def call(campaign):
    return FundingCallFactory(
        referential=campaign.campaign.referential,
        code="D2",
        stages=funding_stages(
            candidacy=("2026-01-05", "2026-02-27"),
            instruction=("2026-03-02", "2026-04-30"),
            declaration=("2026-05-04", None),
        ),
    )


@pytest.mark.django_db
def test_members_of_a_ght_see_their_ghts_candidacy_and_the_next_deadline(world, campaign, call):
    CandidacyFactory(
        call=call,
        establishment=world.hospital,
        ght=world.ght,
        finess_ej=world.hospital.finess_ej,
        region=world.region,
    )
    for establishment in (world.hospital, world.clinic):
        (standing,) = calls_of(establishment, campaign.campaign)
        assert (standing.call.code, standing.stage) == ("D2", Stage.SUBMITTED)
        assert standing.stage_label == "Candidature déposée"
        # Submitted: the ARS instructs next, until the instruction window closes.
        assert standing.next_stage["code"] == "instruction"
        assert standing.next_closes_on == date(2026, 4, 30)
    # The nursing home has no GHT and did not apply.
    assert calls_of(world.nursing_home, campaign.campaign) == []


@pytest.mark.django_db
def test_a_legal_entity_candidacy_and_stages_without_dates_or_left(world, campaign, call):
    candidacy = CandidacyFactory(call=call, establishment=world.nursing_home, stage=Stage.VALIDATED)
    (standing,) = calls_of(world.nursing_home, campaign.campaign)
    assert standing.next_stage["code"] == "declaration"
    assert standing.next_closes_on is None  # no closing date published
    candidacy.stage = Stage.PAID
    candidacy.save()
    (standing,) = calls_of(world.nursing_home, campaign.campaign)
    assert (standing.next_stage, standing.next_closes_on) == (None, None)
    # Calls of another referential version are not the campaign's.
    other = FundingCallFactory(code="D1")
    CandidacyFactory(call=other, establishment=world.nursing_home)
    assert [s.call.code for s in calls_of(world.nursing_home, campaign.campaign)] == ["D2"]
