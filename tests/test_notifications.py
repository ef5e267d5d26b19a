"""Who is told of what, in the portal and by e-mail, and the e-mails each person turns off."""

import pytest
from django.core import mail
from django.urls import reverse

from assessments import workflow
from assessments.models import Assessment
from establishments.models import Role
from followup.forms import default_relaunch
from followup.models import EmailOptOut, Notification, NotificationKind
from followup.services import create_relaunch
from tests.factories import user_with_role
from tests.test_workflow import bring_to

pytestmark = pytest.mark.django_db

Status = Assessment.Status
Kind = NotificationKind


def told(kind) -> set[str]:
    """The addresses notified of `kind` in the portal."""
    return set(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def mailed() -> dict[str, list[str]]:
    """Address -> subjects of the e-mails sent."""
    sent: dict[str, list[str]] = {}
    for message in mail.outbox:
        for address in message.to:
            sent.setdefault(address, []).append(message.subject)
    return sent


@pytest.fixture
def second_director(world):
    return user_with_role(Role.DIRECTOR, world.hospital, email="directrice.adjointe@example.fr")


def test_submission_tells_the_directors_only(world, campaign, second_director):
    other_director = user_with_role(Role.DIRECTOR, world.clinic, email="dir-tarare@example.fr")
    bring_to(campaign.hospital, Status.SUBMITTED, world)
    assert told(Kind.SUBMITTED) == {"direction@example.fr", "directrice.adjointe@example.fr"}
    assert other_director.email not in told(Kind.SUBMITTED)
    assert set(mailed()) == {"direction@example.fr", "directrice.adjointe@example.fr"}
    body = mail.outbox[0].body
    assert "Centre hospitalier de Villefranche" in body
    assert "attend votre validation" in body
    assert reverse("assessments:status", args=[campaign.hospital.pk]) in body


def test_sending_back_tells_the_rssi_with_the_comment(world, campaign):
    bring_to(campaign.hospital, Status.SUBMITTED, world)
    mail.outbox.clear()
    workflow.send_back(assessment=campaign.hospital, user=world.director, comment="Budget à revoir")
    assert told(Kind.SENT_BACK) == {"rssi@example.fr"}
    assert list(mailed()) == ["rssi@example.fr"]
    assert "« Budget à revoir »" in mail.outbox[0].body


def test_validation_tells_the_rssi_and_the_other_directors(world, campaign, second_director):
    bring_to(campaign.hospital, Status.VALIDATED, world)
    # The director who validated is not told of their own act.
    assert told(Kind.VALIDATED) == {"rssi@example.fr", "directrice.adjointe@example.fr"}


def test_reopening_tells_the_rssi_and_the_director(world, campaign):
    bring_to(campaign.hospital, Status.VALIDATED, world)
    mail.outbox.clear()
    workflow.reopen(assessment=campaign.hospital, user=world.ars, comment="Exercice non daté")
    assert told(Kind.REOPENED) == {"rssi@example.fr", "direction@example.fr"}
    assert set(mailed()) == {"rssi@example.fr", "direction@example.fr"}
    assert "« Exercice non daté »" in mail.outbox[0].body
    assert world.ars.email not in told(Kind.REOPENED)


def test_a_turned_off_kind_stays_in_the_portal_without_e_mail(client, world, campaign):
    client.force_login(world.director)
    kinds = [kind for kind in Kind.values if kind != Kind.SUBMITTED]
    response = client.post(reverse("followup:notification_preferences"), {"kinds": kinds})
    assert response.status_code == 302
    assert list(
        EmailOptOut.objects.filter(person=world.director).values_list("kind", flat=True)
    ) == [Kind.SUBMITTED]
    page = client.get(reverse("followup:notification_preferences")).text
    assert 'value="submitted">' in page and 'value="validated" checked>' in page
    bring_to(campaign.hospital, Status.SUBMITTED, world)
    assert "direction@example.fr" in told(Kind.SUBMITTED)
    assert "direction@example.fr" not in mailed()
    # Other kinds still come by e-mail.
    workflow.reopen(assessment=campaign.hospital, user=world.ars, comment="À reprendre")
    assert "direction@example.fr" in mailed()


def test_relaunch_tells_the_rssi_and_respects_the_e_mail_choice(world, campaign):
    EmailOptOut.objects.create(person=world.rssi, kind=Kind.RELAUNCH)
    clinic_rssi = user_with_role(Role.RSSI, world.clinic, email="rssi-tarare@example.fr")
    create_relaunch(
        sender=world.ars,
        region=world.region,
        establishments=[world.hospital, world.clinic],
        subject="Campagne 2025 : transmettez",
        message="Merci de transmettre.",
    )
    assert told(Kind.RELAUNCH) == {"rssi@example.fr", clinic_rssi.email}
    notification = Notification.objects.get(recipient=world.rssi)
    assert notification.assessment == campaign.hospital
    assert "Campagne 2025 : transmettez" in notification.text
    # The RSSI who turned relaunch e-mails off gets none; the other does.
    assert list(mailed()) == [clinic_rssi.email]


def test_support_rssi_asks_the_ght_lead_in_one_click(client, world, campaign):
    client.force_login(world.rssi)
    url = reverse("followup:ask_ght_lead", args=[campaign.hospital.pk])
    response = client.post(url, follow=True)
    assert "Le responsable du GHT est prévenu." in response.text
    assert told(Kind.GHT_ITEMS) == {"ght@example.fr"}
    notification = Notification.objects.get(kind=Kind.GHT_ITEMS)
    assert "GHT-CONVERGENCE" in notification.text
    assert list(mailed()) == ["ght@example.fr"]
    # The GHT lead's header counts it, and the list marks it unread.
    client.force_login(world.ght_lead)
    listing = client.get(reverse("followup:notifications")).text
    assert "Notifications (1 non lue)" in listing
    assert "Non lue" in listing and "GHT-CONVERGENCE" in listing


def test_only_the_rssi_asks_and_only_while_items_are_missing(client, world, campaign):
    client.force_login(world.director)
    url = reverse("followup:ask_ght_lead", args=[campaign.hospital.pk])
    response = client.post(url, follow=True)
    assert "Seul le RSSI prévient le GHT" in response.text
    bring_to(campaign.hospital, Status.DRAFT, world)  # the GHT lead answered everything
    client.force_login(world.rssi)
    response = client.post(url, follow=True)
    assert "Aucune exigence de niveau GHT ne manque" in response.text
    assert not Notification.objects.filter(kind=Kind.GHT_ITEMS).exists()


def test_marking_read(client, world, campaign):
    bring_to(campaign.hospital, Status.SUBMITTED, world)
    client.force_login(world.director)
    assert "Notifications (1 non lue)" in client.get(reverse("home")).text
    notification = Notification.objects.get(recipient=world.director)
    client.post(reverse("followup:notification_read", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.read_at is not None
    page = client.get(reverse("followup:notifications")).text
    assert "Aucune notification non lue." in page
    assert "Notifications (" not in page


def test_nobody_marks_another_persons_notification(client, world, campaign):
    bring_to(campaign.hospital, Status.SUBMITTED, world)
    notification = Notification.objects.get(recipient=world.director)
    client.force_login(world.rssi)
    response = client.post(reverse("followup:notification_read", args=[notification.pk]))
    assert response.status_code == 404
    client.post(reverse("followup:notifications_read"))
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_status_page_offers_to_ask_the_ght_lead_and_comes_back(client, world, campaign):
    client.force_login(world.rssi)
    status = reverse("assessments:status", args=[campaign.hospital.pk])
    page = client.get(status).text
    assert "à renseigner par le responsable du GHT" in page
    assert reverse("followup:ask_ght_lead", args=[campaign.hospital.pk]) in page
    response = client.post(
        reverse("followup:ask_ght_lead", args=[campaign.hospital.pk]), {"next": status}
    )
    assert response.status_code == 302 and response["Location"] == status
    assert told(Kind.GHT_ITEMS) == {"ght@example.fr"}
    # A member's RSSI is not held back by the GHT-level items: no such offer.
    clinic_rssi = user_with_role(Role.RSSI, world.clinic)
    client.force_login(clinic_rssi)
    page = client.get(reverse("assessments:status", args=[campaign.clinic.pk])).text
    assert reverse("followup:ask_ght_lead", args=[campaign.clinic.pk]) not in page


def test_relaunch_e_mails_greet_by_name_once_and_sign_with_the_sender(client, world, campaign):
    world.ars.first_name, world.ars.last_name = "Louise", "Perrin"
    world.ars.save()
    named = user_with_role(
        Role.RSSI, world.clinic, email="rssi.690000138@example.fr", first_name="Claire"
    )
    named.last_name = "Martin"
    named.save()
    client.force_login(world.ars)
    page = client.get(
        reverse("followup:relaunch_new", args=["84"]),
        {"selection": "ticked", "establishment": [world.hospital.pk, world.clinic.pk]},
    ).text
    # The prefilled message is signed by the sender and does not greet: the e-mail does.
    assert "Louise Perrin\nARS Auvergne-Rhône-Alpes" in page
    assert "Bonjour," not in page
    initial = default_relaunch(region=world.region, campaign=campaign.campaign, sender=world.ars)
    create_relaunch(
        sender=world.ars,
        region=world.region,
        establishments=[world.hospital, world.clinic],
        subject=initial["subject"],
        message=initial["message"],
    )
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert bodies[named.email].startswith("Bonjour Claire Martin,")
    # Without a name on the account: a plain greeting, never the address.
    world.rssi.refresh_from_db()
    assert not world.rssi.get_full_name() or bodies[world.rssi.email].startswith("Bonjour ")
    for body in bodies.values():
        assert body.count("Bonjour") == 1
        assert "Bonjour rssi" not in body


def test_an_e_mail_to_a_person_without_a_name_greets_plainly(world, campaign):
    world.director.first_name = world.director.last_name = ""
    world.director.save()
    bring_to(campaign.hospital, Status.SUBMITTED, world)
    (message,) = [m for m in mail.outbox if m.to == [world.director.email]]
    assert message.body.startswith("Bonjour,\n")
    assert world.director.email not in message.body.split("\n")[0]


@pytest.mark.parametrize("unread", [1, 4])
def test_the_header_counts_the_persons_unread_notifications_only(client, world, unread):
    for n in range(unread + 1):
        Notification.objects.create(recipient=world.director, kind=Kind.RELAUNCH, text=f"n{n}")
    Notification.objects.create(recipient=world.rssi, kind=Kind.RELAUNCH, text="another's")
    first = Notification.objects.filter(recipient=world.director).first()
    first.read_at = first.created
    first.save()
    client.force_login(world.director)
    noun = "non lue" if unread == 1 else "non lues"
    assert f"Notifications ({unread} {noun})" in client.get(reverse("home")).text
    Notification.objects.filter(recipient=world.director).update(read_at=first.created)
    assert "Notifications (" not in client.get(reverse("home")).text


def test_the_header_tools_are_in_the_header_and_in_the_phone_menu(world):
    """Drawn once for the page, shown twice: the desktop header and the phone menu both name
    the person, count the unread notifications and sign out (with a valid CSRF token)."""
    from django.test import Client

    Notification.objects.create(recipient=world.director, kind=Kind.RELAUNCH, text="n")
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.director)
    response = client.get(reverse("home"))
    page = response.text
    assert [t.name for t in response.templates].count("includes/user_tools.html") == 1
    header = page.split('class="fr-header__tools-links">', 1)[1].split("</ul>", 1)[0]
    menu = page.split('class="fr-header__menu-links">', 1)[1].split("</ul>", 1)[0]
    assert header.strip() == menu.strip()
    assert "Notifications (1 non lue)" in header and "Se déconnecter" in header
    token = header.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user.is_anonymous
