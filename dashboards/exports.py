"""CSV and XLSX exports of the dashboards' lists, with the page's filters applied.

CSV is written the way French spreadsheet software reads it (UTF-8 with BOM, `;` separator,
decimal comma) and streamed row by row; XLSX is written row by row in constant memory
(care_portal.spreadsheets.write_xlsx). Text cells go through care_portal.spreadsheets, so that
none runs as a formula.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from actions.agreement import PLAN_AGREED, PLAN_AGREED_LABEL
from care_portal.formats import format_decimal, format_number
from care_portal.spreadsheets import SheetColumn, safe_text, write_xlsx
from dashboards.figures import PROGRESS_LABELS
from dashboards.listing import NIS2_LABELS, decorate
from referential.targets import HeadlineTarget

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MIN_WIDTH, XLSX_MAX_WIDTH = 12, 50


SCORE_FORMAT = "0.0"
COUNT_FORMAT = "0"
PERCENT_FORMAT = "0.0 %"
AMOUNT_FORMAT = "#,##0.00"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[object], object]
    width: int | None = None  # in the XLSX file; None: from the header
    # The XLSX cell's number format; a percent column holds its share in percentage points
    # (the CSV's figure) and the XLSX cell the fraction, shown as a percentage.
    number_format: str | None = None
    percent: bool = False

    def xlsx_value(self, item):
        value = self.value(item)
        if self.percent and isinstance(value, int | float):
            return value / 100
        return value


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def establishment_columns(
    targets: Sequence[HeadlineTarget], site_url: str, region_names: Mapping[str, str]
) -> list[Column]:
    """The columns of the establishment list; `site_url` is the portal's address, no slash;
    `region_names`: each region's name by its code (the rows carry the code alone)."""
    # Translated once per export, not once per cell: tens of thousands of rows.
    flags = {"n/a": _("Non concerné"), None: _("Non renseigné"), True: _("Oui"), False: _("Non")}
    flags[PLAN_AGREED] = str(PLAN_AGREED_LABEL)
    progress_labels = {key: str(label) for key, label in PROGRESS_LABELS.items()}
    nis2_labels = {key: str(label) for key, label in NIS2_LABELS.items()}

    def link(suffix: str):
        def value(row: dict) -> str:
            if row["assessment_id"] is None:
                return ""
            return f"{site_url}/assessments/{row['assessment_id']}/{suffix}"

        return value

    columns = [
        Column(_("FINESS ET"), lambda r: r["finess"]),
        Column(_("Établissement"), lambda r: r["name"], width=45),
        Column(_("Type"), lambda r: r["kind"]),
        Column(_("Catégorie"), lambda r: r["category_label"]),
        Column(_("Statut juridique"), lambda r: r["legal_status"]),
        Column(_("Département"), lambda r: r["department_id"]),
        Column(_("Région"), lambda r: region_names.get(r["region_id"], r["region_id"])),
        Column(_("GHT"), lambda r: r["ght__code"] or ""),
        Column(_("Statut NIS2"), lambda r: nis2_labels[r["nis2_status"]]),
        Column(_("OSE"), lambda r: flags[r["is_ose"]]),
        Column(_("Avancement"), lambda r: progress_labels[r["progress_key"]]),
        Column(_("Score global"), lambda r: _round(r["score"]), number_format=SCORE_FORMAT),
        # Version 2 on (empty for a version-1 assessment): plan and funding-call items only.
        Column(
            _("Score cibles CaRE"), lambda r: _round(r["score_care"]), number_format=SCORE_FORMAT
        ),
        Column(_("Incidents signalés"), lambda r: r["incidents"], number_format=COUNT_FORMAT),
    ]
    for i, target in enumerate(targets):
        columns.append(Column(target.label, lambda r, i=i: flags[r["flags"][i][1]]))
    columns.append(Column(_("Auto-évaluation"), link(""), width=45))
    columns.append(Column(_("Rapport PDF"), link("report.pdf"), width=45))
    return columns


def plan_columns(funding_sources: Sequence[tuple[str, str]]) -> list[Column]:
    """The action plans' figures of a group (``extra["plan"]``, see actions.figures)."""
    columns = [
        Column(_("Cibles CaRE non atteintes (unités)"), lambda f: f.unmet_targets),
        Column(_("dont plan agréé par l'ARS"), lambda f: f.agreed_plans),
        Column(_("Part avec plan agréé (%)"), lambda f: _round(f.agreed_plan_share)),
        Column(_("Actions en retard"), lambda f: f.extra["plan"].overdue),
    ]
    for source, label in funding_sources:
        columns.append(
            Column(
                _("Investissement — %(source)s (€)") % {"source": label},
                lambda f, s=source: f.extra["plan"].cost_of(s).investment,
            )
        )
        columns.append(
            Column(
                _("Fonctionnement — %(source)s (€/an)") % {"source": label},
                lambda f, s=source: f.extra["plan"].cost_of(s).operating,
            )
        )
    return columns


