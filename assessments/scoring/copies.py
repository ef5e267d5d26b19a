"""What a score snapshot copies of its assessment and establishment, and keeping it exact.

A regional list filters on the establishment's region, department, GHT, kind, legal status and
activity; the snapshot carries copies of them (and of the assessment's campaign) so that a list
reads only its region's snapshots through the index (campaign, region…). Every snapshot write
sets them (:func:`copied_values`); a registry change (FINESS or GHT import, an edit in the admin)
updates the snapshots whose establishment changed (:func:`sync_snapshot_copies`), and
:func:`copy_differences` lists any snapshot that disagrees (``manage.py check_summary``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from assessments.models import ScoreSnapshot

# Snapshot field -> the same value reached from the snapshot through its assessment.
COPIED = {
    "campaign_id": "assessment__campaign_id",
    "region_code": "assessment__establishment__region_id",
    "department_code": "assessment__establishment__department_id",
    "ght_ref": "assessment__establishment__ght_id",
    "kind": "assessment__establishment__kind",
    "legal_status": "assessment__establishment__legal_status",
    "establishment_active": "assessment__establishment__is_active",
}
COPIED_FIELDS = list(COPIED)
# The establishment's fields as ``values_list`` reads them, in COPIED order after the campaign.
ESTABLISHMENT_PATHS = [path.removeprefix("assessment__") for path in COPIED.values()][1:]


def copied_values(
    campaign_id: int,
    region: str,
    department: str,
    ght_id: int | None,
    kind: str,
    legal_status: str,
    is_active: bool,
) -> dict[str, Any]:
    """The copied fields of a snapshot, from its campaign and its establishment's values."""
    return {
        "campaign_id": campaign_id,
        "region_code": region,
        "department_code": department,
        "ght_ref": ght_id,
        "kind": kind,
        "legal_status": legal_status or "",
        "establishment_active": is_active,
    }


def copied_from(assessment) -> dict[str, Any]:
    """The copied fields of an assessment's snapshot (its establishment loaded)."""
    e = assessment.establishment
    return copied_values(
        assessment.campaign_id,
        e.region_id,
        e.department_id,
        e.ght_id,
        e.kind,
        e.legal_status,
        e.is_active,
    )


def _differs() -> Q:
    """Snapshots whose copies disagree with their assessment and establishment (NULL-safe)."""
    q = Q()
    for name, path in COPIED.items():
        both = Q(**{f"{name}__isnull": False, f"{path}__isnull": False})
        q |= Q(**{f"{name}__isnull": True, f"{path}__isnull": False})
        q |= Q(**{f"{name}__isnull": False, f"{path}__isnull": True})
        q |= both & ~Q(**{name: F(path)})
    return q


def stale_snapshots(snapshots: QuerySet | None = None) -> QuerySet:
    base = ScoreSnapshot.objects.all() if snapshots is None else snapshots
    return base.filter(_differs())


def sync_snapshot_copies(snapshots: QuerySet | None = None) -> int:
    """Set the copies of the snapshots that disagree (default: any); returns how many changed.

    Reads the stale ones' ids and current values in one query, then updates them per distinct
    set of values (a registry change moves establishments in a few groups at a time)."""
    stale = stale_snapshots(snapshots).values_list("assessment_id", *COPIED.values())
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
        f"{count} instantané(s) de score dont la copie de l'établissement (région, département, "
        f"GHT, type, statut juridique, activité) diffère du référentiel : {listed}{more}."
    ]
