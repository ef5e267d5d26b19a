"""The continuity call (D2) in a real browser: the RSSI of a GHT's support establishment prepares
the declaration with evidence, the ARS validates the candidacy, the RSSI declares, the director
signs, the ARS records the control. Every page is checked with axe-core (see conftest)."""

import io
import zipfile
from datetime import date

import pytest
from django.utils import timezone
from django_otp.oath import TOTP

from assessments.answers import save_answers
from assessments.campaigns import open_campaign
from assessments.models import Evidence
from demo import seed
from demo.campaigns import _staff
from establishments.models import Establishment
from funding.models import Candidacy, FundingCall
from funding.objectives import candidacy_assessments
from funding.workflow import apply, attach_document
from referential.loader import load_referential_file
from referential.models import Requirement
from tests.e2e.conftest import DESKTOP, Visitor

pytestmark = pytest.mark.django_db(transaction=True)
LAST_SLOT = ("O2.A", "politique_sauvegarde")


@pytest.fixture
def candidacy(live_server):
    """The demo GHT's candidacy to D2, filed in its window, prerequisites met by every member,
    every document attached but the backup policy, whose evidence waits in the assessment."""
    seed.seed_registry()
    load_referential_file(seed.REFERENTIAL_FILE)
    referential = load_referential_file(seed.REFERENTIAL_V2_FILE).referential
    accounts = {a.role: a for a in reversed(seed.seed_people())}
    open_campaign(year=timezone.localdate().year, referential=referential, region=seed.DEMO_REGION)
    hospital = Establishment.objects.get(finess=accounts["rssi"].scope)
    ght = hospital.ght
    call = FundingCall.objects.current().get(code="D2")
    rssi = _staff(hospital)[0]
    candidacy = apply(call, user=rssi, applicant=ght.code, today=date(2025, 10, 1))
    for assessment in candidacy_assessments(candidacy):
        member_rssi = _staff(assessment.establishment)[0]
        save_answers(
            assessment=assessment,
            answers={"D2-P1-PSSI": True, "D2-P2-ORGANISATION-PCRA": "yes"},
            expected_version=assessment.version,
            user=member_rssi,
        )
    support = next(a for a in candidacy_assessments(candidacy) if a.establishment == hospital)
    for item in [*call.prerequisites, *call.objectives]:
        requirement = Requirement.objects.get(referential=referential, code=item["requirements"][0])
        for slot in item["documents"]:
            evidence = Evidence.objects.create(
                assessment=support,
                requirement=requirement,
                kind=Evidence.Kind.NOTE,
                note=f"{slot['label']} (classé à la direction)",
                created_by=rssi,
            )
            if (item["code"], slot["code"]) != LAST_SLOT:
                attach_document(
                    candidacy,
                    user=rssi,
                    objective=item["code"],
                    document=slot["code"],
                    evidence_id=evidence.pk,
                )
    return candidacy, accounts


def _visitor(browser, live_server, name):
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, Visitor(page, live_server.url, name)


def _second_factor(visitor, email):
    visitor.sign_in(email, seed.DEMO_PASSWORD)
    code = TOTP(bytes.fromhex(seed.DEMO_TOTP_KEY), digits=6).token()
    visitor.page.locator("input[name=code]").first.fill(f"{code:06d}")
    visitor.page.locator("main button[type=submit]").first.click()
    visitor.page.wait_for_load_state("load")


def _move(visitor, button, *, comment=""):
    page = visitor.page
    if comment:
        page.get_by_label("Commentaire, motif ou constats").fill(comment)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state("load")


def test_a_ght_declares_the_continuity_objectives_and_the_ars_controls(
    candidacy, browser, live_server
):
    candidacy, accounts = candidacy
    path = f"/funding/candidacies/{candidacy.pk}/"
    contexts = []
    try:
        # The RSSI attaches the last document from the assessment's evidence.
        context, rssi = _visitor(browser, live_server, "funding-rssi")
        contexts.append(context)
        rssi.sign_in(accounts["rssi"].email, seed.DEMO_PASSWORD)
        rssi.goto(path)
        rssi.check("candidature-preparation")
        page = rssi.page
        page.get_by_label("Pièce demandée").select_option("/".join(LAST_SLOT))
        evidence = page.get_by_label("Preuve déjà déposée dans l'auto-évaluation")
        evidence.select_option(
            label=evidence.locator("option", has_text="Politique de sauvegarde").first.inner_text()
        )
        page.get_by_role("button", name="Joindre", exact=True).click()
        page.wait_for_load_state("load")
        rssi.check("candidature-piece-jointe")
        assert "Pièce jointe à l'objectif O2.A." in page.content()

        # The ARS validates the candidacy.
        context, ars = _visitor(browser, live_server, "funding-ars")
        contexts.append(context)
        _second_factor(ars, accounts["ars"].email)
        ars.goto(path)
        ars.check("candidature-instruction")
        _move(ars, "Candidature retenue par l'ARS")
        ars.check("candidature-retenue")

        # The RSSI declares the objectives and downloads the declaration pack.
        rssi.goto(path)
        _move(rssi, "Objectifs déclarés")
        rssi.check("candidature-declaree")
        assert "Candidature passée à l'étape « Objectifs déclarés »." in page.content()
        with page.expect_download() as download:
            page.get_by_role("link", name="Télécharger le dossier de déclaration").click()
        pack = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
        assert "declaration-atteinte-objectifs.pdf" in pack.namelist()

        # The director signs the declaration.
        context, director = _visitor(browser, live_server, "funding-direction")
        contexts.append(context)
        director.sign_in(accounts["director"].email, seed.DEMO_PASSWORD)
        director.goto(path)
        director.check("declaration-a-signer")
        _move(director, "Déclaration signée par la direction")
        director.check("declaration-signee")

        # The ARS records the control, compliant, with its findings.
        ars.goto(path)
        ars.page.locator('label[for="outcome-compliant"]').click()
        _move(ars, "Contrôle enregistré", comment="Contrôle sur pièces : conforme.")
        ars.check("controle-enregistre")
        candidacy.refresh_from_db()
        assert (candidacy.stage, candidacy.control_outcome) == (
            Candidacy.Stage.CONTROLLED,
            Candidacy.Outcome.COMPLIANT,
        )
        assert [m.to_stage for m in candidacy.moves.all()] == [
            "submitted", "validated", "declared", "signed", "controlled"
        ]  # fmt: skip

        # The region's steering page shows it.
        ars.goto(f"/dashboards/region/{seed.DEMO_REGION}/funding/D2/")
        ars.check("pilotage-appel")
        assert "Contrôle enregistré" in ars.page.content()
    finally:
        for context in contexts:
            context.close()
