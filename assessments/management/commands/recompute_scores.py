import time

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Assessment, Campaign
from assessments.scoring.service import default_processes, recompute_snapshots
from care_portal.formats import format_number
from care_portal.runs import AlreadyRunning, exclusive_run


class Command(BaseCommand):
    help = "Recompute the score snapshots of every assessment of a campaign, in bulk."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, required=True, metavar="YEAR")
        parser.add_argument("--chunk-size", type=int, default=1000)
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            metavar="N",
            help=(
                "split the work by ranges of ids over N processes (the summary rebuilt once); "
                "default: 2 where the machine has two cores or more, else 1"
            ),
        )

    def handle(self, *args, campaign, chunk_size, processes=None, **options):
        if processes is None:
            processes = default_processes()
        if processes < 1:
            raise CommandError(f"--processes doit valoir au moins 1 (reçu {processes}).")
        found = Campaign.objects.select_related("referential").filter(year=campaign).first()
        if found is None:
            raise CommandError(f"Aucune campagne pour l'année {campaign}.")
        # Started on several nodes at once: one run per campaign works, the others say so.
        try:
            with exclusive_run(f"recompute_scores:{campaign}"):
                self._recompute(found, campaign, chunk_size, processes)
        except AlreadyRunning as running:
            self.stdout.write(running.message)

    def _recompute(self, found: Campaign, campaign: int, chunk_size: int, processes: int) -> None:
        started = time.perf_counter()
        count = recompute_snapshots(
            Assessment.objects.filter(campaign=found),
            chunk_size=max(1, chunk_size),
            whole_campaign=found,
            processes=processes,
        )
        elapsed = time.perf_counter() - started
        rate = count / elapsed if elapsed else 0
        self.stdout.write(
            f"Campagne {campaign} : {format_number(count)} instantanés de score recalculés en "
            f"{format_number(elapsed, decimals=2, fixed=True)} s "
            f"({format_number(rate, decimals=0)} auto-évaluations/s)."
        )
