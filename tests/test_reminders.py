"""Periodic e-mail reminders: who gets which, once per period, in French, with the link to act."""

import datetime
import signal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from assessments.answers import save_answers
from assessments.models import Assessment
from assessments.scoring.service import refresh_snapshot
from establishments.models import Role
from followup.models import ReminderKind, ReminderLog
from followup.services import run_reminders
from tests.factories import user_with_role

CLOSES_ON = datetime.date(2025, 7, 31)
DEADLINE = datetime.date(2025, 6, 30)  # every requirement of the test referential


@pytest.fixture
def followup(world, campaign, settings):
    """The 2025 campaign closing on 31 July: the hospital drafting (the RSSI named), the clinic
    submitted, the nursing home validated, the hospital of the other region not started."""
    settings.CARE_BASE_URL = "https://care.example.fr"
    c = campaign.campaign
    c.opens_on, c.closes_on = datetime.date(2025, 1, 6), CLOSES_ON
    c.save()
    save_answers(
        assessment=campaign.hospital,
        answers={"GOV-RSSI": {"name": "Jeanne Dupont", "email": "jeanne@ch.fr"}},
        expected_version=0,
        user=world.rssi,
    )
    Assessment.objects.filter(pk=campaign.clinic.pk).update(
        status=Assessment.Status.SUBMITTED,
        submitted_at=timezone.make_aware(datetime.datetime(2025, 6, 2, 14, 30)),
        submitted_by=world.rssi,
    )
    Assessment.objects.filter(pk=campaign.nursing_home.pk).update(
        status=Assessment.Status.VALIDATED
    )
    for assessment in (campaign.clinic, campaign.nursing_home, campaign.other_hospital):
        assessment.refresh_from_db()
        refresh_snapshot(assessment)
    campaign.clinic_rssi = user_with_role(Role.RSSI, world.clinic, email="rssi.tarare@example.fr")
    campaign.clinic_director = user_with_role(
        Role.DIRECTOR, world.clinic, email="direction.tarare@example.fr"
    )
    campaign.home_rssi = user_with_role(
        Role.RSSI, world.nursing_home, email="rssi.ehpad@example.fr"
    )
    return campaign


def _sent(mailoutbox, kind_word=None):
    return sorted(
        (m.to[0], m.subject) for m in mailoutbox if kind_word is None or kind_word in m.subject
    )


def _recipients(mailoutbox, kind_word):
    return sorted(m.to[0] for m in mailoutbox if kind_word in m.subject)


# --- Campaign closing -------------------------------------------------------------------------


@pytest.mark.django_db
def test_rssis_who_have_not_submitted_are_reminded_thirty_days_before_closing(followup, mailoutbox):
    run_reminders(today=datetime.date(2025, 7, 1))
    # The hospital (draft) and the other region's hospital (not started) are reminded; the
    # clinic (submitted) and the nursing home (validated) are not.
    assert _recipients(mailoutbox, "clôture") == ["autre@example.fr", "rssi@example.fr"]
    message = next(m for m in mailoutbox if m.to == ["rssi@example.fr"])
    assert message.subject == (
        "Campagne CaRE 2025 : clôture dans 30 jours — Centre hospitalier de Villefranche"
    )
    link = f"https://care.example.fr/assessments/{followup.hospital.pk}/status/"
    assert "n’a pas encore été transmise" in message.body
    assert "31 juillet 2025" in message.body
    assert link in message.body
    assert "&#x27;" not in message.body and "&amp;" not in message.body  # plain text, unescaped
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "<strong>Centre hospitalier de Villefranche</strong>" in html
    log = ReminderLog.objects.get(
        person=followup.hospital.establishment.role_assignments.get(role=Role.RSSI).user,
        kind=ReminderKind.CAMPAIGN_CLOSING,
    )
    assert log.period == "J-30" and log.sent_at is not None


