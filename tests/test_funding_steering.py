"""Steering a funding call: the ARS's regional page, the national page, their exports, 13-1.

Candidacies are built at every stage, for GHTs and for legal entities outside any GHT, in two
regions; every count the pages show is checked against a count made here over what was built.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessments.answers import save_answers
from establishments.models import Role
from funding.models import Candidacy, FundingCall
from referential.loader import load_referential_file
from tests.factories import (
    CampaignFactory,
    CandidacyFactory,
    DepartmentFactory,
    EstablishmentFactory,
    FundingCallFactory,
    GHTFactory,
    funding_stages,
    user_with_role,
)
from tests.test_target_units import build as build_sites
from tests.test_target_units import expected as expected_figure
from tests.test_target_units import region_sites

pytestmark = pytest.mark.django_db
Stage = Candidacy.Stage
STAGES = list(Stage.values)


@pytest.fixture
def call(campaign):
    return FundingCallFactory(
        referential=campaign.campaign.referential,
        code="D2",
        stages=funding_stages(control=(None, "2026-11-30"), payment=(None, "2027-03-31")),
    )


def build(world, campaign, call) -> list[Candidacy]:
    """Every stage, a GHT and a legal entity at each, in both regions (28 candidacies); the
    world's GHT is the one at "submitted" in region 84, with its answers meeting O1."""
    built = []
    for region in (world.region, world.other_region):
        department = DepartmentFactory(region=region)
        for index, stage in enumerate(STAGES):
            fields = {}
            if stage in (Stage.CONTROLLED, Stage.PAID):
                fields["control_outcome"] = Candidacy.Outcome.COMPLIANT
            if stage == Stage.PAID:
                fields["amount_paid_eur"] = 1000 * (index + 1)
            if index % 2:  # every other stage has an amount requested, with cents
                fields["amount_requested_eur"] = Decimal(f"{1500 * (index + 1)}.25")
            if region == world.region and stage == Stage.SUBMITTED:
                ght, support = world.ght, world.hospital
            else:
                ght = GHTFactory(region=region)
                support = EstablishmentFactory(department=department, ght=ght)
            built.append(
                CandidacyFactory(
                    call=call,
                    establishment=support,
                    ght=ght,
                    finess_ej=support.finess_ej,
                    region=region,
                    stage=stage,
                    **fields,
                )
            )
            entity = EstablishmentFactory(department=department, name=f"Clinique {stage}")
            built.append(
                CandidacyFactory(
                    call=call, establishment=entity, region=region, stage=stage, **fields
                )
            )
    clinic_rssi = user_with_role(Role.RSSI, world.clinic)
    for assessment, user in ((campaign.hospital, world.rssi), (campaign.clinic, clinic_rssi)):
        save_answers(
            assessment=assessment, answers={"GOV-COMITE": "yes"}, expected_version=0, user=user
        )
    return built


def summary_cells(html: str, region: str) -> dict[str, str]:
    row = re.search(rf'<tr data-region="{region}">(.*?)</tr>', html, re.S).group(1)
    cells = dict(re.findall(r'data-stage="(\d+)">(\d+)<', row))
    stages = {STAGES[int(k)]: int(v) for k, v in cells.items()}
    cols = {k: int(v) for k, v in re.findall(r'data-col="(\w+)">(\d+)<', row)}
    requested = re.search(r'data-col="requested" data-value="([0-9.]+)"', row).group(1)
    return stages | cols | {"requested": Decimal(requested)}


def expected(built: list[Candidacy], region: str) -> dict:
    mine = [c for c in built if c.region_id == region]
    declared = (Stage.DECLARED, Stage.SIGNED, Stage.CONTROLLED, Stage.PAID)
    return dict(Counter(c.stage for c in mine)) | {
        "ghts": sum(1 for c in mine if c.ght_id),
        "entities": sum(1 for c in mine if not c.ght_id),
        "declared": sum(1 for c in mine if c.stage in declared),  # one objective per call
        "met": 1 if region == "84" else 0,  # the world's GHT alone has answers meeting O1
        "missing": len(mine),  # no document attached anywhere
        "paid": sum(c.amount_paid_eur or 0 for c in mine),
        # Summed here from the candidacies built, independently of the page's own sum.
        "requested": sum((c.amount_requested_eur or Decimal(0) for c in mine), Decimal(0)),
    }


