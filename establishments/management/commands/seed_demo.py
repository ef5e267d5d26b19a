from django.core.management.base import BaseCommand

from care_portal.demo import seed_all


class Command(BaseCommand):
    help = "Fill the database with the demo data set (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        seed_all(stdout=self.stdout)
