"""What the three kinds of users do, in a real browser: an RSSI fills and submits, a director
validates, an ARS user (with two-factor sign-in) follows the region and reopens an assessment.

Every page visited is checked with axe-core and screenshotted (see conftest).
"""

import csv
import io
import random
from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import TOTP

from assessments.answers import save_answers
from assessments.campaigns import open_campaign
from assessments.models import Assessment, Evidence
from assessments.scoring.compiled import compiled_referential
from assessments.scoring.service import kinds_of
from assessments.workflow import submit, validate
from demo import seed
from demo.answers import demo_value
from establishments.models import User
from referential.loader import load_referential_file
from referential.models import Axis
from tests.answers import logged_in_register
from tests.test_report import pdf_text

PASSWORD = seed.DEMO_PASSWORD
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_world(live_server):
    """The demo registry, referential and accounts, and this year's campaign in the demo region."""
    seed.seed_registry()
    referential = load_referential_file(seed.REFERENTIAL_FILE).referential
    # The first account of each role: the RSSI and director of the demo hospital.
    accounts = {}
    for account in seed.seed_people():
        accounts.setdefault(account.role, account)
    open_campaign(year=timezone.localdate().year, referential=referential, region=seed.DEMO_REGION)
    hospital_assessment = Assessment.objects.get(establishment__finess=accounts["rssi"].scope)
    # The GHT lead has already answered the GHT-level items on the support hospital's assessment.
    compiled = compiled_referential(referential.pk)
    ght_answers = {
        code: value
        for code, value in complete_answers(hospital_assessment).items()
        if code in compiled.ght_level_codes
    }
    save_answers(
        assessment=hospital_assessment,
        answers=ght_answers,
        expected_version=hospital_assessment.version,
        user=User.objects.get(email=accounts["ght"].email),
    )
    hospital_assessment.refresh_from_db()
    return accounts, hospital_assessment


def complete_answers(assessment: Assessment, *, skip_axis: str | None = None) -> dict:
    """Every answer the establishment is asked, met, except those of `skip_axis`."""
    compiled = compiled_referential(assessment.campaign.referential_id)
    establishment = assessment.establishment
    kinds = kinds_of(establishment.kind, establishment.ght_id)
    today = timezone.localdate()
    rng = random.Random(7)
    answers = compiled.model.answer_asked(
        lambda spec: None if spec.axis == skip_axis else demo_value(spec.rule, "met", rng, today),
        kinds=kinds,
        ght_support=establishment.is_ght_support,
    )
    # The exercise answers are read from the register: the exercise is logged there.
    return logged_in_register(assessment, answers)


def fill_visible_unanswered(page) -> int:
    """Answer, as a person would, every question of the step that has no answer yet."""
    filled = 0
    for _round in range(3):  # answering may reveal follow-up questions
        targets = page.evaluate(
            """() => {
              const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
              const form = document.getElementById('assessment-form');
              const out = {radios: [], texts: []};
              const groups = {};
              for (const r of form.querySelectorAll('input[type=radio]:not([disabled])')) {
                if (!visible(r)) continue;
                groups[r.name] = groups[r.name] || {checked: false, id: r.id};
                if (r.checked) groups[r.name].checked = true;
              }
              for (const g of Object.values(groups)) if (!g.checked) out.radios.push(g.id);
              for (const i of form.querySelectorAll('input[type=text], input[type=email], input[type=date]')) {
                if (!visible(i) || i.disabled || i.value) continue;
                const base = i.name.split('__')[0];
                const flag = form.querySelector(`input[name="${base}__nobody"], input[name="${base}__never"], input[name="${base}__na"]`);
                if (flag && flag.checked) continue;
                out.texts.push({id: i.id, name: i.name, type: i.type});
              }
              return out;
            }"""
        )
        if not targets["radios"] and not targets["texts"]:
            break
        for radio_id in targets["radios"]:
            # DSFR draws its own radios over the native ones: choose with the keyboard.
            page.locator(f'[id="{radio_id}"]').focus()
            page.keyboard.press("Space")
            filled += 1
        for field in targets["texts"]:
            locator = page.locator(f'[id="{field["id"]}"]')
            if field["type"] == "date":
                value = (timezone.localdate() - timedelta(days=40)).isoformat()
            elif field["type"] == "email":
                value = "jeanne.martin@ch-chambery.fr"
            elif field["name"].endswith("__name"):
                value = "Jeanne Martin"
            elif field["name"].endswith("__numerator"):
                value = "2600000"
            elif field["name"].endswith("__denominator"):
                value = "104000000"
            else:
                value = "95"
            locator.fill(value)
            filled += 1
    return filled