@pytest.mark.django_db
def test_closing_reminders_come_once_per_threshold_across_reruns(followup, mailoutbox):
    run_reminders(today=datetime.date(2025, 6, 30))  # 31 days left: not yet
    assert _recipients(mailoutbox, "clôture") == []
    for day in (1, 1, 2, 15, 23):  # J-30 … J-8: the same period
        run_reminders(today=datetime.date(2025, 7, day))
    assert _recipients(mailoutbox, "clôture") == ["autre@example.fr", "rssi@example.fr"]
    mailoutbox.clear()
    run_reminders(today=datetime.date(2025, 7, 24))  # J-7
    run_reminders(today=datetime.date(2025, 7, 24))
    run_reminders(today=datetime.date(2025, 7, 30))
    assert _sent(mailoutbox, "clôture") == [
        (
            "autre@example.fr",
            "Campagne CaRE 2025 : clôture dans 7 jours — Hôpital Lariboisière Test",
        ),
        (
            "rssi@example.fr",
            "Campagne CaRE 2025 : clôture dans 7 jours — Centre hospitalier de Villefranche",
        ),
    ]
    assert ReminderLog.objects.filter(kind=ReminderKind.CAMPAIGN_CLOSING).count() == 4


@pytest.mark.django_db
def test_a_late_first_run_sends_only_the_current_threshold(followup, mailoutbox):
    run_reminders(today=datetime.date(2025, 7, 28))
    assert {log.period for log in ReminderLog.objects.filter(kind="campaign_closing")} == {"J-7"}
    assert len(_recipients(mailoutbox, "clôture")) == 2


@pytest.mark.django_db
def test_no_campaign_reminder_once_submitted_or_after_closing(followup, world, mailoutbox):
    Assessment.objects.filter(pk=followup.hospital.pk).update(
        status=Assessment.Status.SUBMITTED, submitted_at=timezone.now()
    )
    run_reminders(today=datetime.date(2025, 7, 1))
    assert _recipients(mailoutbox, "clôture") == ["autre@example.fr"]
    mailoutbox.clear()
    run_reminders(today=datetime.date(2025, 8, 1))  # the campaign is closed
    assert _recipients(mailoutbox, "clôture") == []
    assert _recipients(mailoutbox, "Échéance") == []


@pytest.mark.django_db
def test_inactive_people_get_no_reminder(followup, world, mailoutbox):
    world.rssi.is_active = False
    world.rssi.save()
    run_reminders(today=datetime.date(2025, 7, 1))
    assert _recipients(mailoutbox, "clôture") == ["autre@example.fr"]


# --- Requirement deadlines --------------------------------------------------------------------


@pytest.mark.django_db
def test_rssis_are_told_of_gaps_due_within_thirty_days(followup, mailoutbox):
    run_reminders(today=datetime.date(2025, 6, 10))
    # Every assessment shows gaps due on 30 June, submitted or not; the campaign closes in 51
    # days, so no closing reminder yet.
    assert _recipients(mailoutbox, "clôture") == []
    assert _recipients(mailoutbox, "Échéance") == [
        "autre@example.fr",
        "rssi.ehpad@example.fr",
        "rssi.tarare@example.fr",
        "rssi@example.fr",
    ]
    hospital = next(m for m in mailoutbox if m.to == ["rssi@example.fr"])
    # GOV-RSSI is met; the other ES requirements are gaps, the GHT-level one too (the hospital
    # is the GHT's support establishment, which answers it); D3-BASTION and GOV-COMITE as well.
    assert hospital.subject == (
        "Échéance CaRE du 30/06/2025 : 5 exigences à traiter — Centre hospitalier de Villefranche"
    )
    assert "GOV-RSSI" not in hospital.body
    for code in ("GOV-COMITE", "EXERCICE", "BUDGET", "GHT-CONVERGENCE", "D3-BASTION"):
        assert code in hospital.body
    assert "30 juin 2025" in hospital.body and "dans 20 jours" in hospital.body
    assert "Recommandation : Mettre en place ce qui est demandé." in hospital.body
    assert f"https://care.example.fr/assessments/{followup.hospital.pk}/status/" in hospital.body
    assert "<li" in hospital.alternatives[0][0]
    # A member of the GHT is not asked about the GHT-level requirement: its support answers it.
    clinic = next(m for m in mailoutbox if m.to == ["rssi.tarare@example.fr"])
    assert "GHT-CONVERGENCE" not in clinic.body
    assert "GOV-RSSI" in clinic.body


