"""An ARS agent invites a person of its region: the account is created with the role, without a
password; the person sets one through a one-time link sent by e-mail (or signs in through an
identity provider); everything outside the region, and every higher role, is refused."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from audit.models import Action, AuditEvent
from establishments.models import Role, RoleAssignment, User

pytestmark = pytest.mark.django_db


def _invite_url(world):
    return reverse("accounts:invite", args=[world.region.code])


def _invite(client, world, **fields):
    data = {
        "email": "Claire.Martin@CH-Villefranche.fr ",
        "first_name": "Claire",
        "last_name": "Martin",
        "role": "rssi",
        "scope": world.clinic.finess,
    } | fields
    return client.post(_invite_url(world), data, follow=True)


def _link(mail) -> str:
    return re.search(r"https?://\S+/accounts/password/\S+/", mail.body).group(0)


def test_the_ars_invites_an_rssi_who_sets_a_password_once_and_signs_in(
    client, world, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.CARE_BASE_URL = "https://care.example.fr"
    client.force_login(world.ars)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, world)
    page = response.content.decode()
    assert "Compte de claire.martin@ch-villefranche.fr créé avec le rôle RSSI" in page
    person = User.objects.get(email="claire.martin@ch-villefranche.fr")
    assert (person.first_name, person.last_name) == ("Claire", "Martin")
    assert not person.has_usable_password()
    assert person.role_assignments.get().establishment == world.clinic
    event = AuditEvent.objects.get(action=Action.ROLE_CHANGE, target=person.email)
    assert event.actor == world.ars and event.detail["source"] == "invitation"
    assert event.establishment == world.clinic

    (mail,) = mailoutbox
    assert mail.to == ["claire.martin@ch-villefranche.fr"]
    assert mail.subject == "Votre accès au portail CaRE : RSSI"
    assert "Bonjour Claire Martin" in mail.body and "ne sert qu’une fois" in mail.body
    link = _link(mail)
    assert link.startswith("https://care.example.fr/accounts/password/")

    client.logout()
    path = link.removeprefix("https://care.example.fr")
    form_page = client.get(path, follow=True)
    assert "Choisir votre mot de passe" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Cyber-sécurité 2025 !", "new_password2": "Cyber-sécurité 2025 !"},
        follow=True,
    )
    assert "Mot de passe enregistré" in done.content.decode()
    assert client.login(email=person.email, password="Cyber-sécurité 2025 !")
    client.logout()

    again = client.get(path, follow=True).content.decode()  # the link served once
    assert "Ce lien ne fonctionne plus" in again and "new_password1" not in again


def test_a_ght_lead_of_the_region_and_an_existing_account(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(world.ars)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(
            client, world, email=world.rssi.email, role="ght", scope=world.ght.code.lower()
        )
    assert "qui a déjà un compte" in response.content.decode()
    assert RoleAssignment.objects.filter(user=world.rssi, role=Role.GHT, ght=world.ght).exists()
    (mail,) = mailoutbox
    assert "/accounts/password/" not in mail.body  # their password stays theirs

    again = _invite(client, world, email=world.rssi.email, role="ght", scope=world.ght.code)
    assert "Cette personne a déjà ce rôle" in again.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"role": "ars"}, "Une ARS peut donner les rôles RSSI, direction"),
        ({"role": "national"}, "Une ARS peut donner les rôles RSSI, direction"),
        ({"scope": "other_hospital"}, "dans la région Auvergne-Rhône-Alpes"),
        ({"role": "ght", "scope": "GHT-PARIS"}, "Aucun GHT de code « GHT-PARIS »"),
        ({"scope": "000000000"}, "Aucun établissement de FINESS ET « 000000000 »"),
        ({"email": "pas-une-adresse"}, "Saisissez une adresse électronique valide"),
        ({"last_name": ""}, "Indiquez le nom de la personne."),
    ],
)
def test_what_an_ars_may_not_give_is_refused_and_nothing_is_written(
    client, world, mailoutbox, fields, message
):
    if fields.get("scope") == "other_hospital":
        fields = fields | {"scope": world.other_hospital.finess}
    client.force_login(world.ars)
    users = User.objects.count()
    response = _invite(client, world, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == users and mailoutbox == []
    assert not AuditEvent.objects.filter(action=Action.ROLE_CHANGE).exists()


def test_a_deactivated_account_is_not_given_a_role(client, world):
    world.director.is_active = False
    world.director.save()
    client.force_login(world.ars)
    page = _invite(client, world, email=world.director.email, role="rssi").content.decode()
    assert "Ce compte est désactivé" in page
    assert not world.director.role_assignments.filter(role=Role.RSSI).exists()


def test_only_the_ars_of_the_region_opens_the_page(client, world):
    client.force_login(world.other_ars)
    assert client.get(_invite_url(world)).status_code == 404  # not its region
    assert client.post(_invite_url(world), {"email": "x@y.fr"}).status_code == 404
    client.force_login(world.national)
    assert client.get(_invite_url(world)).status_code == 403  # the administrators' job
    client.force_login(world.rssi)
    assert client.get(_invite_url(world)).status_code == 404
    client.force_login(world.ars)
    page = client.get(_invite_url(world)).content.decode()
    assert "Inviter une personne" in page
    assert 'value="ars"' not in page and 'value="national"' not in page
