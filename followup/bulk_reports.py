"""Bulk PDF reports: rendering the reports of a selection into one ZIP, in the background."""

from __future__ import annotations

import logging
import tempfile
import zipfile

from django.core.files import File
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessments.models import Assessment
from care_portal.formats import format_datetime
from care_portal.stored_files import sha256_of
from followup.emails import build_email, bulk_reports_url, greeting_name
from followup.models import BulkReport
from reports.stored import report_pdf_bytes

logger = logging.getLogger(__name__)

SKIPPED_FILE = "sans-rapport.txt"


def report_filename(establishment) -> str:
    """The name of an establishment's report inside the ZIP: its FINESS number, then its name."""
    return f"{establishment.finess}-{slugify(establishment.name)[:80]}.pdf"


def delete_file(bulk: BulkReport) -> None:
    if bulk.file:
        bulk.file.delete(save=False)


def _render(bulk: BulkReport, archive: zipfile.ZipFile) -> tuple[int, list[dict]]:
    """Write one PDF per assessment of the selection; returns (count, establishments skipped)."""
    establishments = list(bulk.establishments.order_by("name", "finess"))
    assessments = {
        assessment.establishment_id: assessment
        for assessment in Assessment.objects.filter(
            campaign_id=bulk.campaign_id, establishment__in=establishments
        ).select_related("campaign", "establishment")
    }
    count, skipped = 0, []
    for establishment in establishments:
        entry = {"finess": establishment.finess, "name": establishment.name}
        assessment = assessments.get(establishment.pk)
        if assessment is None:
            skipped.append({**entry, "reason": _("pas d’auto-évaluation dans cette campagne")})
            continue
        try:
            pdf = report_pdf_bytes(assessment)
        except Exception:
            logger.exception("Bulk report %s: rendering the report of %s failed", bulk.pk, entry)
            skipped.append({**entry, "reason": _("le rapport n’a pas pu être produit")})
            continue
        archive.writestr(report_filename(establishment), pdf)
        count += 1
    if skipped:
        lines = [f"{s['finess']} — {s['name']} : {s['reason']}" for s in skipped]
        archive.writestr(SKIPPED_FILE, "\n".join(lines) + "\n")
    return count, skipped


def build_bulk_report(*, bulk_report_id: int, task_id: str = "") -> str:
    """Render a pending bulk request into its ZIP, then tell the requester; returns the status.

    The request is claimed with a conditional update, so two workers never render it both. A
    request left running by a worker that was lost is taken over by the same queued task when
    the queue runs it again (`task_id`), never by another task.
    """
    pending = Q(status=BulkReport.Status.PENDING)
    if task_id:
        pending |= Q(status=BulkReport.Status.RUNNING, task_id=task_id)
    claimed = BulkReport.objects.filter(pending, pk=bulk_report_id).update(
        status=BulkReport.Status.RUNNING, task_id=task_id
    )
    bulk = BulkReport.objects.select_related("campaign", "region", "requester").get(
        pk=bulk_report_id
    )
    if not claimed:
        return bulk.status
    try:
        with tempfile.TemporaryFile() as tmp:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                bulk.report_count, bulk.skipped = _render(bulk, archive)
            bulk.sha256 = sha256_of(tmp)
            name = f"rapports-care-{bulk.region_id}-{bulk.campaign.year}-{bulk.pk}.zip"
            bulk.file.save(name, File(tmp), save=False)
        bulk.status = BulkReport.Status.READY
    except Exception as error:
        logger.exception("Bulk report %s failed", bulk.pk)
        delete_file(bulk)
        bulk.status = BulkReport.Status.FAILED
        bulk.error = str(error)[:1000]
    bulk.finished_at = timezone.now()
    bulk.save(
        update_fields=[
            "status",
            "file",
            "sha256",
            "report_count",
            "skipped",
            "error",
            "finished_at",
        ]
    )
    _notify(bulk)
    return bulk.status


def _notify(bulk: BulkReport) -> None:
    """Tell the requester by e-mail that the ZIP is ready (or could not be made)."""
    ready = bulk.status == BulkReport.Status.READY
    subject = (
        _("Vos rapports PDF CaRE sont prêts (%(count)s rapports)") % {"count": bulk.report_count}
        if ready
        else _("Vos rapports PDF CaRE n’ont pas pu être produits")
    )
    build_email(
        to=[bulk.requester.email],
        subject=subject,
        template="bulk_report",
        context={
            "person_name": greeting_name(bulk.requester),
            "bulk": bulk,
            "ready": ready,
            "expires_on": format_datetime(bulk.expires_at, long=True),
            "link": bulk_reports_url(),
        },
    ).send()
