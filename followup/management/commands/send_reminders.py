"""Send the periodic reminders due today (meant for cron, once a day) and purge expired files."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from care_portal.runs import AlreadyRunning, exclusive_run
from followup.funding_reminders import run_funding_reminders
from followup.models import NotificationKind, ReminderKind
from followup.services import purge_expired_bulk_reports, run_reminders


class Command(BaseCommand):
    help = (
        "Queue today's reminders (campaign closing, deadlines, validations awaited, funding-call "
        "stages closing), each at most once per person and period, and delete the expired bulk "
        "PDF reports."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="reference day YYYY-MM-DD (default: today)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="count the reminders due, send and record nothing",
        )

    def handle(self, *args, date: str | None = None, dry_run: bool = False, **options):
        today = self._parse_date(date)
        if dry_run:
            self._run(today, dry_run=True)
            return
        # Started by cron on several nodes at once: one run works, the others say so and stop.
        try:
            with exclusive_run("send_reminders"):
                self._run(today, dry_run=False)
        except AlreadyRunning as running:
            self.stdout.write(running.message)

    def _run(self, today: date, *, dry_run: bool) -> None:
        run = run_reminders(today=today, dry_run=dry_run)
        verb = "à envoyer" if dry_run else "mis en file"
        for kind in ReminderKind:
            self.stdout.write(
                f"{kind.label} : {run.new[kind]} {verb}, "
                f"{run.due[kind] - run.new[kind]} déjà envoyés"
            )
        funding = run_funding_reminders(today=today, dry_run=dry_run)
        for kind in (NotificationKind.FUNDING_STAGE, NotificationKind.FUNDING_INSTRUCT):
            self.stdout.write(
                f"{kind.label} : {funding.new[kind]} {verb}, "
                f"{funding.due[kind] - funding.new[kind]} déjà envoyés"
            )
        total = sum(run.new.values()) + sum(funding.new.values())
        if dry_run:
            self.stdout.write(f"Simulation : {total} rappels seraient envoyés ; rien n'est écrit.")
            return
        if run.retried:
            self.stdout.write(f"Rappels restés sans envoi, remis en file : {run.retried}")
        purged = purge_expired_bulk_reports()
        self.stdout.write(f"Rapports PDF groupés expirés supprimés : {purged}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} rappels mis en file pour le {today:%d/%m/%Y} (tâches en file : {run.batches})."
            )
        )

    @staticmethod
    def _parse_date(value: str | None) -> date:
        if not value:
            return timezone.localdate()
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise CommandError(
                f"Date invalide « {value} » : utilisez le format AAAA-MM-JJ (par exemple 2025-06-01)."
            ) from error
