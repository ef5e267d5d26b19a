"""From gaps to a plan the ARS agrees, in a real browser: the RSSI builds the plan from the gaps
(confirms a suggested action, sets its owner, date, costs and funding), files it for the CaRE
target it does not meet and submits; the director validates; the ARS, signed in with its second
factor, agrees the plan; the regional dashboard shows « plan agréé » for that target.

Every page visited is checked with axe-core and screenshotted (see conftest).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_otp.oath import TOTP

from actions.models import Action, TargetPlan
from assessments.answers import save_answers
from assessments.models import Assessment
from demo import seed
from establishments.models import User
from tests.e2e.conftest import DESKTOP, Visitor
from tests.e2e.test_journeys import PASSWORD, complete_answers, demo_world  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

GAP = "GOV-COMITE"  # feeds the « comité de gouvernance » target
TARGET = "governance"
TARGET_LABEL = "Comité de gouvernance cyber"


@pytest.fixture
def third_visitor(browser, live_server, request):
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Visitor(page, live_server.url, request.node.name.removeprefix("test_") + "-3")
    context.close()


def _sign_in_with_second_factor(visitor, email):
    visitor.sign_in(email, PASSWORD)
    assert "two-factor" in visitor.page.url
    visitor.check("double-authentification")
    code = TOTP(bytes.fromhex(seed.DEMO_TOTP_KEY), digits=6).token()
    visitor.page.locator("input[name=code]").first.fill(f"{code:06d}")
    visitor.page.locator("main button[type=submit]").first.click()
    visitor.page.wait_for_load_state("load")
    assert "two-factor" not in visitor.page.url


def _click(page, role, name):
    page.get_by_role(role, name=name).first.click()
    page.wait_for_load_state("load")


def test_a_plan_built_from_the_gaps_is_agreed_by_the_ars(
    demo_world,  # noqa: F811
    visitor,
    second_visitor,
    third_visitor,
):
    accounts, assessment = demo_world
    rssi = User.objects.get(email=accounts["rssi"].email)
    # Every answer met but the governance committee: one gap, one CaRE target not met.
    answers = {**complete_answers(assessment), GAP: "no"}
    save_answers(
        assessment=assessment, answers=answers, expected_version=assessment.version, user=rssi
    )
    due_on = timezone.localdate() + timedelta(days=120)

    # The RSSI: the plan, from the suggested actions.
    page = visitor.page
    visitor.sign_in(accounts["rssi"].email, PASSWORD)
    visitor.goto(f"/assessments/{assessment.pk}/actions/")
    visitor.check("plan-vide")
    assert f'id="gap-{GAP}"' in page.content()
    _click(page, "link", "Actions proposées")
    visitor.check("actions-proposees")
    # DSFR draws the box over the native one: tick it through its label, as a person does.
    page.locator(f'label[for="s-{GAP}"]').click()
    assert page.locator(f'[id="s-{GAP}"]').is_checked()
    _click(page, "button", "Créer les actions cochées")
    visitor.check("plan-une-action")
    action = Action.objects.get(assessment=assessment)
    assert [r.code for r in action.gaps.all()] == [GAP]

    _click(page, "link", f"Modifier — {action.title}")
    visitor.check("action-modifier")
    page.get_by_label("Porteur (nom et fonction)").fill("Mme Durand, directrice des soins")
    page.get_by_label("Date cible").fill(due_on.isoformat())
    page.get_by_label("Coût d'investissement estimé (€)").fill("12 500")
    page.get_by_label("Coût de fonctionnement annuel estimé (€)").fill("1800")
    page.get_by_label("Financement").select_option("own")
    _click(page, "button", "Enregistrer l’action")
    visitor.check("plan-action-renseignee")
    assert "Action enregistrée." in page.content()
    action.refresh_from_db()
    assert (action.owner_name, action.due_on, action.funding) == (
        "Mme Durand, directrice des soins",
        due_on,
        "own",
    )
    assert (action.cost_investment, action.cost_operating) == (Decimal("12500"), Decimal("1800"))

    # Filed with the ARS for the target it does not meet, then the assessment is submitted.
    _click(page, "link", "Plans pour les cibles CaRE (ARS)")
    visitor.check("cibles-plan")
    target = page.locator(f"#target-{TARGET}")
    target.get_by_label("Commentaire pour l’ARS (facultatif)").fill(
        "Premier comité réuni au prochain trimestre."
    )
    target.get_by_role("button", name="Déposer le plan auprès de l’ARS").click()
    page.wait_for_load_state("load")
    visitor.check("plan-depose")
    assert TargetPlan.objects.get(assessment=assessment, target=TARGET).status == "filed"
    visitor.goto(f"/assessments/{assessment.pk}/status/")
    visitor.check("statut-a-transmettre")
    _click(page, "button", "Transmettre l’auto-évaluation")
    visitor.check("transmise")
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"

    # The director validates.
    director = second_visitor
    director.sign_in(accounts["director"].email, PASSWORD)
    director.goto(f"/assessments/{assessment.pk}/status/")
    director.check("statut-a-valider")
    _click(director.page, "button", "Valider")
    director.check("validee")
    assert Assessment.objects.get(pk=assessment.pk).status == "validated"

    # The ARS, with its second factor, agrees the plan for that target.
    ars = third_visitor
    _sign_in_with_second_factor(ars, accounts["ars"].email)
    ars.goto(f"/assessments/{assessment.pk}/targets/")
    ars.check("cibles-a-decider")
    decision = ars.page.locator(f"#target-{TARGET}")
    decision.locator(f'label[for="agree-{TARGET}"]').click()
    decision.get_by_label("Commentaire (obligatoire pour demander des modifications)").fill(
        "Plan cohérent avec la cible."
    )
    decision.get_by_role("button", name="Enregistrer la décision").click()
    ars.page.wait_for_load_state("load")
    ars.check("plan-agree")
    assert TargetPlan.objects.get(assessment=assessment, target=TARGET).status == "agreed"
    assert "Plan agréé" in ars.page.locator(f"#target-{TARGET}").text_content()

    # The regional dashboard: « plan agréé » for that target, and the plan's figures.
    ars.goto(f"/dashboards/region/{seed.DEMO_REGION}/")
    ars.check("tableau-de-bord-regional")
    row = ars.page.locator("section[aria-labelledby=targets-title] tbody tr").filter(
        has_text=TARGET_LABEL
    )
    assert "Plan agréé" in row.text_content()  # the badge's text (CSS shows it in capitals)
    plans = ars.page.locator("#plans-total").inner_text()
    assert "cibles non atteintes avec un plan agréé" in plans
    costs = ars.page.locator("#plans-costs tbody tr").filter(has_text="Budget propre").inner_text()
    costs = " ".join(costs.split())  # the portal groups digits with non-breaking spaces
    assert "12 500" in costs and "1 800" in costs
