"""Comments per question and questions entrusted to a colleague of the establishment."""

import html

import pytest
from django.core import mail

from assessments import workflow
from assessments.models import QuestionAssignment, QuestionComment
from followup.models import Notification
from tests.answers import fill

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\xa0", " ")


def comment_url(assessment, code="GOV-COMITE"):
    return f"/assessments/{assessment.pk}/questions/{code}/comment/"


def assign_url(assessment, code="GOV-COMITE"):
    return f"/assessments/{assessment.pk}/questions/{code}/assign/"


def form_page(client, assessment):
    return text(client.get(f"/assessments/{assessment.pk}/?step=1"))


def question_block(page: str, code: str = "GOV-COMITE") -> str:
    """The part of the form page about one question."""
    return page.split(f'id="req-{code}"')[1].split('<section class="care-requirement')[0]


def test_a_comment_is_shown_next_to_its_question(client, world, campaign):
    client.force_login(world.director)
    response = client.post(comment_url(campaign.hospital), {"text": "  Voir le PV de mars.  "})
    assert response.status_code == 302
    assert response["Location"].endswith("#req-GOV-COMITE")
    client.force_login(world.rssi)
    page = form_page(client, campaign.hospital)
    block = question_block(page)
    assert "Voir le PV de mars." in block
    assert "1 commentaire" in block
    assert QuestionComment.objects.get().author == world.director


@pytest.mark.parametrize("posted", ["", "   ", "x" * 2001])
def test_an_empty_or_too_long_comment_is_refused(client, world, campaign, posted):
    client.force_login(world.rssi)
    response = client.post(comment_url(campaign.hospital), {"text": posted}, follow=True)
    page = text(response)
    assert "Le commentaire est vide." in page or "dépasse 2000 caractères" in page
    assert not QuestionComment.objects.exists()


def test_comments_are_scoped(client, world, campaign):
    client.force_login(world.other_rssi)
    assert client.post(comment_url(campaign.hospital), {"text": "?"}).status_code == 404
    # The GHT lead writes on the support's assessment (the GHT-level items), not on a member's.
    client.force_login(world.ght_lead)
    assert client.post(comment_url(campaign.clinic), {"text": "?"}).status_code == 403
    client.force_login(world.ars)
    assert client.post(comment_url(campaign.hospital), {"text": "?"}).status_code == 403
    assert not QuestionComment.objects.exists()


def test_entrusting_a_question_tells_the_colleague_with_a_link(client, world, campaign):
    client.force_login(world.rssi)
    response = client.post(assign_url(campaign.hospital), {"assignee": world.director.pk})
    assert response.status_code == 302
    assignment = QuestionAssignment.objects.get()
    assert assignment.assignee == world.director
    note = Notification.objects.get(recipient=world.director)
    assert note.kind == "assigned"
    assert "GOV-COMITE" in note.text
    assert note.link.endswith("#req-GOV-COMITE")
    assert [m.to for m in mail.outbox] == [[world.director.email]]
    assert note.link in mail.outbox[0].body
    # Shown next to the question, to the RSSI and to the colleague.
    who = world.director.get_full_name() or world.director.email
    for person in (world.rssi, world.director):
        client.force_login(person)
        block = question_block(form_page(client, campaign.hospital))
        assert f"Question confiée à <strong>{who}</strong>" in block
    # The colleague's notification list opens the question.
    assert f'href="{note.link}"' in text(client.get("/followup/notifications/"))


def test_only_a_colleague_of_the_establishment_can_be_given_a_question(client, world, campaign):
    client.force_login(world.rssi)
    for outsider in (world.other_rssi.pk, world.ars.pk, "abc", 999999):
        page = text(client.post(assign_url(campaign.hospital), {"assignee": outsider}, follow=True))
        assert "Choisissez une personne ayant un compte dans l'établissement." in page
    assert not QuestionAssignment.objects.exists()
    assert not Notification.objects.filter(kind="assigned").exists()


def test_only_the_rssi_entrusts_questions_and_only_while_editable(client, world, campaign):
    client.force_login(world.director)
    assert (
        client.post(assign_url(campaign.hospital), {"assignee": world.rssi.pk}).status_code == 403
    )
    client.force_login(world.other_rssi)
    response = client.post(assign_url(campaign.hospital), {"assignee": world.rssi.pk})
    assert response.status_code == 404
    fill(campaign.hospital, world.rssi)
    workflow.submit(assessment=campaign.hospital, user=world.rssi)
    client.force_login(world.rssi)
    response = client.post(assign_url(campaign.hospital), {"assignee": world.director.pk})
    assert response.status_code == 403
    assert client.post(comment_url(campaign.hospital), {"text": "?"}).status_code == 403
    assert not QuestionAssignment.objects.exists()


def test_an_assignment_can_be_withdrawn(client, world, campaign):
    client.force_login(world.rssi)
    client.post(assign_url(campaign.hospital), {"assignee": world.director.pk})
    client.post(assign_url(campaign.hospital), {"assignee": ""})
    assert not QuestionAssignment.objects.exists()


def test_the_question_page_offers_only_colleagues(client, world, campaign):
    client.force_login(world.rssi)
    page = text(client.get(f"/assessments/{campaign.hospital.pk}/questions/GOV-COMITE/"))
    assert f'<option value="{world.director.pk}"' in page
    assert f'<option value="{world.other_rssi.pk}"' not in page
    assert f'<option value="{world.ars.pk}"' not in page
    assert "Ajouter un commentaire" in page
    # The ARS reads the question's comments but neither comments nor entrusts.
    client.force_login(world.ars)
    page = text(client.get(f"/assessments/{campaign.hospital.pk}/questions/GOV-COMITE/"))
    assert "Ajouter un commentaire" not in page and 'name="assignee"' not in page
    page = form_page(client, campaign.hospital)
    assert "Commenter ou confier cette question" not in page
