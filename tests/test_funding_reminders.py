"""Reminders of the funding calls' stages: who is told, once per stage, in French, opt-out."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from establishments.models import Role
from followup.models import EmailOptOut, Notification, NotificationKind
from funding.models import Candidacy
from tests.factories import CandidacyFactory, FundingCallFactory, funding_stages, user_with_role

pytestmark = pytest.mark.django_db
Stage = Candidacy.Stage
Kind = NotificationKind


@pytest.fixture
def call(campaign):
    # The instruction closes on 15 May, the declaration on 30 June 2026.
    return FundingCallFactory(
        referential=campaign.campaign.referential,
        code="D2",
        title="Continuité et reprise d'activité",
        stages=funding_stages(instruction=(None, "2026-05-15"), declaration=(None, "2026-06-30")),
    )


@pytest.fixture
def candidacies(world, call):
    """The world's GHT validated (to declare), the nursing home declared (to sign), a legal
    entity of the other region submitted (to instruct) and one of the region too."""
    ght = CandidacyFactory(
        call=call,
        establishment=world.hospital,
        ght=world.ght,
        finess_ej=world.hospital.finess_ej,
        region=world.region,
        stage=Stage.VALIDATED,
    )
    home = CandidacyFactory(call=call, establishment=world.nursing_home, stage=Stage.DECLARED)
    user_with_role(Role.DIRECTOR, world.nursing_home, email="direction.ehpad@example.fr")
    CandidacyFactory(call=call, establishment=world.clinic, ght=None, stage=Stage.SUBMITTED)
    CandidacyFactory(call=call, establishment=world.other_hospital, stage=Stage.SUBMITTED)
    return ght, home


def run(day: str) -> str:
    out = StringIO()
    call_command("send_reminders", "--date", day, stdout=out)
    return out.getvalue()


def told(kind) -> dict[str, str]:
    return {
        n.recipient.email: n.text
        for n in Notification.objects.filter(kind=kind).select_related("recipient")
    }


def test_the_declaration_closing_tells_who_declares_and_who_signs_once(
    world, candidacies, mailoutbox
):
    assert "Étape d’un appel à financement bientôt close : 0 mis en file" in run("2026-06-15")
    assert not told(Kind.FUNDING_STAGE)  # 15 days before: not yet
    text = run("2026-06-16")
    assert "Étape d’un appel à financement bientôt close : 3 mis en file, 0 déjà envoyés" in text
    notices = told(Kind.FUNDING_STAGE)
    assert set(notices) == {"rssi@example.fr", "ght@example.fr", "direction.ehpad@example.fr"}
    assert "Déclarez l’atteinte des objectifs" in notices["rssi@example.fr"]
    assert "se termine le 30 juin 2026" in notices["rssi@example.fr"]
    assert "attend votre signature" in notices["direction.ehpad@example.fr"]
    # The director of the GHT's support establishment does not sign yet; the ARS is not told.
    assert "direction@example.fr" not in notices
    subjects = sorted(m.subject for m in mailoutbox)
    assert subjects.count("CaRE — Étape d’un appel à financement bientôt close") == 3
    # Once per stage: the next days tell nobody again.
    assert "bientôt close : 0 mis en file, 3 déjà envoyés" in run("2026-06-20")
    assert Notification.objects.filter(kind=Kind.FUNDING_STAGE).count() == 3
    # After the closing day, nothing.
    Notification.objects.all().delete()
    assert "bientôt close : 0 mis en file, 0 déjà envoyés" in run("2026-07-01")


def test_the_ars_hears_before_its_instruction_window_ends(world, candidacies, mailoutbox):
    run("2026-05-01")
    notices = told(Kind.FUNDING_INSTRUCT)
    assert set(notices) == {"ars@example.fr", "ars-idf@example.fr"}
    assert notices["ars@example.fr"] == (
        "Appel D2 (Continuité et reprise d'activité) : l’instruction se termine le 15 mai 2026 ; "
        "1 candidature de la région Auvergne-Rhône-Alpes attend votre décision."
    )
    assert "Île-de-France" in notices["ars-idf@example.fr"]
    run("2026-05-10")
    assert Notification.objects.filter(kind=Kind.FUNDING_INSTRUCT).count() == 2


def test_an_opt_out_keeps_the_notice_in_the_portal_and_stops_the_email(
    world, candidacies, mailoutbox
):
    EmailOptOut.objects.create(person=world.rssi, kind=Kind.FUNDING_STAGE)
    run("2026-06-16")
    assert "rssi@example.fr" in told(Kind.FUNDING_STAGE)
    assert "rssi@example.fr" not in {m.to[0] for m in mailoutbox}
    assert "ght@example.fr" in {m.to[0] for m in mailoutbox}


def test_stages_without_a_closing_day_and_dry_runs_tell_nobody(world, call, candidacies):
    call.stages = funding_stages()
    call.save()
    run("2026-06-16")
    assert not Notification.objects.filter(kind__startswith="funding").exists()
    call.stages = funding_stages(declaration=(None, "2026-06-30"))
    call.save()
    out = StringIO()
    call_command("send_reminders", "--date", "2026-06-16", "--dry-run", stdout=out)
    assert "bientôt close : 3 à envoyer" in out.getvalue()
    assert not Notification.objects.exists()