def page(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def test_the_region_page_counts_equal_a_count_over_the_candidacies(client, world, campaign, call):
    built = build(world, campaign, call)
    url = reverse("dashboards:funding_region", args=["84", "D2"])
    response = page(client, world.ars, url)
    assert response.status_code == 200
    html = response.content.decode()
    assert summary_cells(html, "84") == expected(built, "84")
    # Nothing of the other region.
    assert 'data-region="11"' not in html
    assert "Île-de-France" not in html
    assert "14 candidatures" in html
    # The submitted GHT's next stage is the ARS's instruction; a signed one's, the control.
    assert "Instruction" in html
    assert "Control — jusqu'au 30 novembre 2026" in unescape(html)


def test_the_national_page_shows_every_region_side_by_side(client, world, campaign, call):
    built = build(world, campaign, call)
    url = reverse("dashboards:funding_national", args=["D2"])
    html = page(client, world.national, url).content.decode()
    for region in ("84", "11"):
        assert summary_cells(html, region) == expected(built, region)
    assert "28 candidatures" in html
    # The ARS, an RSSI, a GHT lead do not open it; nor the ARS another region's page.
    for user in (world.ars, world.rssi, world.ght_lead):
        assert page(client, user, url).status_code == 404
    other = reverse("dashboards:funding_region", args=["11", "D2"])
    assert page(client, world.ars, other).status_code == 404
    assert (
        page(
            client, world.rssi, reverse("dashboards:funding_region", args=["84", "D2"])
        ).status_code
        == 404
    )
    assert (
        page(
            client, world.national, reverse("dashboards:funding_national", args=["NOPE"])
        ).status_code
        == 404
    )


def test_filters_narrow_the_list_and_bad_ones_are_refused(client, world, campaign, call):
    build(world, campaign, call)
    url = reverse("dashboards:funding_region", args=["84", "D2"])
    html = page(client, world.ars, url, stage="paid", kind="ej").content.decode()
    assert "1 candidature" in html and "Clinique paid" in html
    html = page(client, world.ars, url, kind="ght").content.decode()
    assert "7 candidatures" in html and "Clinique" not in html.split('id="steering-list"')[1]
    html = page(client, world.ars, url, q="GHT Rhône").content.decode()
    assert "1 candidature" in html
    response = page(client, world.ars, url, stage="won")
    assert response.status_code == 400
    assert "Étape « won » inconnue." in response.content.decode()
    export = reverse("dashboards:funding_region_export", args=["84", "D2"])
    response = page(client, world.ars, export, format="csv", kind="other")
    assert response.status_code == 400
    assert "Type de candidat « other » inconnu." in response.content.decode()
    assert page(client, world.ars, export, format="pdf").status_code == 400


def test_exports_carry_the_filtered_list_typed_and_formatted(client, world, campaign, call):
    built = build(world, campaign, call)
    export = reverse("dashboards:funding_region_export", args=["84", "D2"])
    response = page(client, world.ars, export, format="csv", stage="paid")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["Région", "Type de candidat", "Candidat"]
    paid = sorted(
        str(c.amount_paid_eur) for c in built if c.region_id == "84" and c.stage == Stage.PAID
    )
    assert sorted(row[9] for row in rows[1:]) == paid
    response = page(client, world.ars, export, format="csv", stage="validated")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][10] == "Montant demandé (€)"
    # French decimals in the CSV, the cents kept (1 500 € × 2 + 0,25 €, the validated stage's).
    assert ["".join(row[10].split()) for row in rows[1:]] == ["3000,25", "3000,25"]
    response = page(client, world.ars, export, format="xlsx")
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:M15"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.column_dimensions["C"].width >= 12
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == 14
    assert all(isinstance(row[5], int) for row in values)  # objectives: a number, not text
    amounts = sorted(row[9] for row in values if row[9] is not None)
    assert amounts == sorted(
        c.amount_paid_eur for c in built if c.region_id == "84" and c.amount_paid_eur
    )
    # The amount requested: a number with its cents, beside the amount paid.
    assert [cell.value for cell in sheet[1]][10] == "Montant demandé (€)"
    requested = [row[10] for row in values if row[10] is not None]
    assert all(isinstance(value, float | int) for value in requested)
    assert sorted(Decimal(str(v)) for v in requested) == sorted(
        c.amount_requested_eur for c in built if c.region_id == "84" and c.amount_requested_eur
    )


