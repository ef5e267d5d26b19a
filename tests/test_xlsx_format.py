"""Every XLSX export is formatted the same way (care_portal.spreadsheets.write_sheet): bold,
frozen and filtered header, sized columns, web addresses as links, nothing run."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from actions.exports import plan_workbook
from care_portal.spreadsheets import SheetColumn, write_sheet

pytestmark = pytest.mark.django_db


def _check_formatted(sheet, rows: int):
    assert all(cell.font.b for cell in sheet[1] if cell.value is not None)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet.auto_filter.ref.endswith(str(rows + 1))
    assert all(sheet.column_dimensions[c].width for c in ("A", "B"))


def test_the_region_export_is_formatted_with_links(client, world, campaign):
    client.force_login(world.ars)
    response = client.get(reverse("dashboards:region_export", args=["84"]), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    data_rows = sheet.max_row - 1
    assert data_rows >= 1
    _check_formatted(sheet, data_rows)
    header = [cell.value for cell in sheet[1]]
    link_column = header.index("Auto-évaluation") + 1
    links = [sheet.cell(row=r, column=link_column) for r in range(2, sheet.max_row + 1)]
    assert any(cell.value for cell in links)
    for cell in links:
        if cell.value:
            assert cell.hyperlink is not None and cell.hyperlink.target == cell.value
    name_column = header.index("Établissement") + 1
    assert sheet.column_dimensions[chr(64 + name_column)].width >= 40


def test_the_action_plan_export_is_formatted(world, campaign):
    workbook = plan_workbook(campaign.hospital)
    buffer = io.BytesIO()
    workbook.save(buffer)
    for sheet in load_workbook(io.BytesIO(buffer.getvalue())).worksheets:
        _check_formatted(sheet, sheet.max_row - 1)


@pytest.mark.parametrize("write_only", [True, False])
def test_formulas_stay_text_and_only_web_addresses_are_links(write_only):
    workbook = Workbook(write_only=write_only)
    if not write_only:
        workbook.remove(workbook.active)
    rows = [('=HYPERLINK("http://x")', "https://portail.example/a/1/"), ("b", "javascript:x")]
    write_sheet(workbook, "Liste", [SheetColumn("Nom"), SheetColumn("Lien", 40)], rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")' and sheet["A2"].hyperlink is None
    assert sheet["B2"].hyperlink.target == "https://portail.example/a/1/"
    assert sheet["B3"].hyperlink is None
    _check_formatted(sheet, 2)
