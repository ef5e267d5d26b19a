from django.core.management.base import BaseCommand, CommandError

from assessments.models import Campaign
from assessments.scoring.copies import copy_differences, sync_snapshot_copies
from dashboards.summary import differences, rebuild_summary


class Command(BaseCommand):
    help = "Compare the dashboards' per-campaign summary with a live count (and rebuild it)."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, metavar="YEAR", help="one campaign only")
        parser.add_argument(
            "--rebuild", action="store_true", help="rebuild the summaries that disagree"
        )

    def handle(self, *args, campaign=None, rebuild=False, **options):
        campaigns = Campaign.objects.select_related("referential").order_by("year")
        if campaign is not None:
            campaigns = campaigns.filter(year=campaign)
            if not campaigns.exists():
                raise CommandError(f"Aucune campagne pour l'année {campaign}.")
        problems = []
        # The snapshots' copies of their establishment (what the regional lists filter on).
        stale = copy_differences()
        if stale and rebuild:
            sync_snapshot_copies()
            self.stdout.write("Copies des établissements dans les instantanés corrigées.")
        elif stale:
            problems += stale
        else:
            self.stdout.write("Instantanés conformes au référentiel des établissements.")
        for found in campaigns:
            found_problems = differences(found)
            if found_problems and rebuild:
                rebuild_summary(found)
                self.stdout.write(f"Campagne {found.year} : synthèse reconstruite.")
            elif found_problems:
                problems += found_problems
            else:
                self.stdout.write(f"Campagne {found.year} : synthèse conforme au décompte.")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(problems)} groupe(s) en écart ; relancer avec --rebuild pour reconstruire."
            )
