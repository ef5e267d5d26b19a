"""The score snapshot's content: written only from a scoring result, read only as a SnapshotView.

A snapshot holds, besides its SQL columns (global and domain scores, headline flags, counts, the
answered count), a JSON ``detail`` with what lists and detail pages need: statuses, axis and
objective scores, the ordered gaps. :func:`snapshot_detail` is the one writer of that document
and :class:`SnapshotView` the one reader; SQL filters on it name their path through
:func:`status_lookup`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from assessments.scoring.model import CARE_SOURCES, AssessmentResult, Progress
from referential.rules import STATUSES, UNANSWERED

if TYPE_CHECKING:
    from assessments.models import ScoreSnapshot


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


def snapshot_detail(result: AssessmentResult, *, reference_date: date) -> dict[str, Any]:
    """The JSON document stored in ``ScoreSnapshot.detail`` for a result."""
    return {
        "reference_date": reference_date.isoformat(),
        "scores": result.scores,
        "statuses": result.statuses,
        "gaps": [
            {
                "requirement": gap.requirement,
                "status": gap.status,
                "severity": gap.severity,
                "deadline": gap.deadline.isoformat() if gap.deadline else None,
                # Version 2: where the item comes from, and whose date the deadline is.
                **({"source": gap.source, "source_ref": gap.source_ref} if gap.source else {}),
                **({"own_deadline": True} if gap.own_deadline else {}),
            }
            for gap in result.gaps
        ],
        "headline": result.headline,
        "counts": result.counts,
        **({"recorded_by_ars": result.recorded_by_ars} if result.recorded_by_ars else {}),
    }


def status_lookup(code: str, *, prefix: str = "") -> str:
    """The ORM lookup of a requirement's stored status, e.g. ``snapshot__detail__statuses__X``."""
    return f"{prefix}detail__statuses__{code}"


@dataclass(frozen=True, slots=True)
class SnapshotGap:
    """One gap as the snapshot stores it, in the documented action-plan order."""

    requirement: str
    status: str
    severity: str
    deadline: date | None
    source: str = ""
    source_ref: str = ""
    own_deadline: bool = False

    @property
    def is_care_target(self) -> bool:
        return self.source in CARE_SOURCES


@dataclass(frozen=True)
class SnapshotView:
    """A stored snapshot, typed. ``SnapshotView.of(None)`` is the empty one (never scored)."""

    exists: bool = False
    score_global: float | None = None
    # The CaRE-targets score (version 2 on; None in version 1).
    score_care: float | None = None
    axes: Mapping[str, float | None] = field(default_factory=_empty)
    objectives: Mapping[str, float | None] = field(default_factory=_empty)
    domains: Mapping[str, float | None] = field(default_factory=_empty)
    statuses: Mapping[str, str] = field(default_factory=_empty)
    gaps: tuple[SnapshotGap, ...] = ()
    headline: Mapping[str, bool | None] = field(default_factory=_empty)
    counts: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    progress: Progress = Progress()
    reference_date: date | None = None
    recorded_by_ars: Mapping[str, str] = field(default_factory=_empty)
    # Version 2 on: the CaRE-targets score leads, the maturity score beside it.
    two_scores: bool = False

    @classmethod
    def of(cls, snapshot: ScoreSnapshot | None) -> SnapshotView:
        """The view of a stored snapshot: its columns, and its detail for the rest."""
        if snapshot is None:
            return cls()
        counts = {status: getattr(snapshot, f"count_{status}") for status in STATUSES}
        return replace(
            cls.from_detail(snapshot.detail or {}),
            score_global=snapshot.score_global,
            counts=counts,
            progress=Progress(answered=snapshot.count_answered, total=sum(counts.values())),
        )

    @classmethod
    def from_detail(cls, detail: Mapping[str, Any] | None) -> SnapshotView:
        """The view of a stored ``detail`` document alone (as read by a values() query)."""
        if detail is None:
            return cls()
        scores = detail.get("scores") or {}
        stored_counts = detail.get("counts") or {}
        counts = {status: int(stored_counts.get(status, 0)) for status in STATUSES}
        total = sum(counts.values())
        reference = detail.get("reference_date")
        return cls(
            exists=True,
            score_global=scores.get("global"),
            score_care=scores.get("care"),
            axes=scores.get("axes") or {},
            objectives=scores.get("objectives") or {},
            domains=scores.get("domains") or {},
            statuses=detail.get("statuses") or {},
            gaps=tuple(
                SnapshotGap(
                    requirement=gap["requirement"],
                    status=gap["status"],
                    severity=gap.get("severity", ""),
                    deadline=date.fromisoformat(gap["deadline"]) if gap.get("deadline") else None,
                    source=gap.get("source", ""),
                    source_ref=gap.get("source_ref") or "",
                    own_deadline=bool(gap.get("own_deadline")),
                )
                for gap in detail.get("gaps") or []
            ),
            headline=detail.get("headline") or {},
            counts=counts,
            progress=Progress(answered=total - counts[UNANSWERED], total=total),
            reference_date=date.fromisoformat(reference) if reference else None,
            recorded_by_ars=detail.get("recorded_by_ars") or {},
            two_scores="care" in scores,
        )

    def status_of(self, code: str) -> str | None:
        return self.statuses.get(code)
