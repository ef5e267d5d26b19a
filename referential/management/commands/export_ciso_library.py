from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from referential.ciso_assistant import library_filename, library_yaml
from referential.models import ReferentialVersion


class Command(BaseCommand):
    help = (
        "Write a referential version as a CISO Assistant library (YAML): framework, requirement "
        "nodes, implementation groups ES / ESSMS / GHT, answer choices and mappings."
    )

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("version", type=int)
        parser.add_argument(
            "-o", "--output", type=Path, help="Fichier à écrire (par défaut : la sortie standard)."
        )
        parser.add_argument(
            "--without-mappings",
            action="store_true",
            help="Sans les correspondances (qui demandent les bibliothèques ReCyF, ISO… dans CISO Assistant).",
        )

    def handle(self, *args, code, version, output=None, without_mappings=False, **options):
        referential = ReferentialVersion.objects.filter(code=code, version=version).first()
        if referential is None:
            raise CommandError(f"Référentiel {code}:{version} introuvable.")
        text = library_yaml(referential, with_mappings=not without_mappings)
        if output is None:
            self.stdout.write(text, ending="")
            return
        if output.is_dir():
            output = output / library_filename(referential)
        output.write_text(text, encoding="utf-8")
        self.stderr.write(self.style.SUCCESS(f"Bibliothèque CISO Assistant écrite : {output}"))