# --- Target 13-1 over the candidates ----------------------------------------------------------


@pytest.fixture
def v2_campaign(db):
    load_referential_file("fixtures/referential/care-2025.yaml")
    referential = load_referential_file("fixtures/referential/care-2026.yaml").referential
    return CampaignFactory(year=2026, referential=referential)


def test_target_13_1_counts_the_candidacies_once_any_is_recorded(client, v2_campaign):
    """The D1 figure counts the sites the candidacies cover, no longer the candidacy answer."""
    sites = build_sites(v2_campaign, region_sites())
    user = user_with_role(Role.ARS, sites[0].establishment.region)
    url = reverse("dashboards:region", args=["84"])
    client.force_login(user)
    figures = {f.target.key: f for f in client.get(url).context["target_figures"]}
    assert figures["domain1"].text == "3 / 5 candidats à l'appel D1"  # from the answers
    d1 = FundingCall.objects.get(code="D1", referential=v2_campaign.referential)
    # GHT G1 (the three sites of A) and legal entity C (two sites, no GHT) apply to D1.
    a1 = next(s for s in sites if s.ej == "A" and s.support)
    c1 = next(s for s in sites if s.ej == "C")
    CandidacyFactory(
        call=d1,
        establishment=a1.establishment,
        ght=a1.establishment.ght,
        region=a1.establishment.region,
    )
    CandidacyFactory(call=d1, establishment=c1.establishment, stage=Stage.REFUSED)
    for site in sites:
        site.candidate = site.region == "84" and site.ej in ("A", "C")
    met, population, _apart = expected_figure([s for s in sites if s.region == "84"], "domain1")
    figures = {f.target.key: f for f in client.get(url).context["target_figures"]}
    assert (figures["domain1"].met, figures["domain1"].population) == (met, population)
    # A1 and C1 meet Domain 1, A2 does not, A3 and C2 have not answered.
    assert figures["domain1"].text == "2 / 5 candidats à l'appel D1"


def test_a_candidacy_filed_keeps_the_summary_exact(
    client, v2_campaign, django_capture_on_commit_callbacks
):
    """Once the campaign's summary is built, filing a candidacy rebuilds it: the D1 figure read
    from the summary is the one counted live over the candidacies."""
    from dashboards.summary import differences, rebuild_summary
    from funding.workflow import apply

    sites = build_sites(v2_campaign, region_sites())
    with django_capture_on_commit_callbacks(execute=True):
        rebuild_summary(v2_campaign)
    assert differences(v2_campaign) == []
    d1 = FundingCall.objects.get(code="D1", referential=v2_campaign.referential)
    a1 = next(s for s in sites if s.ej == "A" and s.support)
    lead = user_with_role(Role.GHT, a1.establishment.ght)
    apply(d1, user=lead, applicant=a1.establishment.ght.code, today=d1_window_day(d1))
    assert differences(v2_campaign) == []
    for site in sites:
        site.candidate = site.region == "84" and site.ej == "A"
    met, population, _apart = expected_figure([s for s in sites if s.region == "84"], "domain1")
    client.force_login(user_with_role(Role.ARS, a1.establishment.region))
    page = client.get(reverse("dashboards:region", args=["84"]))
    assert page.context["dashboard"].stored_rows is not None  # read from the summary
    figures = {f.target.key: f for f in page.context["target_figures"]}
    assert (figures["domain1"].met, figures["domain1"].population) == (met, population)


def d1_window_day(call):
    """A day within the call's candidacy window."""
    from datetime import date

    stage = next(s for s in call.stages if s["code"] == "candidacy")
    return date.fromisoformat(str(stage["opens_on"]))