@pytest.mark.django_db
def test_deadline_reminders_only_inside_the_window_and_once(followup, mailoutbox):
    run_reminders(today=datetime.date(2025, 5, 30))  # 31 days before: nothing
    assert _recipients(mailoutbox, "Échéance") == []
    run_reminders(today=datetime.date(2025, 6, 1))
    run_reminders(today=datetime.date(2025, 6, 1))
    run_reminders(today=datetime.date(2025, 6, 29))
    assert len(_recipients(mailoutbox, "Échéance")) == 4
    mailoutbox.clear()
    run_reminders(today=datetime.date(2025, 7, 1))  # the deadline has passed
    assert _recipients(mailoutbox, "Échéance") == []
    assert set(
        ReminderLog.objects.filter(kind=ReminderKind.REQUIREMENT_DEADLINE).values_list(
            "period", flat=True
        )
    ) == {"2025-06-30"}


@pytest.mark.django_db
def test_no_deadline_reminder_for_requirements_met_or_due_later(followup, world, mailoutbox):
    followup.requirements["GOV-COMITE"].deadline = datetime.date(2025, 12, 31)
    followup.requirements["GOV-COMITE"].save()
    save_answers(
        assessment=followup.hospital,
        answers={"BUDGET": {"numerator": 3, "denominator": 100}},
        expected_version=1,
        user=world.rssi,
    )
    run_reminders(today=datetime.date(2025, 6, 10))
    hospital = next(m for m in mailoutbox if m.to == ["rssi@example.fr"])
    assert "3 exigences" in hospital.subject
    assert "GOV-COMITE" not in hospital.body and "BUDGET" not in hospital.body


# --- Awaiting validation ----------------------------------------------------------------------


@pytest.mark.django_db
def test_directors_are_told_an_assessment_awaits_validation_once_per_submission(
    followup, world, mailoutbox
):
    run_reminders(today=datetime.date(2025, 6, 3))
    run_reminders(today=datetime.date(2025, 6, 4))
    waiting = [m for m in mailoutbox if "validation est attendue" in m.subject]
    # The clinic's director; not the hospital's (its assessment is a draft), nobody for the
    # validated nursing home.
    assert [m.to for m in waiting] == [["direction.tarare@example.fr"]]
    message = waiting[0]
    assert message.subject == (
        "Auto-évaluation CaRE 2025 de Hôpital de Tarare : votre validation est attendue"
    )
    assert "Transmise le 2 juin 2025" in message.body
    assert f"https://care.example.fr/assessments/{followup.clinic.pk}/status/" in message.body
    # Sent back, then submitted again: a new submission, a new reminder.
    Assessment.objects.filter(pk=followup.clinic.pk).update(
        submitted_at=timezone.make_aware(datetime.datetime(2025, 6, 20, 9, 0))
    )
    mailoutbox.clear()
    run_reminders(today=datetime.date(2025, 6, 21))
    run_reminders(today=datetime.date(2025, 6, 22))
    assert [m.to for m in mailoutbox if "validation" in m.subject] == [
        ["direction.tarare@example.fr"]
    ]


