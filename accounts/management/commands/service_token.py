from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.service_tokens import DEFAULT_DAYS, issue_service_token
from establishments.models import Role, User, normalize_address


class Command(BaseCommand):
    help = (
        "Create (or renew) the service account NAME with that role and scope, as `grant` takes "
        "them, and print its new API token alone on the last line. Read-only unless --write; "
        f"expires after --days days (default {DEFAULT_DAYS}). Renewing revokes the earlier tokens."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the service account's name, e.g. outil-ars-84")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("scope", nargs="?")
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
        parser.add_argument("--write", action="store_true", help="allow writes (default: read)")
        parser.add_argument(
            "--owner",
            help="e-mail of the person answerable for the account: its tokens end when that "
            "person's password changes or their account is deactivated",
        )

    def handle(self, *args, name, role, scope, days, write, owner, **options):
        owner_user = None
        if owner:
            owner_user = User.objects.filter(email=normalize_address(owner)).first()
            if owner_user is None:
                raise CommandError(f"Aucun compte d'adresse {owner}.")
        try:
            account, token, key = issue_service_token(
                name=name, role=role, scope=scope, days=days, can_write=write, owner=owner_user
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        assignment = account.user.assignments[0]
        expires = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
        rights = "read and write" if account.can_write else "read-only"
        self.stdout.write(
            f"{account.name}: {assignment.get_role_display()} ({assignment.scope_label}), "
            f"{rights}, expires {expires}"
        )
        self.stdout.write(key)
