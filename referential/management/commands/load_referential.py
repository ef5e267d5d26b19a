from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from referential.data import ReferentialFileError
from referential.loader import load_referential_file


class Command(BaseCommand):
    help = (
        "Check and load a referential version from a YAML file, all or nothing. Loading the same "
        "content again changes nothing; a version used by a campaign cannot change."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            result = load_referential_file(path)
        except ReferentialFileError as error:
            for message in error.errors:
                self.stderr.write(message)
            raise CommandError(
                f"{len(error.errors)} erreur(s) dans {path.name} : rien n'a été chargé."
            ) from None
        self.stdout.write(self.style.SUCCESS(result.summary))
