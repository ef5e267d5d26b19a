"""The gaps of an assessment, as the scoring service lists them (never derived here)."""

from __future__ import annotations

from assessments.models import Assessment
from assessments.scoring.service import compute_result
from assessments.scoring.snapshot import SnapshotGap
from referential.models import Requirement


def assessment_gaps(assessment: Assessment) -> tuple[SnapshotGap, ...]:
    """The assessment's gaps in the documented order: its stored snapshot's, or a fresh score."""
    view = assessment.snapshot_view
    if view.exists:
        return view.gaps
    return tuple(
        SnapshotGap(
            requirement=gap.requirement,
            status=gap.status,
            severity=gap.severity,
            deadline=gap.deadline,
        )
        for gap in compute_result(assessment).gaps
    )


def gap_codes(assessment: Assessment) -> list[str]:
    return [gap.requirement for gap in assessment_gaps(assessment)]


def requirements_by_code(assessment: Assessment) -> dict[str, Requirement]:
    """The requirements of the assessment's referential version, by code."""
    cached = getattr(assessment, "_requirements_by_code", None)
    if cached is None:
        cached = assessment._requirements_by_code = {
            r.code: r
            for r in Requirement.objects.filter(referential_id=assessment.campaign.referential_id)
        }
    return cached
