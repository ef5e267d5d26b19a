"""API tokens: personal tokens and the second factor, service accounts and their tokens."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from accounts.models import SERVICE_TOKEN_PREFIX, ServiceAccount, ServiceToken, hash_token
from accounts.service_tokens import issue_service_token
from audit.models import Action, AuditEvent
from establishments.models import Role, User
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def call(client, path, key, method="get", **kwargs):
    return getattr(client, method)(path, HTTP_AUTHORIZATION=f"Token {key}", **kwargs)


def service_token(name="outil-ars", role=Role.ARS, scope=None, **kwargs) -> str:
    _account, _token, key = issue_service_token(name=name, role=role, scope=scope, **kwargs)
    return key


def patch_answers(client, key, assessment, answers):
    assessment.refresh_from_db()
    return call(
        client,
        f"/api/assessments/{assessment.pk}/answers/",
        key,
        method="patch",
        data={"version": assessment.version, "answers": answers},
        content_type="application/json",
    )


# --- Personal tokens ------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["ars", "national"])
def test_personal_token_of_an_account_that_must_use_a_second_factor_is_refused(
    client, world, campaign, person
):
    """Even an account that never enrolled a device: the token would skip the second factor."""
    key = Token.objects.create(user=getattr(world, person)).key
    for path in ["/api/assessments/", f"/api/assessments/{campaign.hospital.pk}/"]:
        response = call(client, path, key)
        assert response.status_code == 403
        assert response["Content-Type"].startswith("application/json")
        assert "double authentification" in response.json()["detail"]
        assert world.hospital.name not in response.text


def test_personal_token_of_staff_is_refused(client, world):
    staff = user_with_role(Role.RSSI, world.hospital, email="staff@example.fr", is_staff=True)
    response = call(client, "/api/establishments/", Token.objects.create(user=staff).key)
    assert response.status_code == 403
    assert "double authentification" in response.json()["detail"]


def test_personal_token_of_an_account_without_the_obligation_still_works(client, world, campaign):
    out = StringIO()
    call_command("drf_create_token", world.rssi.email, stdout=out)
    key = Token.objects.get(user=world.rssi).key
    assert key in out.getvalue()
    response = call(client, "/api/assessments/", key)
    assert response.status_code == 200
    assert [row["establishment"] for row in response.json()["results"]] == [world.hospital.finess]


def test_a_personal_token_ends_when_the_password_changes(client, world):
    key = Token.objects.create(user=world.rssi).key
    assert call(client, "/api/establishments/", key).status_code == 200
    world.rssi.set_password("un nouveau mot de passe solide")
    world.rssi.save()
    response = call(client, "/api/establishments/", key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


# --- Service tokens: scope, expiry, revocation ------------------------------------------------


def test_service_token_reads_within_its_scope_only(client, world, campaign):
    key = service_token(scope=world.region.code)
    listing = call(client, "/api/assessments/", key).json()
    assert {row["establishment"] for row in listing["results"]} == {
        world.hospital.finess,
        world.clinic.finess,
        world.nursing_home.finess,
    }
    assert call(client, f"/api/assessments/{campaign.clinic.pk}/", key).status_code == 200
    outside = call(client, f"/api/assessments/{campaign.other_hospital.pk}/", key)
    assert outside.status_code == 404
    assert world.other_hospital.name not in outside.text
    assert (
        call(client, f"/api/establishments/{world.other_hospital.finess}/", key).status_code == 404
    )


def test_only_the_hash_of_a_service_token_is_stored(world):
    key = service_token(scope=world.region.code)
    token = ServiceToken.objects.get()
    assert key.startswith(SERVICE_TOKEN_PREFIX)
    assert token.key_hash == hash_token(key) != key
    assert key not in str(list(ServiceToken.objects.values()))


def test_an_expired_service_token_is_401(client, world):
    key = service_token(scope=world.region.code, days=1)
    assert call(client, "/api/establishments/", key).status_code == 200
    ServiceToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = call(client, "/api/establishments/", key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "expiré" in response.json()["detail"]


@pytest.mark.parametrize(
    "change",
    ["password", "deactivation", "owner_password", "owner_deactivation"],
)
def test_a_service_token_is_revoked_by_a_password_change_or_a_deactivation(client, world, change):
    owner = world.national
    account, token, key = issue_service_token(
        name="outil-ars", role=Role.ARS, scope=world.region.code, owner=owner
    )
    assert call(client, "/api/establishments/", key).status_code == 200
    target = owner if change.startswith("owner") else account.user
    if change.endswith("password"):
        target.set_password("un tout nouveau mot de passe")
    else:
        target.is_active = False
    target.save()
    response = call(client, "/api/establishments/", key)
    assert response.status_code == 401
    assert "révoqué" in response.json()["detail"]
    token.refresh_from_db()
    assert token.revoked_at is not None
    reason = "password" if change.endswith("password") else "deactivated"
    assert token.revoked_reason == reason
    event = AuditEvent.objects.get(action=Action.SERVICE_TOKEN_REVOKED)
    assert event.target == "outil-ars"
    assert event.detail["reason"] == reason


def test_a_password_change_made_without_save_signals_still_ends_the_token(client, world):
    """`QuerySet.update` sends no signal: the API checks the passwords itself."""
    account, _token, key = issue_service_token(name="outil", role=Role.ARS, scope="84")
    User.objects.filter(pk=account.user.pk).update(password="!changed")
    assert call(client, "/api/establishments/", key).status_code == 401


def test_unknown_service_token_is_401(client, world):
    response = call(client, "/api/establishments/", SERVICE_TOKEN_PREFIX + "x" * 43)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_service_account_cannot_sign_in_nor_use_a_personal_token(client, world):
    account, _token, _key = issue_service_token(
        name="outil", role=Role.RSSI, scope=world.hospital.finess
    )
    assert not account.user.has_usable_password()
    response = call(client, "/api/establishments/", Token.objects.create(user=account.user).key)
    assert response.status_code == 403
    assert "jetons de service" in response.json()["detail"]


# --- Read-only unless --write -----------------------------------------------------------------


def test_read_only_service_token_refuses_every_write(client, world, campaign):
    key = service_token(name="outil-rssi", role=Role.RSSI, scope=world.hospital.finess)
    assessment = campaign.hospital
    response = patch_answers(client, key, assessment, {"GOV-COMITE": "yes"})
    assert response.status_code == 403
    assert "lecture seule" in response.json()["detail"]
    for action in ("submit", "validate", "send-back", "reopen"):
        response = call(
            client,
            f"/api/assessments/{assessment.pk}/{action}/",
            key,
            method="post",
            data={"comment": "À reprendre"},
            content_type="application/json",
        )
        assert response.status_code == 403, action
        assert "lecture seule" in response.json()["detail"]
    assessment.refresh_from_db()
    assert (assessment.version, assessment.status) == (0, "draft")
    assert call(client, f"/api/assessments/{assessment.pk}/", key).status_code == 200


def test_write_service_token_writes_as_its_role_allows(client, world, campaign):
    key = service_token(
        name="outil-rssi", role=Role.RSSI, scope=world.hospital.finess, can_write=True
    )
    response = patch_answers(client, key, campaign.hospital, {"GOV-COMITE": "yes"})
    assert response.status_code == 200
    assert response.json()["answers"]["GOV-COMITE"] == "yes"
    assert response.json()["version"] == 1
    # Its role still decides: an RSSI's tool does not validate.
    response = call(
        client, f"/api/assessments/{campaign.hospital.pk}/validate/", key, method="post"
    )
    assert response.status_code == 403


# --- The command ------------------------------------------------------------------------------


def run_command(*args) -> list[str]:
    out = StringIO()
    call_command("service_token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_command_creates_the_account_and_prints_the_token_alone_on_the_last_line(client, world):
    lines = run_command("outil-ars-84", "ars", "84", "--days", "30")
    key = lines[-1]
    assert key.startswith(SERVICE_TOKEN_PREFIX) and " " not in key
    assert "read-only" in lines[0]
    account = ServiceAccount.objects.get(name="outil-ars-84")
    assert [(a.role, a.region_id) for a in account.user.assignments] == [("ars", "84")]
    assert not account.can_write
    token = account.tokens.get()
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert call(client, "/api/establishments/", key).json()["count"] == 3
    event = AuditEvent.objects.get(action=Action.SERVICE_TOKEN_CREATED)
    assert event.target == "outil-ars-84"
    assert event.region_id == "84"
    assert key not in str(event.detail)


def test_command_default_expiry_is_90_days(world):
    run_command("outil", "national")
    token = ServiceToken.objects.get()
    assert timedelta(days=89, hours=23) < token.expires_at - timezone.now() <= timedelta(days=90)


def test_command_renews_revoking_the_previous_token_and_replacing_the_role(client, world):
    first = run_command("outil", "ars", "84")[-1]
    second = run_command("outil", "rssi", world.other_hospital.finess, "--write")[-1]
    assert first != second
    assert call(client, "/api/establishments/", first).status_code == 401
    listing = call(client, "/api/establishments/", second).json()
    assert [row["finess"] for row in listing["results"]] == [world.other_hospital.finess]
    account = ServiceAccount.objects.get(name="outil")
    assert account.can_write
    assert [a.role for a in account.user.assignments] == ["rssi"]
    old = account.tokens.order_by("created_at").first()
    assert old.revoked_reason == ServiceToken.RevokedBecause.RENEWED
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert Action.SERVICE_TOKEN_CREATED in actions
    assert Action.SERVICE_TOKEN_REVOKED in actions
    assert actions[-1] == Action.SERVICE_TOKEN_RENEWED


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["outil", "rssi"], "FINESS"),
        (["outil", "ars", "99"], "région"),
        (["outil", "national", "84"], "périmètre"),
        (["Outil ARS", "national"], "Nom de compte de service invalide"),
        (["outil", "national", "--days", "0"], "Durée"),
        (["outil", "national", "--days", "5000"], "Durée"),
        (["outil", "national", "--owner", "personne@example.fr"], "Aucun compte"),
    ],
)
def test_command_refuses_bad_input_and_writes_nothing(world, args, message):
    with pytest.raises(CommandError, match=message):
        run_command(*args)
    assert not ServiceAccount.objects.exists()
    assert not User.objects.filter(email__endswith="@service.invalid").exists()


def test_command_does_not_turn_a_person_into_a_service_account(world):
    user_with_role(Role.RSSI, world.hospital, email="outil@service.invalid")
    with pytest.raises(CommandError, match="déjà prise"):
        run_command("outil", "national")


# --- The admin ----------------------------------------------------------------------------------


def test_admin_lists_and_revokes_service_tokens(admin_client, client, world):
    key = service_token(scope=world.region.code)
    token = ServiceToken.objects.get()
    listing = admin_client.get(reverse("admin:accounts_servicetoken_changelist"))
    assert listing.status_code == 200
    assert token.hint in listing.text
    assert "actif" in listing.text
    assert key not in listing.text
    response = admin_client.post(
        reverse("admin:accounts_servicetoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 jeton révoqué" in response.text
    assert call(client, "/api/establishments/", key).status_code == 401
    event = AuditEvent.objects.get(action=Action.SERVICE_TOKEN_REVOKED)
    assert event.actor.is_superuser
    assert event.detail["reason"] == "admin"
    page = admin_client.get(
        reverse("admin:accounts_serviceaccount_change", args=[token.account.pk])
    )
    assert "révoqué (révoqué par un administrateur)" in page.text


def test_admin_revokes_every_token_of_an_account(admin_client, client, world):
    key = service_token(scope=world.region.code)
    account = ServiceAccount.objects.get()
    admin_client.post(
        reverse("admin:accounts_serviceaccount_changelist"),
        {"action": "revoke_all_tokens", "_selected_action": [account.pk]},
    )
    assert call(client, "/api/establishments/", key).status_code == 401


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(min_size=0, max_size=80))
def test_any_name_other_than_a_plain_slug_is_refused_and_creates_nothing(world, name):
    assume(slugify(name) != name or not name or len(name) > 64)
    with pytest.raises(ValidationError, match="Nom de compte de service invalide"):
        issue_service_token(name=name, role=Role.NATIONAL)
    assert not ServiceAccount.objects.exists()
    assert not User.objects.filter(email__endswith="@service.invalid").exists()


def test_the_audit_log_shows_service_token_events_in_french(client, world):
    issue_service_token(
        name="outil-ars", role=Role.ARS, scope=world.region.code, actor=world.national
    )
    run_command("outil-ars", "ars", world.region.code, "--write")
    client.force_login(world.ars)
    page = client.get(reverse("audit:list")).content.decode()
    assert "Jeton de service créé" in page
    assert "Jeton de service renouvelé" in page
    assert "Jeton de service révoqué" in page
    assert "remplacé par un nouveau jeton" in page
    assert "outil-ars" in page
    client.force_login(world.other_ars)
    assert "outil-ars" not in client.get(reverse("audit:list")).content.decode()
