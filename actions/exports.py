"""The action plan as a spreadsheet: one row per action in the plan's order, then the gaps no
action closes; a bold, frozen, filtered header, typed dates and amounts."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook

from actions.agreement import agreed_action_ids
from actions.priorities import gaps_without_action, ordered_actions
from assessments.models import Assessment
from care_portal.spreadsheets import SheetColumn, write_sheet

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD/MM/YYYY"
EURO_FORMAT = '#,##0.00 "€"'


def _sheet(workbook, title: str, columns: list[tuple[str, int, str | None]], rows) -> None:
    write_sheet(workbook, title, [SheetColumn(*column) for column in columns], rows)


def plan_workbook(assessment: Assessment) -> Workbook:
    """The workbook of an assessment's action plan."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    agreed = agreed_action_ids(assessment)
    columns = [
        (_("Rang"), 7, None),
        (_("Action"), 50, None),
        (_("Écarts corrigés"), 30, None),
        (_("Porteur"), 25, None),
        (_("Date cible"), 12, DATE_FORMAT),
        (_("Investissement (€)"), 16, EURO_FORMAT),
        (_("Fonctionnement (€)"), 16, EURO_FORMAT),
        (_("Financement"), 24, None),
        (_("Statut"), 14, None),
        (_("Plan agréé par l'ARS"), 12, None),
        (_("Dernière note"), 50, None),
    ]
    rows = []
    for rank, action in enumerate(ordered_actions(assessment), start=1):
        notes = list(action.notes.all())
        rows.append(
            [
                rank,
                action.title,
                ", ".join(action.gap_codes),
                action.owner_name,
                action.due_on,
                action.cost_investment,
                action.cost_operating,
                action.funding_label,
                action.get_status_display(),
                _("Oui") if action.pk in agreed else _("Non"),
                notes[-1].text if notes else "",
            ]
        )
    _sheet(workbook, _("Plan d'actions"), columns, rows)
    gap_columns = [
        (_("Exigence"), 22, None),
        (_("Libellé"), 60, None),
        (_("Source"), 24, None),
        (_("Échéance"), 12, DATE_FORMAT),
        (_("Recommandation"), 60, None),
    ]
    gap_rows = [
        [r.code, r.label, r.source_badge, gap.deadline, r.recommendation]
        for gap, r in gaps_without_action(assessment)
    ]
    _sheet(workbook, _("Écarts sans action"), gap_columns, gap_rows)
    return workbook


def plan_xlsx(assessment: Assessment) -> HttpResponse:
    buffer = io.BytesIO()
    plan_workbook(assessment).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    filename = f"plan-actions-{assessment.establishment.finess}-{assessment.campaign.year}"
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
