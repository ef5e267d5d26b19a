"""`manage.py grant`: creates the person if needed and gives a role over a scope."""

import pytest
from django.core.management import CommandError, call_command

from establishments.models import Establishment, RoleAssignment, User


@pytest.mark.django_db
def test_grant_creates_user_and_role(world):
    call_command(
        "grant", "new.rssi@example.fr", "rssi", world.clinic.finess, "--password", "pw-123456!"
    )
    user = User.objects.get(email="new.rssi@example.fr")
    assert user.check_password("pw-123456!")
    assert list(Establishment.objects.for_user(user)) == [world.clinic]


@pytest.mark.django_db
def test_grant_is_idempotent(world):
    call_command("grant", "n@example.fr", "national")
    call_command("grant", "n@example.fr", "national")
    assert RoleAssignment.objects.filter(user__email="n@example.fr").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "scope", "message"),
    [
        ("rssi", "999999999", "Aucun établissement"),
        ("ars", "99", "Aucune région"),
        ("ght", "NOPE", "Aucun GHT"),
        ("director", None, "demande un numéro FINESS"),
        ("national", "84", "ne prend pas de périmètre"),
    ],
)
def test_grant_refuses_bad_scopes(world, role, scope, message):
    args = ["x@example.fr", role] + ([scope] if scope else [])
    with pytest.raises(CommandError, match=message):
        call_command("grant", *args)
    assert not User.objects.filter(email="x@example.fr").exists()