# --- The command ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_prints_counts_and_dry_run_writes_nothing(followup, mailoutbox):
    out = StringIO()
    call_command("send_reminders", "--date", "2025-07-01", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Clôture de campagne proche : 2 à envoyer, 0 déjà envoyés" in text
    assert "Auto-évaluation à valider : 1 à envoyer" in text
    assert "rien n'est écrit" in text
    assert mailoutbox == []
    assert not ReminderLog.objects.exists()

    out = StringIO()
    call_command("send_reminders", "--date", "2025-07-01", stdout=out)
    assert "Clôture de campagne proche : 2 mis en file, 0 déjà envoyés" in out.getvalue()
    assert len(mailoutbox) == 3
    out = StringIO()
    call_command("send_reminders", "--date", "2025-07-01", stdout=out)
    assert "Clôture de campagne proche : 0 mis en file, 2 déjà envoyés" in out.getvalue()
    assert "0 rappels mis en file" in out.getvalue()
    assert len(mailoutbox) == 3


@pytest.mark.django_db
def test_command_refuses_a_malformed_date(db):
    with pytest.raises(CommandError, match="Date invalide « 01/07/2025 » : utilisez le format"):
        call_command("send_reminders", "--date", "01/07/2025")


# --- Through the real queue -------------------------------------------------------------------

# The worker binds these to its own shutdown; in this process they must stay pytest's.
WORKER_SIGNALS = [signal.SIGINT, signal.SIGTERM]
if hasattr(signal, "SIGQUIT"):
    WORKER_SIGNALS.append(signal.SIGQUIT)


def run_db_worker() -> None:
    """`db_worker --batch`, as cron runs it, leaving this process's signal handlers as they were."""
    saved = {signum: signal.getsignal(signum) for signum in WORKER_SIGNALS}
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@pytest.mark.django_db(transaction=True)
def test_reminders_wait_in_the_database_queue_until_the_worker_runs(followup, settings, mailoutbox):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("send_reminders", "--date", "2025-07-01", stdout=StringIO())
    assert mailoutbox == []
    assert DBTaskResult.objects.filter(task_path="followup.tasks.send_reminders").count() == 1
    assert not ReminderLog.objects.filter(sent_at__isnull=False).exists()

    handlers = {signum: signal.getsignal(signum) for signum in WORKER_SIGNALS}
    run_db_worker()
    assert len(mailoutbox) == 3
    assert ReminderLog.objects.filter(sent_at__isnull=False).count() == 3
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    # A later Ctrl-C or SIGTERM stops the test run instead of exiting from the worker.
    assert {signum: signal.getsignal(signum) for signum in WORKER_SIGNALS} == handlers


@pytest.mark.django_db
def test_a_reminder_whose_email_never_went_is_sent_by_the_next_run(followup, world, mailoutbox):
    # As if the mail server had failed an hour and a half ago: claimed, never sent.
    failed = ReminderLog.objects.create(
        person=world.rssi,
        kind=ReminderKind.CAMPAIGN_CLOSING,
        assessment=followup.hospital,
        period="J-30",
        email=world.rssi.email,
        run="00000000-0000-0000-0000-000000000001",
        created_at=timezone.now() - datetime.timedelta(minutes=90),
    )
    out = StringIO()
    call_command("send_reminders", "--date", "2025-07-02", stdout=out)
    assert "Rappels restés sans envoi, remis en file : 1" in out.getvalue()
    assert _recipients(mailoutbox, "clôture") == ["autre@example.fr", "rssi@example.fr"]
    failed.refresh_from_db()
    assert failed.sent_at is not None
    mailoutbox.clear()
    run_reminders(today=datetime.date(2025, 7, 3))
    assert mailoutbox == []


@pytest.mark.django_db
def test_awaiting_validation_follows_the_real_workflow(world, campaign, mailoutbox):
    from assessments import workflow
    from tests.answers import fill

    assessment = campaign.hospital
    fill(assessment, world.rssi)
    run_reminders(today=datetime.date(2025, 6, 1))
    assert not [m for m in mailoutbox if "validation" in m.subject]  # a draft waits for nobody

    workflow.submit(assessment=assessment, user=world.rssi)
    run_reminders(today=datetime.date(2025, 6, 1))
    run_reminders(today=datetime.date(2025, 6, 2))
    assert [m.to for m in mailoutbox if "validation" in m.subject] == [["direction@example.fr"]]

    workflow.send_back(assessment=assessment, user=world.director, comment="Preuves ?")
    workflow.submit(assessment=assessment, user=world.rssi)  # a new submission
    run_reminders(today=datetime.date(2025, 6, 3))
    assert len([m for m in mailoutbox if "validation" in m.subject]) == 2

    workflow.validate(assessment=assessment, user=world.director)
    mailoutbox.clear()
    run_reminders(today=datetime.date(2025, 6, 4))
    assert not [m for m in mailoutbox if "validation" in m.subject]
