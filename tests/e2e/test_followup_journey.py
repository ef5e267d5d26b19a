"""An ARS user, in a real browser, relaunches establishments from the regional dashboard and
downloads the PDF reports of a selection. Every page is checked with axe-core (see conftest)."""

import io
import zipfile

import pytest
from django.utils import timezone
from django_otp.oath import TOTP

from assessments.campaigns import open_campaign
from demo import seed
from establishments.models import Establishment
from followup.models import BulkReport, Relaunch
from referential.loader import load_referential_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def region_campaign(live_server):
    """The demo registry and accounts, and this year's campaign in the demo region."""
    seed.seed_registry()
    referential = load_referential_file(seed.REFERENTIAL_FILE).referential
    accounts = {}
    for account in seed.seed_people():
        accounts.setdefault(account.role, account)
    open_campaign(year=timezone.localdate().year, referential=referential, region=seed.DEMO_REGION)
    return accounts


def _sign_in_with_second_factor(visitor, email):
    visitor.sign_in(email, seed.DEMO_PASSWORD)
    code = TOTP(bytes.fromhex(seed.DEMO_TOTP_KEY), digits=6).token()
    visitor.page.locator("input[name=code]").first.fill(f"{code:06d}")
    visitor.page.locator("main button[type=submit]").first.click()
    visitor.page.wait_for_load_state("load")


def _tick(page, establishment):
    # DSFR draws the box over the native checkbox: tick it with the keyboard.
    page.locator(f'[id="select-{establishment.pk}"]').focus()
    page.keyboard.press("Space")


def test_ars_relaunches_a_selection_and_downloads_its_reports(region_campaign, visitor, mailoutbox):
    accounts = region_campaign
    page = visitor.page
    hospital = Establishment.objects.get(finess=accounts["rssi"].scope)
    others = list(
        Establishment.objects.filter(region_id=seed.DEMO_REGION).exclude(pk=hospital.pk)[:1]
    )
    _sign_in_with_second_factor(visitor, accounts["ars"].email)
    visitor.goto(f"/dashboards/region/{seed.DEMO_REGION}/")

    # Relaunch two establishments ticked in the list.
    for establishment in (hospital, *others):
        _tick(page, establishment)
    page.get_by_role("button", name="Relancer", exact=True).click()
    page.wait_for_load_state("load")
    visitor.check("relance-redaction")
    assert "2 établissements sélectionnés" in page.content()
    page.get_by_label("Objet").fill("Auto-évaluation CaRE : il reste trois semaines")
    page.get_by_role("button", name="Envoyer la relance").click()
    page.wait_for_load_state("load")
    visitor.check("relance-envoyee")
    relaunch = Relaunch.objects.get()
    assert relaunch.recipients.filter(establishment=hospital, sent_at__isnull=False).exists()
    assert any(m.subject == "Auto-évaluation CaRE : il reste trois semaines" for m in mailoutbox)
    page.get_by_role("link", name="Historique des relances").last.click()
    page.wait_for_load_state("load")
    visitor.check("relances-historique")
    assert "il reste trois semaines" in page.content()

    # Ask for the PDF report of the hospital, then download the ZIP.
    visitor.goto(f"/dashboards/region/{seed.DEMO_REGION}/")
    _tick(page, hospital)
    page.get_by_role("button", name="Rapports PDF", exact=True).click()
    page.wait_for_load_state("load")
    visitor.check("rapports-pdf-demande")
    page.get_by_role("button", name="Produire les rapports").click()
    page.wait_for_load_state("load")
    visitor.check("rapports-pdf-liste")
    assert BulkReport.objects.get().status == BulkReport.Status.READY
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le ZIP").first.click()
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    [name] = archive.namelist()
    assert name.startswith(hospital.finess)
    assert archive.read(name).startswith(b"%PDF")