def test_rssi_fills_attaches_evidence_is_refused_then_submits(demo_world, visitor, tmp_path):
    accounts, assessment = demo_world
    page = visitor.page
    visitor.sign_in(accounts["rssi"].email, PASSWORD)
    visitor.check("accueil")

    page.get_by_role("link", name="Mes auto-évaluations").first.click()
    visitor.check("mes-auto-evaluations")
    page.get_by_role("link", name="Remplir").first.click()
    visitor.check("formulaire-etape-1")

    assert page.locator(".fr-stepper").first.is_visible()
    step_codes = list(
        Axis.objects.filter(referential=assessment.campaign.referential)
        .order_by("number")
        .values_list("code", flat=True)
    )
    # Fill every step but the last, saving each one.
    for index, step in enumerate(step_codes[:-1], start=1):
        visitor.goto(f"/assessments/{assessment.pk}/?step={step}")
        visitor.check(f"formulaire-etape-{index}")
        assert fill_visible_unanswered(page) > 0
        page.get_by_role("button", name="Enregistrer et continuer").first.click()
        page.wait_for_load_state("load")
        assert "Enregistr" in page.content()
        if index == 1:
            visitor.check("formulaire-apres-enregistrement")

    # Attach a piece of evidence to the RSSI requirement.
    proof = tmp_path / "decision-nomination-rssi.pdf"
    proof.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    visitor.goto(f"/assessments/{assessment.pk}/evidence/GOV-RSSI/")
    visitor.check("preuves")
    page.locator("input[type=file]").set_input_files(str(proof))
    page.get_by_role("button", name="Déposer").click()
    page.wait_for_load_state("load")
    assert "decision-nomination-rssi.pdf" in page.content()
    assert Evidence.objects.filter(assessment=assessment).count() == 1

    # Submitting with the last step empty is refused, with the missing answers listed.
    visitor.goto(f"/assessments/{assessment.pk}/status/")
    visitor.check("statut-brouillon")
    page.get_by_role("button", name="Transmettre l’auto-évaluation").click()
    page.wait_for_load_state("load")
    assert "Il manque" in page.content()
    visitor.check("transmission-refusee")
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"

    # Complete the last step, then submit.
    visitor.goto(f"/assessments/{assessment.pk}/?step={step_codes[-1]}")
    fill_visible_unanswered(page)
    page.get_by_role("button", name="Enregistrer", exact=True).first.click()
    page.wait_for_load_state("load")
    visitor.goto(f"/assessments/{assessment.pk}/status/")
    page.get_by_role("button", name="Transmettre l’auto-évaluation").click()
    page.wait_for_load_state("load")
    visitor.check("transmise")
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"


def test_keyboard_only_navigation_of_the_form(demo_world, visitor):
    accounts, assessment = demo_world
    page = visitor.page
    visitor.sign_in(accounts["rssi"].email, PASSWORD)
    visitor.goto(f"/assessments/{assessment.pk}/?step=1")
    # The skip link is the first stop and leads to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Contenu"
    # Tab through the page until the first answer of the form is reached, then answer it.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") in ("radio", "text", "email"):
            break
    focused = page.evaluate(
        "({type: document.activeElement.type, name: document.activeElement.name})"
    )
    assert focused["name"], "no form field reachable with the keyboard"
    if focused["type"] == "radio":
        page.keyboard.press("Space")
    else:
        page.keyboard.type("Jeanne Martin")
    # Every control must show where the focus is (DSFR focus ring), so check one is drawn.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none" or page.evaluate(
        "getComputedStyle(document.activeElement, ':focus-visible') !== null"
    )
    # Reach the save button with the keyboard and press it.
    for _ in range(300):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Enregistrer":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Assessment.objects.get(pk=assessment.pk).version >= 1


def test_director_reads_downloads_and_validates(demo_world, visitor):
    accounts, assessment = demo_world
    rssi = User.objects.get(email=accounts["rssi"].email)
    save_answers(
        assessment=assessment,
        answers=complete_answers(assessment),
        expected_version=assessment.version,
        user=rssi,
    )
    submit(assessment=Assessment.objects.get(pk=assessment.pk), user=rssi)

    page = visitor.page
    visitor.sign_in(accounts["director"].email, PASSWORD)
    visitor.check("accueil-direction")
    visitor.goto(f"/assessments/{assessment.pk}/status/")
    visitor.check("synthese")
    assert "Transmise" in page.content()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Rapport PDF").first.click()
    text = pdf_text(download_info.value.path().read_bytes())
    assert assessment.establishment.finess in text
    assert "CENTRE HOSPITALIER" in text.upper()

    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state("load")
    visitor.check("validee")
    refreshed = Assessment.objects.get(pk=assessment.pk)
    assert refreshed.status == "validated"
    assert refreshed.validated_by.email == accounts["director"].email


