from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from referential.ciso_assistant import LibraryRejected, import_library


class Command(BaseCommand):
    help = (
        "Import a CISO Assistant library (YAML) as a draft referential version, all or nothing. "
        "Requirements without a portal rule arrive as yes / partially / no items to review."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            result = import_library(path)
        except LibraryRejected as error:
            for message in error.errors:
                self.stderr.write(message)
            raise CommandError(
                f"{len(error.errors)} erreur(s) dans {path.name} : rien n'a été importé."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"{result.summary} (brouillon)"))
