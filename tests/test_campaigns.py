"""Opening a campaign (idempotent, limited to a region) and carrying last year's answers over."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assessments.answers import save_answers
from assessments.campaigns import (
    CampaignError,
    CarryOverError,
    carry_over_answers,
    open_campaign,
)
from assessments.models import Answer, Assessment, Campaign, ScoreSnapshot
from audit.models import AuditEvent
from referential.models import ReferentialVersion
from tests.answers import complete_answers, given_by_ght_lead
from tests.campaigns import build_campaign
from tests.factories import EstablishmentFactory, ReferentialVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def referential(db):
    return ReferentialVersionFactory(code="CARE", version=1)


def run(*args) -> str:
    out = StringIO()
    call_command("open_campaign", *args, stdout=out)
    return out.getvalue()


def test_opens_one_assessment_per_active_establishment(world, referential):
    EstablishmentFactory(department=world.hospital.department, is_active=False)
    output = run("--year", "2026", "--referential", "CARE:1")
    campaign = Campaign.objects.get(year=2026)
    assert campaign.referential == referential
    assert (campaign.opens_on, campaign.closes_on)[1] == date(2026, 12, 31)
    opened = set(campaign.assessments.values_list("establishment__name", flat=True))
    assert opened == {
        "Centre hospitalier de Villefranche",
        "Hôpital de Tarare",
        "EHPAD Les Tilleuls",
        "Hôpital Lariboisière Test",
    }
    assert set(campaign.assessments.values_list("status", "version")) == {("draft", 0)}
    # Every new assessment has its snapshot, so dashboards count it from the start.
    assert ScoreSnapshot.objects.filter(assessment__campaign=campaign).count() == 4
    assert "Campagne 2026 créée" in output
    assert "4 auto-évaluation(s) créée(s), 0 déjà ouverte(s)" in output
    assert AuditEvent.objects.filter(action="campaign_open").count() == 1


def test_running_twice_creates_nothing_new(world, referential):
    run("--year", "2026", "--referential", "CARE")
    ids = set(Assessment.objects.values_list("pk", flat=True))
    output = run("--year", "2026", "--referential", "CARE")
    assert set(Assessment.objects.values_list("pk", flat=True)) == ids
    assert "0 auto-évaluation(s) créée(s), 4 déjà ouverte(s)" in output
    assert Campaign.objects.count() == 1
    assert AuditEvent.objects.filter(action="campaign_open").count() == 1


def test_region_limits_the_assessments_opened(world, referential):
    output = run("--year", "2026", "--referential", "CARE:1", "--region", "11")
    campaign = Campaign.objects.get(year=2026)
    assert list(campaign.assessments.values_list("establishment", flat=True)) == [
        world.other_hospital.pk
    ]
    assert "1 auto-évaluation(s) créée(s)" in output
    # Another region joins the same campaign later.
    result = open_campaign(year=2026, referential=referential, region=world.region)
    assert result.created == 3
    assert campaign.assessments.count() == 4


def test_dates_and_refusals(world, referential):
    result = open_campaign(
        year=2026,
        referential=referential,
        opens_on=date(2026, 1, 15),
        closes_on=date(2026, 6, 30),
    )
    assert (result.campaign.opens_on, result.campaign.closes_on) == (
        date(2026, 1, 15),
        date(2026, 6, 30),
    )
    other = ReferentialVersionFactory(code="CARE", version=2)
    with pytest.raises(CampaignError, match="existe déjà avec le référentiel CARE:1"):
        open_campaign(year=2026, referential=other)
    draft = ReferentialVersionFactory(
        code="CARE", version=3, status=ReferentialVersion.Status.DRAFT
    )
    with pytest.raises(CampaignError, match="n'est pas publié"):
        open_campaign(year=2027, referential=draft)
    with pytest.raises(CommandError, match="Référentiel introuvable"):
        run("--year", "2027", "--referential", "NOPE")
    with pytest.raises(CommandError, match="Région inconnue"):
        run("--year", "2027", "--referential", "CARE:1", "--region", "99")
    with pytest.raises(CommandError, match="ouverture doit précéder"):
        run("--year", "2027", "--referential", "CARE:1", "--opens-on", "2027-12-01",
            "--closes-on", "2027-01-01")  # fmt: skip
    assert not Campaign.objects.filter(year=2027).exists()


def test_opening_copies_no_answer(world, campaign):
    save_answers(
        assessment=campaign.hospital,
        answers=given_by_ght_lead(campaign.hospital, complete_answers()),
        expected_version=0,
        user=world.rssi,
    )
    open_campaign(year=2026, referential=campaign.campaign.referential)
    new = Assessment.objects.get(campaign__year=2026, establishment=world.hospital)
    assert not Answer.objects.filter(assessment=new).exists()


# --- carrying answers over ------------------------------------------------------------------


@pytest.fixture
def two_years(world):
    """2024 answered for the hospital; 2025 opened, still empty."""
    last_year = build_campaign(world, year=2024)
    save_answers(
        assessment=last_year.hospital,
        answers=given_by_ght_lead(
            last_year.hospital, complete_answers() | {"GOV-COMITE": "partial"}
        ),
        expected_version=0,
        user=world.rssi,
    )
    return last_year, build_campaign(world, year=2025)


def test_offer_shown_on_an_assessment_without_answers(client, world, two_years):
    _last, current = two_years
    client.force_login(world.rssi)
    page = client.get(f"/assessments/{current.hospital.pk}/status/").content.decode()
    assert "Reprendre les réponses de 2024" in page
    # Not offered to whoever cannot edit, nor where there is nothing to take.
    client.force_login(world.director)
    page = client.get(f"/assessments/{current.hospital.pk}/status/").content.decode()
    assert "Reprendre les réponses" not in page
    client.force_login(world.rssi)
    page = client.get(f"/assessments/{_last.hospital.pk}/status/").content.decode()
    assert "Reprendre les réponses" not in page


def test_carry_over_copies_through_save_answers(client, world, two_years):
    last, current = two_years
    assessment = current.hospital
    client.force_login(world.rssi)
    response = client.post(f"/assessments/{assessment.pk}/carry-over/", {"version": 0}, follow=True)
    assert "7 réponses reprises de la campagne 2024" not in response.content.decode()
    # The GHT-level answer is the GHT lead's to carry over, not the RSSI's.
    assert "5 réponses reprises de la campagne 2024" in response.content.decode()
    assert "GHT-CONVERGENCE (exigence de niveau GHT" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.version == 1
    copied = dict(
        Answer.objects.filter(assessment=assessment).values_list("requirement__code", "value")
    )
    assert copied["GOV-COMITE"] == "partial"
    assert copied["GOV-RSSI"]["name"] == "Claire Martin"
    history = Answer.history.filter(assessment_id=assessment.pk)
    assert history.count() == 5
    assert {h.history_user_id for h in history} == {world.rssi.pk}
    # The 2024 answers are untouched.
    assert Answer.objects.filter(assessment=last.hospital).count() == 6
    # Once answered, nothing more is offered, and a second copy is refused.
    page = client.get(f"/assessments/{assessment.pk}/status/").content.decode()
    assert "Reprendre les réponses" not in page
    with pytest.raises(CarryOverError, match="déjà des réponses"):
        carry_over_answers(assessment=assessment, user=world.rssi, expected_version=1)


def test_carry_over_leaves_out_what_no_longer_fits(world, two_years):
    _last, current = two_years
    # The new referential drops one requirement and tightens the governance committee's choices.
    current.requirements["BUDGET"].delete()
    comite = current.requirements["GOV-COMITE"]
    comite.rule = {"type": "boolean"}
    comite.answer_type = "boolean"
    comite.save()
    result = carry_over_answers(assessment=current.hospital, user=world.rssi, expected_version=0)
    assert "BUDGET" in result.skipped
    assert "GOV-COMITE" in result.skipped
    assert "GHT-CONVERGENCE" in result.skipped  # the GHT lead's
    assert result.copied == ["D3-BASTION", "EXERCICE", "GOV-RSSI"]


def test_carry_over_is_scoped_and_refused_to_others(client, world, two_years):
    _last, current = two_years
    url = f"/assessments/{current.hospital.pk}/carry-over/"
    client.force_login(world.other_rssi)
    assert client.post(url, {"version": 0}).status_code == 404
    client.force_login(world.director)
    assert client.post(url, {"version": 0}).status_code == 403
    assert not Answer.objects.filter(assessment=current.hospital).exists()


def test_carry_over_with_a_stale_version_writes_nothing(client, world, two_years):
    _last, current = two_years
    client.force_login(world.rssi)
    response = client.post(
        f"/assessments/{current.hospital.pk}/carry-over/", {"version": 3}, follow=True
    )
    assert "rien n&#x27;a été repris" in response.content.decode()
    assert not Answer.objects.filter(assessment=current.hospital).exists()
