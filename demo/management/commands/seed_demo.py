from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import seed_all


class Command(BaseCommand):
    help = "Fill the database with the demo data set (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            # The demo accounts, a superuser among them, share a password printed in the README.
            raise CommandError(
                "seed_demo refuse de s'exécuter en production (DJANGO_ENV=production) : il crée "
                "des comptes de démonstration, dont un superutilisateur, au mot de passe public. "
                "Rien n'a été écrit."
            )
        seed_all(stdout=self.stdout)
