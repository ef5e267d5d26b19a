"""Send the periodic reminders due today (meant for cron, once a day) and purge expired files."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from followup.models import ReminderKind
from followup.services import purge_expired_bulk_reports, run_reminders


class Command(BaseCommand):
    help = (
        "Met en file les rappels du jour (clôture de campagne, échéances, validations "
        "attendues), chacun au plus une fois par personne et par période, et supprime les "
        "rapports PDF groupés expirés."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="Jour de référence AAAA-MM-JJ (aujourd'hui par défaut).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Compte les rappels dus sans rien envoyer ni enregistrer.",
        )

    def handle(self, *args, date: str | None = None, dry_run: bool = False, **options):
        today = self._parse_date(date)
        run = run_reminders(today=today, dry_run=dry_run)
        verb = "à envoyer" if dry_run else "mis en file"
        for kind in ReminderKind:
            self.stdout.write(
                f"{kind.label} : {run.new[kind]} {verb}, "
                f"{run.due[kind] - run.new[kind]} déjà envoyés"
            )
        total = sum(run.new.values())
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
