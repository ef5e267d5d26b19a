from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from establishments.services import import_ght


class Command(BaseCommand):
    help = (
        "Import GHT membership from a CSV file (code_ght;nom_ght;code_region;finess_ej;support). "
        "Atomic and idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        summary = import_ght(path=path)
        if not summary.ok:
            for error in summary.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(summary.errors)} erreur(s) dans {path.name} : rien n'a été importé."
            )
        write = self.stdout.write
        ghts, members = summary.ghts, summary.members
        write(
            f"GHT : {ghts['created']} créés, {ghts['updated']} mis à jour, "
            f"{ghts['unchanged']} inchangés."
        )
        write(
            f"Membres : {members['created']} créés, {members['updated']} mis à jour, "
            f"{members['unchanged']} inchangés, {members['removed']} retirés."
        )
        write(f"Établissements rattachés ou détachés : {summary.establishments_linked}")
        if summary.ejs_without_establishment:
            write(
                "Entités juridiques sans établissement au registre (importez FINESS) : "
                + ", ".join(summary.ejs_without_establishment)
            )
        if summary.ghts_without_support_establishment:
            write(
                "GHT sans établissement support au registre : "
                + ", ".join(summary.ghts_without_support_establishment)
            )
        write(self.style.SUCCESS("Import terminé."))
