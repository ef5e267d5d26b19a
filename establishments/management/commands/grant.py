from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from establishments.models import Role
from establishments.roles import grant_role


class Command(BaseCommand):
    help = (
        "Create the user if needed and give a role: rssi or director (SCOPE = FINESS ET), "
        "ght (GHT code), ars (region INSEE code), national (no scope)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("scope", nargs="?")
        parser.add_argument("--password")

    def handle(self, *args, email, role, scope, password, **options):
        try:
            user, assignment, created = grant_role(
                email=email, role=role, scope=scope, password=password
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        verb = "attribué" if created else "déjà attribué"
        self.stdout.write(
            f"{user.email} : {assignment.get_role_display()} ({assignment.scope_label}) {verb}"
        )
        check = assignment.siret_check()
        if check is not None:
            self.stdout.write(
                f"SIRET transmis par ProConnect {user.provider_siret} : {check.label}"
            )
