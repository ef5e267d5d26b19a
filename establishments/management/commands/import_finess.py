from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from establishments.services import import_finess


class Command(BaseCommand):
    help = (
        "Import the establishments (ES and ESSMS) of a public FINESS extract "
        "(etalab-cs1100502/cs1100507 stock file). Atomic and idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args, path: Path, dry_run: bool, **options):
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        summary = import_finess(path=path, dry_run=dry_run)
        if not summary.ok:
            for error in summary.errors:
                self.stderr.write(str(error))
            more = summary.error_count - len(summary.errors)
            if more > 0:
                self.stderr.write(f"… et {more} autres erreurs.")
            raise CommandError(
                f"{summary.error_count} erreur(s) dans {path.name} : rien n'a été importé."
            )
        write = self.stdout.write
        write(f"{path.name} : {summary.lines} lignes ({summary.encoding}).")
        write(
            f"Établissements du fichier : {summary.kinds['ES']} ES, {summary.kinds['ESSMS']} ESSMS."
        )
        write(f"  créés : {summary.created}")
        write(f"  mis à jour : {summary.updated}")
        write(f"  inchangés : {summary.unchanged}")
        write(f"  ignorés (catégorie ni ES ni ESSMS) : {summary.skipped['category']}")
        write(f"  ignorés (département sans ARS) : {summary.skipped['no_ars']}")
        for skipped in summary.skipped_lines:
            write(f"    ligne {skipped.line} : {skipped.finess} ({skipped.detail})")
        if dry_run:
            write(self.style.WARNING("Simulation (--dry-run) : rien n'a été enregistré."))
        else:
            write(self.style.SUCCESS("Import terminé."))