def test_ars_two_factor_dashboard_export_and_reopen(demo_world, visitor):
    accounts, assessment = demo_world
    rssi = User.objects.get(email=accounts["rssi"].email)
    director = User.objects.get(email=accounts["director"].email)
    save_answers(
        assessment=assessment,
        answers=complete_answers(assessment),
        expected_version=assessment.version,
        user=rssi,
    )
    submit(assessment=Assessment.objects.get(pk=assessment.pk), user=rssi)
    validate(assessment=Assessment.objects.get(pk=assessment.pk), user=director)

    page = visitor.page
    visitor.sign_in(accounts["ars"].email, PASSWORD)
    # Second step: the code of the authenticator application.
    assert "two-factor" in page.url
    visitor.check("double-authentification")
    code = TOTP(bytes.fromhex(seed.DEMO_TOTP_KEY), digits=6).token()
    page.locator("input[name=code]").first.fill(f"{code:06d}")
    page.locator("main button[type=submit]").first.click()
    page.wait_for_load_state("load")
    assert "two-factor" not in page.url

    page.get_by_role("link", name="Tableau de bord régional").first.click()
    page.wait_for_load_state("load")
    visitor.check("tableau-de-bord-regional")
    assert "/dashboards/region/84/" in page.url

    # Filter the list: ES only.
    filters = page.locator("#etablissements form")
    filters.get_by_label("Type", exact=True).select_option("ES")
    filters.get_by_label("Avancement").select_option("validated")
    filters.get_by_role("button", name="Filtrer", exact=True).click()
    page.wait_for_load_state("load")
    visitor.check("tableau-de-bord-filtre")
    assert "kind=ES" in page.url

    with page.expect_download() as download_info:
        page.locator("#etablissements").get_by_role("link", name="Exporter en CSV").first.click()
    content = download_info.value.path().read_text(encoding="utf-8-sig")
    rows = list(
        csv.reader(io.StringIO(content), delimiter=";" if ";" in content.splitlines()[0] else ",")
    )
    assert len(rows) > 1
    assert any(assessment.establishment.finess in row for row in rows), rows[:3]

    # Open the establishment's assessment from the list and reopen it with a comment.
    page.locator("#etablissements").get_by_role(
        "link", name=f"Auto-évaluation — {assessment.establishment.name}"
    ).first.click()
    page.wait_for_load_state("load")
    visitor.check("auto-evaluation-lecture")
    assert f"/assessments/{assessment.pk}/" in page.url
    page.get_by_role("link", name="Statut et transmission").first.click()
    page.wait_for_load_state("load")
    visitor.check("statut-validee")
    page.get_by_label("Commentaire").last.fill(
        "Le budget total semble incomplet, merci de le vérifier."
    )
    page.get_by_role("button", name="Rouvrir avec ce commentaire").click()
    page.wait_for_load_state("load")
    visitor.check("rouverte")
    refreshed = Assessment.objects.get(pk=assessment.pk)
    assert refreshed.status == "reopened"
    assert "budget total" in page.content()


def test_rssi_reviews_then_confirms_the_submission(demo_world, visitor):
    """The last step ends with « Vérifier et transmettre »; nothing leaves without the box ticked."""
    accounts, assessment = demo_world
    page = visitor.page
    visitor.sign_in(accounts["rssi"].email, PASSWORD)
    step_codes = list(
        Axis.objects.filter(referential=assessment.campaign.referential)
        .order_by("number")
        .values_list("code", flat=True)
    )
    for step in step_codes:
        visitor.goto(f"/assessments/{assessment.pk}/?step={step}")
        fill_visible_unanswered(page)
        name = "Vérifier et transmettre" if step == step_codes[-1] else "Enregistrer et continuer"
        page.get_by_role("button", name=name).first.click()
        page.wait_for_load_state("load")
    assert page.url.endswith(f"/assessments/{assessment.pk}/review/")
    visitor.check("verifier-et-transmettre")
    assert "Toutes les réponses obligatoires sont données." in page.content()
    # The browser keeps the form until the confirmation is ticked.
    page.get_by_role("button", name="Transmettre l’auto-évaluation").click()
    assert Assessment.objects.get(pk=assessment.pk).status == "draft"
    # DSFR draws the box over the native one: tick it through its label, as a person does.
    page.locator("label[for=confirm]").click()
    assert page.locator("#confirm").is_checked()
    page.get_by_role("button", name="Transmettre l’auto-évaluation").click()
    page.wait_for_load_state("load")
    assert Assessment.objects.get(pk=assessment.pk).status == "submitted"
    assert "transmise à la direction" in page.content()
