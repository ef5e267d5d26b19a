import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Assessment
from establishments.models import Establishment
from reports.pdf import REPORT_RELATED, render_report_pdf


class Command(BaseCommand):
    help = "Write the PDF gap report of an establishment's assessment for a campaign year."

    def add_arguments(self, parser):
        parser.add_argument("finess", help="FINESS ET number of the establishment")
        parser.add_argument("--year", type=int, required=True, help="campaign year")
        parser.add_argument("-o", "--output", required=True, metavar="FILE.pdf")

    def handle(self, *args, finess, year, output, **options):
        if not Establishment.objects.filter(finess=finess).exists():
            raise CommandError(f"Aucun établissement n'a le numéro FINESS « {finess} ».")
        assessment = (
            Assessment.objects.select_related(*REPORT_RELATED)
            .filter(establishment__finess=finess, campaign__year=year)
            .first()
        )
        if assessment is None:
            raise CommandError(
                f"L'établissement {finess} n'a pas d'auto-évaluation pour la campagne {year}."
            )
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"Le dossier « {target.parent} » n'existe pas.")
        pdf = render_report_pdf(assessment)
        # Written beside the target and renamed: never a half-written report under its name.
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".report-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(pdf)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(
            f"{target} : rapport de {assessment.establishment.name} ({finess}), campagne {year}, "
            f"{assessment.get_status_display()}, {len(pdf)} octets."
        )
