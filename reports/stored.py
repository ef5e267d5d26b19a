"""Reports of transmitted assessments, rendered once by the worker and served from the storage.

When an assessment is submitted or validated, the worker renders its PDF and stores it (the
``reports`` storage) with its SHA-256. A download serves that file while what the report shows
is unchanged — the assessment (its version, status and dates), its establishment's names, its
scores as stored (a GHT- or EJ-level answer held by another site rescores it), its actions,
target plans and candidacies, its referential, the report's templates and code: the
:func:`report_key` of those — after checking the file against its checksum; otherwise (a
reopening, a new answer, a renamed establishment, a new action…) the report is rendered again
and stored. The position among peers is the one at rendering time. A draft's
report is rendered on demand and never stored.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import CharField, Count, Max, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import get_template
from django.utils import timezone

from actions.models import Action, ActionNote, TargetPlan, TargetPlanStep
from assessments.models import Assessment, Transition
from care_portal.stored_files import DamagedFile, open_verified
from funding.models import Candidacy
from reports import pdf
from reports.models import StoredReport

logger = logging.getLogger(__name__)

STORED_STATUSES = frozenset({Assessment.Status.SUBMITTED, Assessment.Status.VALIDATED})
# The templates and stylesheet the report is made of: a change to any gives a new key.
TEMPLATE_NAMES = (
    "reports/report.html",
    "reports/_answer_checks.html",
    "reports/_decisions.html",
    "reports/_plan_actions.html",
    "reports/report_page.css",
    "reports/report_body.css",
)


# The code that reads and lays out what the report shows.
CODE_FILES = ("annex.py", "comparison.py", "content.py", "decisions.py", "pdf.py")


@functools.cache
def template_version() -> str:
    """A digest of the report's templates and code as deployed."""
    digest = hashlib.sha256()
    for name in TEMPLATE_NAMES:
        origin = get_template(name).origin.name
        with open(origin, "rb") as handle:
            digest.update(handle.read())
    here = Path(__file__).resolve().parent
    for name in CODE_FILES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def report_key(assessment: Assessment) -> str:
    """What a stored report was rendered from: unchanged key, unchanged report. Besides the
    assessment itself: the establishment as the report names it, its scores as last stored
    (rescored when a GHT- or EJ-level answer of another site changes), its actions and target
    plans, and its candidacies to funding calls (one query)."""
    pk = assessment.pk
    shown = (
        Assessment.objects.filter(pk=pk)
        .values_list(
            "establishment__name",
            "establishment__finess",
            "establishment__finess_ej",
            "establishment__kind",
            "establishment__category_label",
            "establishment__department_id",
            "establishment__ght_id",
            "establishment__legal_status",
            "snapshot__computed_at",
        )
        .annotate(
            actions=_count_and_latest(Action.objects.filter(assessment_id=pk), "updated_at"),
            notes=_count_and_latest(
                ActionNote.objects.filter(action__assessment_id=pk), "created_at"
            ),
            plans=_count_and_latest(TargetPlan.objects.filter(assessment_id=pk), "updated_at"),
            steps=_count_and_latest(
                TargetPlanStep.objects.filter(plan__assessment_id=pk), "created_at"
            ),
            candidacies=_count_and_latest(
                Candidacy.objects.filter(establishment_id=assessment.establishment_id),
                "updated_at",
            ),
        )
        .first()
    )
    parts = [
        pk,
        assessment.version,
        assessment.status,
        assessment.reference_date,
        assessment.submitted_at,
        assessment.validated_at,
        assessment.campaign.referential_id,
        template_version(),
        shown,
    ]
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def _count_and_latest(queryset, field: str) -> Subquery:
    """How many rows `queryset` holds and when the latest was written, as one text."""
    return Subquery(
        queryset.order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(
            summary=Concat(
                Cast(Count("pk"), CharField()), Value("/"), Cast(Max(field), CharField())
            )
        )
        .values("summary")[:1],
        output_field=CharField(),
    )


def _store(assessment: Assessment, key: str) -> bytes:
    content = pdf.render_report_pdf(assessment)
    digest = hashlib.sha256(content).hexdigest()
    previous = StoredReport.objects.filter(assessment=assessment).first()
    name = (
        f"reports/{assessment.campaign.year}/{pdf.report_filename(assessment)[:-4]}-{key[:12]}.pdf"
    )
    stored = previous or StoredReport(assessment=assessment)
    old_name = previous.file.name if previous else ""
    stored.file.save(name, ContentFile(content), save=False)
    stored.key, stored.sha256, stored.size = key, digest, len(content)
    stored.rendered_at = timezone.now()
    stored.save()
    if old_name and old_name != stored.file.name:
        stored.file.storage.delete(old_name)
    return content


def report_pdf_bytes(assessment: Assessment) -> bytes:
    """The assessment's report: the stored file when still current, else a fresh rendering
    (stored for a transmitted assessment). ``assessment`` comes with its campaign (what the
    stored file is looked up by); what else the report shows (``pdf.REPORT_RELATED``) is read
    only when it is rendered."""
    if assessment.status not in STORED_STATUSES:
        return pdf.render_report_pdf(_for_rendering(assessment))
    key = report_key(assessment)
    stored = StoredReport.objects.filter(assessment=assessment, key=key).first()
    if stored is not None:
        try:
            with open_verified(stored.file, stored.sha256) as handle:
                return handle.read()
        except (FileNotFoundError, DamagedFile):
            logger.warning("Stored report of assessment %s unusable: rendered again", assessment.pk)
    return _store(_for_rendering(assessment), key)


def _for_rendering(assessment: Assessment) -> Assessment:
    """The assessment with everything its report shows: as given when it came with
    ``pdf.REPORT_RELATED``, else read again with it."""
    cached = assessment._state.fields_cache
    campaign = cached.get("campaign")
    if (
        campaign is not None
        and "referential" in campaign._state.fields_cache
        and all(name in cached for name in ("establishment", "submitted_by", "validated_by"))
    ):
        return assessment
    return Assessment.objects.select_related(*pdf.REPORT_RELATED).get(pk=assessment.pk)


def store_report(assessment_id: int) -> bool:
    """Render and store a transmitted assessment's report unless current; True when rendered."""
    assessment = (
        Assessment.objects.select_related(*pdf.REPORT_RELATED).filter(pk=assessment_id).first()
    )
    if assessment is None or assessment.status not in STORED_STATUSES:
        return False
    key = report_key(assessment)
    if StoredReport.objects.filter(assessment=assessment, key=key).exists():
        return False
    _store(assessment, key)
    return True


def render_when_transmitted(assessment: Assessment, transition: Transition) -> None:
    """Workflow listener: once a submission or validation is committed, the worker renders."""
    if assessment.status not in STORED_STATUSES:
        return
    from reports.tasks import render_stored_report

    pk = assessment.pk
    transaction.on_commit(lambda: render_stored_report.enqueue(pk))