def figures_columns(targets: Sequence[HeadlineTarget], group_header: str) -> list[Column]:
    columns = [
        Column(group_header, lambda f: f.label),
        Column(_("Établissements"), lambda f: f.total, number_format=COUNT_FORMAT),
        Column(_("Non commencées"), lambda f: f.not_started, number_format=COUNT_FORMAT),
        Column(_("En cours"), lambda f: f.draft, number_format=COUNT_FORMAT),
        Column(_("Transmises"), lambda f: f.submitted, number_format=COUNT_FORMAT),
        Column(_("Validées"), lambda f: f.validated, number_format=COUNT_FORMAT),
        Column(
            _("Part transmise ou validée (%)"),
            lambda f: _round(f.transmitted_share),
            number_format=PERCENT_FORMAT,
            percent=True,
        ),
        Column(_("Score moyen"), lambda f: _round(f.average_score), number_format=SCORE_FORMAT),
    ]
    for i, target in enumerate(targets):
        columns.append(
            Column(
                _("%(target)s (%%)") % {"target": target.label},
                lambda f, i=i: _round(f.target_figures[i].share),
                number_format=PERCENT_FORMAT,
                percent=True,
            )
        )
        # The figure itself, over the target's own unit ("13 / 59 unités PMSI").
        columns.append(
            Column(
                _("%(target)s — atteinte (numérateur)") % {"target": target.label},
                lambda f, i=i: f.target_figures[i].met,
                number_format=COUNT_FORMAT,
            )
        )
        columns.append(
            Column(
                _("%(target)s — concernés (dénominateur)") % {"target": target.label},
                lambda f, i=i: f.target_figures[i].population,
                number_format=COUNT_FORMAT,
            )
        )
        columns.append(
            Column(
                _("%(target)s — unité") % {"target": target.label}, lambda _f, t=target: t.unit_noun
            )
        )
        columns.append(
            Column(
                _("%(target)s — non atteinte, plan agréé") % {"target": target.label},
                lambda f, i=i: f.target_figures[i].agreed,
                number_format=COUNT_FORMAT,
            )
        )
    return columns


def decorated(rows: Iterable[dict], targets: Sequence[HeadlineTarget]) -> Iterable[dict]:
    for row in rows:
        yield decorate(row, targets)


def _csv_cell(value) -> str:
    if type(value) is str:  # most cells: checked first
        return safe_text(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return format_number(value, decimals=1, fixed=True)
    if isinstance(value, Decimal):
        return format_decimal(value, 2)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return safe_text(str(value))


class _Echo:
    def write(self, value: str) -> str:
        return value


# The CSV goes out in pieces of about this many characters: one write to the socket per
# piece, not per line (thousands of small writes cost more than the rows).
CSV_PIECE = 64 * 1024


def csv_response(columns: Sequence[Column], items: Iterable, filename: str):
    writer = csv.writer(_Echo(), delimiter=";")

    def pieces():
        lines = ["\ufeff" + writer.writerow([safe_text(c.header) for c in columns])]
        size = len(lines[0])
        for item in items:
            line = writer.writerow([_csv_cell(c.value(item)) for c in columns])
            lines.append(line)
            size += len(line)
            if size >= CSV_PIECE:
                yield "".join(lines)
                lines, size = [], 0
        if lines:
            yield "".join(lines)

    response = StreamingHttpResponse(pieces(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(columns: Sequence[Column], items: Iterable, filename: str, title: str):
    """Typed cells under a bold, frozen header row with its filters; columns as wide as headers.

    Written row by row into a temporary file (each row flushed as the next begins), then
    streamed from it: memory stays the same whatever the rows."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it once sent
    try:
        write_xlsx(
            file,
            title,
            [SheetColumn(c.header, c.width, c.number_format) for c in columns],
            ([c.xlsx_value(item) for c in columns] for item in items),
        )
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(file, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def export_response(
    fmt: str, columns: Sequence[Column], items: Iterable, filename: str, title: str
):
    if fmt == XLSX:
        return xlsx_response(columns, items, filename, title)
    return csv_response(columns, items, filename)
