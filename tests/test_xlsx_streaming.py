"""The XLSX exports are streamed from a temporary file, run the same queries whatever their
size, and hold typed cells: numbers as numbers, shares as percentages, dates as dates."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from assessments.answers import save_answers
from care_portal.spreadsheets import DATE_FORMAT, SheetColumn, write_sheet
from establishments.models import Role
from tests.campaigns import build_campaign
from tests.factories import AssessmentFactory, EstablishmentFactory, user_with_role

pytestmark = pytest.mark.django_db


def _sized(world, extra: int):
    campaign = build_campaign(world)
    for i in range(extra):
        AssessmentFactory(
            establishment=EstablishmentFactory(
                department=world.hospital.department, ght=world.ght if i % 2 else None
            ),
            campaign=campaign.campaign,
        )
    save_answers(
        assessment=campaign.clinic,
        answers={"GOV-COMITE": "yes", "GOV-RSSI": {"name": "A B", "email": "a@b.fr"}},
        expected_version=0,
        user=user_with_role(Role.RSSI, world.clinic),
    )
    call_command("recompute_scores", campaign=2025)
    return campaign


def _export(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"format": "xlsx", **params})
        assert response.status_code == 200
        assert response.streaming  # from the temporary file, not one bytes object
        body = b"".join(response.streaming_content)
    return body, len(captured)


@pytest.mark.parametrize("level", ["national", "region"])
def test_the_export_runs_the_same_queries_at_two_sizes(client, world, level):
    url_name = {"national": "dashboards:national_export", "region": "dashboards:region_export"}
    args = [] if level == "national" else [world.region.code]
    user = world.national if level == "national" else world.ars
    campaign = _sized(world, 3)
    client.force_login(user)
    url = reverse(url_name[level], args=args)
    _export(client, url)  # caches warmed (referential, targets)
    small_body, small = _export(client, url)
    for _ in range(40):
        AssessmentFactory(
            establishment=EstablishmentFactory(department=world.hospital.department),
            campaign=campaign.campaign,
        )
    call_command("recompute_scores", campaign=2025)
    large_body, large = _export(client, url)
    assert load_workbook(io.BytesIO(large_body)).active.max_row == (
        load_workbook(io.BytesIO(small_body)).active.max_row + 40
    )
    assert large == small


def test_the_cells_are_typed(client, world):
    campaign = _sized(world, 2)
    client.force_login(world.ars)
    url = reverse("dashboards:region_export", args=[world.region.code])
    body, _queries = _export(client, url)
    sheet = load_workbook(io.BytesIO(body)).active
    header = [cell.value for cell in sheet[1]]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    clinic = rows[world.clinic.finess]
    score = clinic[header.index("Score global")]
    assert isinstance(score.value, float) and score.number_format == "0.0"
    assert score.value == pytest.approx(campaign.clinic.snapshot.score_global, abs=0.05)
    incidents = clinic[header.index("Incidents signalés")]
    assert incidents.value == 0 and incidents.data_type == "n"

    body, _queries = _export(client, url, list="departments")
    sheet = load_workbook(io.BytesIO(body)).active
    header = [cell.value for cell in sheet[1]]
    row = next(sheet.iter_rows(min_row=2))
    total = row[header.index("Établissements")]
    assert isinstance(total.value, int) and total.value >= 5
    share = row[header.index("Part transmise ou validée (%)")]
    # A share is a fraction shown as a percentage (0 % here: nothing transmitted yet).
    assert share.value == 0 and share.number_format == "0.0 %"
    average = row[header.index("Score moyen")]
    assert isinstance(average.value, float) and average.number_format == "0.0"


def test_a_share_is_written_as_its_fraction_and_a_date_as_a_date():
    from dashboards.exports import PERCENT_FORMAT, Column

    column = Column("Part (%)", lambda item: item, number_format=PERCENT_FORMAT, percent=True)
    assert column.xlsx_value(42.5) == pytest.approx(0.425)
    assert column.xlsx_value(None) is None
    workbook = Workbook(write_only=True)
    write_sheet(
        workbook,
        "Liste",
        [SheetColumn("Part (%)", None, PERCENT_FORMAT), SheetColumn("Clôture")],
        [[column.xlsx_value(42.5), date(2026, 3, 31)]],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = load_workbook(buffer).active
    assert sheet["A2"].value == pytest.approx(0.425) and sheet["A2"].number_format == "0.0 %"
    assert sheet["B2"].is_date and sheet["B2"].number_format == DATE_FORMAT
    assert sheet["B2"].value.date() == date(2026, 3, 31)
