"""What a score snapshot copies of its assessment and establishment, and keeping it exact.

A regional list filters on the establishment's region, department, GHT, kind, legal status and
activity, and a peer position on the campaign, the assessment's status, the kind and the region
or category group; the snapshot carries copies of them so that a list reads only its region's
snapshots, and a peer position only its peers', through an index. Every snapshot write sets them
(:func:`copied_values`), and every status change rewrites the snapshot
(``assessments.workflow``); a registry change (FINESS or GHT import, an edit in the admin)
updates the snapshots whose establishment changed (:func:`sync_snapshot_copies`), and
:func:`copy_differences` lists any snapshot that disagrees (``manage.py check_summary``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from assessments.models import ScoreSnapshot
from establishments.models import Establishment

# Snapshot field -> the same value computed from the snapshot through its assessment.
COPIED = {
    "campaign_id": F("assessment__campaign_id"),
    "assessment_status": F("assessment__status"),
    "region_code": F("assessment__establishment__region_id"),
    "department_code": F("assessment__establishment__department_id"),
    "ght_ref": F("assessment__establishment__ght_id"),
    "kind": F("assessment__establishment__kind"),
    "legal_status": F("assessment__establishment__legal_status"),
    "establishment_active": F("assessment__establishment__is_active"),
    "category_group": Establishment.category_group_sql("assessment__establishment"),
}
COPIED_FIELDS = list(COPIED)


def copied_values(
    campaign_id: int,
    status: str,
    region: str,
    department: str,
    ght_id: int | None,
    kind: str,
    legal_status: str,
    is_active: bool,
    category_group: str,
) -> dict[str, Any]:
    """The copied fields of a snapshot, from its assessment's and establishment's values."""
    return {
        "campaign_id": campaign_id,
        "assessment_status": status,
        "region_code": region,
        "department_code": department,
        "ght_ref": ght_id,
        "kind": kind,
        "legal_status": legal_status or "",
        "establishment_active": is_active,
        "category_group": category_group or "",
    }


def copied_from(assessment) -> dict[str, Any]:
    """The copied fields of an assessment's snapshot (its establishment loaded)."""
    e = assessment.establishment
    return copied_values(
        assessment.campaign_id,
        assessment.status,
        e.region_id,
        e.department_id,
        e.ght_id,
        e.kind,
        e.legal_status,
        e.is_active,
        e.category_group,
    )


def _source(name: str) -> str:
    return f"source_{name}"


def _with_sources(snapshots: QuerySet) -> QuerySet:
    return snapshots.annotate(**{_source(name): value for name, value in COPIED.items()})


def _differs() -> Q:
    """Snapshots whose copies disagree with their sources (NULL-safe; over `_with_sources`)."""
    q = Q()
    for name in COPIED:
        source = _source(name)
        both = Q(**{f"{name}__isnull": False, f"{source}__isnull": False})
        q |= Q(**{f"{name}__isnull": True, f"{source}__isnull": False})
        q |= Q(**{f"{name}__isnull": False, f"{source}__isnull": True})
        q |= both & ~Q(**{name: F(source)})
    return q


def stale_snapshots(snapshots: QuerySet | None = None) -> QuerySet:
    base = ScoreSnapshot.objects.all() if snapshots is None else snapshots
    return _with_sources(base).filter(_differs())


def sync_snapshot_copies(snapshots: QuerySet | None = None) -> int:
    """Set the copies of the snapshots that disagree (default: any); returns how many changed.

    Reads the stale ones' ids and current values in one query, then updates them per distinct
    set of values (a registry change moves establishments in a few groups at a time)."""
    stale = stale_snapshots(snapshots).values_list("assessment_id", *map(_source, COPIED))
    by_values: dict[tuple, list[int]] = {}
    for assessment_id, *values in stale:
        by_values.setdefault(tuple(values), []).append(assessment_id)
    changed = 0
    for values, ids in by_values.items():
        fields = copied_values(*values)
        for start in range(0, len(ids), 500):
            changed += ScoreSnapshot.objects.filter(
                assessment_id__in=ids[start : start + 500]
            ).update(**fields)
    return changed


def copy_differences() -> list[str]:
    """The snapshots whose copies disagree with the registry, in French (empty when none)."""
    stale = list(
        stale_snapshots()
        .order_by("assessment_id")
        .values_list("assessment_id", "assessment__establishment__finess")[:20]
    )
    if not stale:
        return []
    count = stale_snapshots().count()
    listed = ", ".join(f"{finess} (auto-évaluation {pk})" for pk, finess in stale)
    more = f" et {count - len(stale)} autre(s)" if count > len(stale) else ""
    return [
        f"{count} instantané(s) de score dont la copie de l'auto-évaluation (campagne, statut) ou "
        f"de l'établissement (région, département, GHT, type, statut juridique, activité, "
        f"catégorie) diffère de l'original : {listed}{more}."
    ]
