"""The assessment form in a browser: what its script adds, and that the pages stay accessible."""

import pytest

from assessments.answers import save_answers
from assessments.models import Answer
from tests.factories import AssessmentFactory, CampaignFactory
from tests.test_assessment_form import build_referential

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


@pytest.fixture
def assessment(world):
    campaign = CampaignFactory(year=2025, referential=build_referential())
    return AssessmentFactory(establishment=world.hospital, campaign=campaign)


def stored(assessment, code):
    answer = Answer.objects.filter(assessment=assessment, requirement__code=code).first()
    return answer.value if answer else None


def test_the_form_script_helps_and_the_pages_stay_accessible(visitor, world, assessment):
    page = visitor.page
    visitor.sign_in(world.rssi.email, PASSWORD)
    visitor.goto(f"/assessments/{assessment.pk}/?step=1")
    visitor.check("formulaire-etape-1")

    # A follow-up appears as soon as the answer it depends on allows it, and goes away again.
    follow_up = page.locator("#req-GOV-COMITE-CR")
    assert follow_up.is_hidden()
    page.locator("#req-GOV-COMITE").get_by_text("Partiellement", exact=True).click()
    assert follow_up.is_visible()
    page.locator("#req-GOV-COMITE").get_by_text("Non", exact=True).click()
    assert follow_up.is_hidden()

    # "Nobody yet" greys out the name and e-mail boxes.
    page.locator("#req-GOV-RSSI").get_by_text("Personne n'est désigné à ce jour").click()
    assert page.locator("#id_GOV-RSSI__name").is_disabled()
    assert page.locator("#id_GOV-RSSI__email").is_disabled()

    # Leaving the step with unsaved changes asks first; staying keeps what was typed.
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.locator(".care-steps").get_by_role("link", name="Axe 2", exact=False).first.click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    assert "step=1" in page.url
    page.remove_listener("dialog", dismiss)

    # Saving does not ask, and stores the answers.
    page.get_by_role("button", name="Enregistrer et continuer").click()
    page.wait_for_load_state("load")
    assert "step=2" in page.url
    assert stored(assessment, "GOV-COMITE") == "no"
    assert stored(assessment, "GOV-RSSI") is False

    # The budget ratio is computed as the amounts are typed.
    page.get_by_label("Dépenses numériques et cybersécurité du dernier exercice (€)").fill(
        "1 250 000"
    )
    page.get_by_label("Budget total d'exploitation du dernier exercice (€)").fill("50 000 000")
    ratio = page.locator("[data-ratio-for=BUDGET]")
    assert "2,5 %" in ratio.inner_text() and "cible atteinte" in ratio.inner_text()

    # A bad amount comes back with its message next to the box, typed values kept.
    page.get_by_label("Budget total d'exploitation du dernier exercice (€)").fill("1 000")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_load_state("load")
    assert "dépasse le total" in page.locator("#id_BUDGET__numerator-messages").inner_text()
    assert page.locator("#id_BUDGET__numerator").input_value() == "1 250 000"
    visitor.check("formulaire-erreur")
    assert stored(assessment, "BUDGET") is None


def test_read_only_form_is_accessible(visitor, world, assessment):
    visitor.sign_in(world.director.email, PASSWORD)
    visitor.goto(f"/assessments/{assessment.pk}/?step=2")
    assert visitor.page.locator("#assessment-form").count() == 0
    visitor.check("formulaire-lecture-seule")


def test_a_conflicting_answer_can_be_taken_back(visitor, world, assessment):
    page = visitor.page
    visitor.sign_in(world.rssi.email, PASSWORD)
    visitor.goto(f"/assessments/{assessment.pk}/?step=3")
    page.get_by_label("Pourcentage (de 0 à 100 %)").fill("40")
    # A colleague saves the same answer in between.
    save_answers(assessment=assessment, answers={"EDR": 85}, expected_version=0, user=world.rssi)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_load_state("load")
    assert "85 %" in page.locator("#req-EDR .care-conflict").inner_text()
    assert page.get_by_label("Pourcentage (de 0 à 100 %)").input_value() == "40"
    visitor.check("formulaire-conflit")
    page.locator("#req-EDR").get_by_role("button", name="Reprendre cette valeur").click()
    assert page.get_by_label("Pourcentage (de 0 à 100 %)").input_value() == "85"
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_load_state("load")
    assert stored(assessment, "EDR") == 85
