"""Writes on the registry: the FINESS and GHT imports.

Both imports check the whole file first and write nothing when it has any problem; then they
upsert in one transaction, so that a file is either imported whole or not at all, and importing
the same file again changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action as AuditAction
from audit.services import record_event
from establishments.finess import FinessReader, FinessRecord, LineError, SkippedLine
from establishments.geography import REGIONS, departments_with_ars
from establishments.ght_file import GHTFile, read_ght_file
from establishments.models import GHT, Department, Establishment, GHTMember, Kind, Region

BATCH_SIZE = 2000

# The fields an import writes, compared to tell an updated establishment from an unchanged one.
ESTABLISHMENT_FIELDS = (
    "finess_ej",
    "name",
    "kind",
    "category_code",
    "category_label",
    "aggregated_category_code",
    "aggregated_category_label",
    "department_id",
    "region_id",
    "legal_status",
    "city",
    "siret",
    "is_active",
    "ght_id",
)

# Which of a legal entity's establishments is the GHT's support establishment: its health
# establishment of the broadest category (regional, then general hospital…), then the lowest
# FINESS number.
SUPPORT_CATEGORY_ORDER = ("101", "355", "106", "292")


class _FileChanged(Exception):
    """The file no longer reads as it did when it was checked."""


# --- FINESS -----------------------------------------------------------------------------------


@dataclass
class FinessImportSummary:
    dry_run: bool
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kinds: Counter = field(default_factory=Counter)  # ES / ESSMS in the file
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    skipped_lines: list[SkippedLine] = field(default_factory=list)
    encoding: str = ""
    lines: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped_category": self.skipped["category"],
            "skipped_no_ars": self.skipped["no_ars"],
        }

    def counts_text(self) -> str:
        """The counts in one French line, as the demo and the benchmark print them."""
        return (
            f"{self.created} créés, {self.updated} mis à jour, {self.unchanged} inchangés, "
            f"{self.skipped['category']} ignorés (catégorie ni ES ni ESSMS), "
            f"{self.skipped['no_ars']} ignorés (département sans ARS)"
        )


_registry_listeners: list[Callable[[], object]] = []


def on_registry_changed(listener: Callable[[], object]) -> None:
    """Have `listener` told, in the importing transaction, that establishments changed (a
    FINESS or GHT import): whatever is counted per group of establishments is counted again."""
    if listener not in _registry_listeners:
        _registry_listeners.append(listener)


def _registry_changed() -> None:
    for listener in _registry_listeners:
        listener()


def establishment_edited() -> None:
    """An establishment edited by hand (the admin): told like an import, in its transaction."""
    _registry_changed()


def import_finess(*, path: str | Path, dry_run: bool = False) -> FinessImportSummary:
    """Import the establishments (ES and ESSMS) of a FINESS extract, upserted by FINESS ET.

    Returns a summary; when the file has problems, `summary.errors` lists them with their line
    numbers and nothing is written. With `dry_run`, the counts are those an import would give,
    and nothing is written either.
    """
    summary = FinessImportSummary(dry_run=dry_run)
    checked = FinessReader(path)
    for record in checked:
        _check_lengths(record, checked)
    _fill_file_facts(summary, checked)
    if not checked.is_valid:
        summary.errors, summary.error_count = checked.errors, checked.error_count
        return summary

    try:
        with transaction.atomic():
            if not dry_run:
                ensure_geography()
            ght_by_ej = dict(GHTMember.objects.values_list("finess_ej", "ght_id"))
            reader = FinessReader(path)
            for batch in _batches(reader, BATCH_SIZE):
                _upsert_batch(batch, ght_by_ej, summary, dry_run=dry_run)
            if not reader.is_valid:
                raise _FileChanged
            if not dry_run:
                link_ght_supports()
                _registry_changed()
                record_event(
                    actor=None,
                    action=AuditAction.REGISTRY_IMPORT,
                    target=Path(path).name,
                    detail={"file": "finess", **summary.counts()},
                )
    except _FileChanged:
        summary.errors = [LineError(0, _("le fichier a changé pendant l'import : relancez-le."))]
        summary.error_count = 1
        summary.created = summary.updated = summary.unchanged = 0
    return summary


def _fill_file_facts(summary: FinessImportSummary, reader: FinessReader) -> None:
    summary.kinds = Counter(reader.counts.records)
    summary.skipped = Counter(reader.skipped)
    summary.skipped_lines = reader.skipped_lines
    summary.encoding = reader.encoding_label
    summary.lines = reader.counts.lines


_MAX_LENGTHS = {
    name: Establishment._meta.get_field(name).max_length
    for name in ("name", "category_code", "category_label", "aggregated_category_code")
    + ("aggregated_category_label", "legal_status", "city")
}


def _check_lengths(record: FinessRecord, reader: FinessReader) -> None:
    values = _establishment_values(record, ght_id=None)
    for name, max_length in _MAX_LENGTHS.items():
        if len(values[name]) > max_length:
            reader.add_error(
                record.line,
                _("champ %(field)s trop long (%(length)s caractères, %(max)s au plus).")
                % {"field": name, "length": len(values[name]), "max": max_length},
            )


def _establishment_values(record: FinessRecord, *, ght_id: int | None) -> dict:
    return {
        "finess_ej": record.finess_ej,
        "name": record.name,
        "kind": Kind.ES if record.kind == "ES" else Kind.ESSMS,
        "category_code": record.category_code,
        "category_label": record.category_label,
        "aggregated_category_code": record.aggregated_category_code,
        "aggregated_category_label": record.aggregated_category_label,
        "department_id": record.department_code,
        "region_id": record.region_code,
        # "Non concerné" (code 0) says nothing about the establishment's status.
        "legal_status": record.sph_label if record.sph_code not in ("", "0") else "",
        "city": record.city,
        "siret": record.siret,
        "is_active": True,
        "ght_id": ght_id,
    }


def _batches(records: Iterable[FinessRecord], size: int) -> Iterator[list[FinessRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def _upsert_batch(
    batch: list[FinessRecord],
    ght_by_ej: dict[str, int],
    summary: FinessImportSummary,
    *,
    dry_run: bool,
) -> None:
    existing = {
        establishment.finess: establishment
        for establishment in Establishment.objects.filter(finess__in=[r.finess for r in batch])
    }
    now = timezone.now()
    to_create, to_update = [], []
    for record in batch:
        values = _establishment_values(record, ght_id=ght_by_ej.get(record.finess_ej))
        establishment = existing.get(record.finess)
        if establishment is None:
            to_create.append(Establishment(finess=record.finess, **values))
        elif any(getattr(establishment, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(establishment, name, value)
            establishment.updated_at = now
            to_update.append(establishment)
        else:
            summary.unchanged += 1
    summary.created += len(to_create)
    summary.updated += len(to_update)
    if dry_run:
        return
    Establishment.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Establishment.objects.bulk_update(
        to_update, [*ESTABLISHMENT_FIELDS, "updated_at"], batch_size=500
    )


def ensure_geography() -> None:
    """Create the regions and departments the registry needs, if someone removed them."""
    Region.objects.bulk_create(
        [Region(code=region.code, name=region.name) for region in REGIONS],
        ignore_conflicts=True,
    )
    Department.objects.bulk_create(
        [
            Department(code=dep.code, name=dep.name, region_id=dep.region_code)
            for dep in departments_with_ars()
        ],
        ignore_conflicts=True,
    )


# --- GHT --------------------------------------------------------------------------------------


GHT_OUTCOMES = ("created", "updated", "unchanged")
MEMBER_OUTCOMES = ("created", "updated", "unchanged", "removed")


@dataclass
class GHTImportSummary:
    errors: list[LineError] = field(default_factory=list)
    ghts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GHT_OUTCOMES, 0))
    members: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEMBER_OUTCOMES, 0))
    establishments_linked: int = 0  # establishments whose GHT changed
    ejs_without_establishment: list[str] = field(default_factory=list)
    ghts_without_support_establishment: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@transaction.atomic
def import_ght(*, path: str | Path) -> GHTImportSummary:
    """Import GHT membership: the GHTs, their member legal entities and support establishments.

    For each GHT of the file, the file is the whole truth: members it does not list any more are
    removed and their establishments leave the GHT. GHTs absent from the file are left alone.
    """
    summary = GHTImportSummary()
    content = read_ght_file(path)
    if not content.is_valid:
        summary.errors = content.errors
        return summary

    ghts = _upsert_ghts(content, summary)
    _upsert_members(content, ghts, summary)
    summary.establishments_linked = _link_establishments(ghts)
    link_ght_supports(ghts.values())
    _registry_changed()

    known_ejs = set(
        Establishment.objects.filter(finess_ej__in=[row.finess_ej for row in content.rows])
        .values_list("finess_ej", flat=True)
        .distinct()
    )
    summary.ejs_without_establishment = sorted(
        row.finess_ej for row in content.rows if row.finess_ej not in known_ejs
    )
    summary.ghts_without_support_establishment = sorted(
        code for code, ght in ghts.items() if ght.support_establishment_id is None
    )
    record_event(
        actor=None,
        action=AuditAction.REGISTRY_IMPORT,
        target=Path(path).name,
        detail={"file": "ght", "ghts": summary.ghts, "members": summary.members},
    )
    return summary


def _upsert_ghts(content: GHTFile, summary: GHTImportSummary) -> dict[str, GHT]:
    existing = {ght.code: ght for ght in GHT.objects.filter(code__in=list(content.ghts))}
    result = {}
    for code, entry in content.ghts.items():
        values = {
            "name": entry.name,
            "region_id": entry.region_code,
            "support_ej": entry.support_ej,
        }
        ght = existing.get(code)
        if ght is None:
            ght = GHT.objects.create(code=code, **values)
            summary.ghts["created"] += 1
        elif any(getattr(ght, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(ght, name, value)
            ght.save(update_fields=["name", "region", "support_ej"])
            summary.ghts["updated"] += 1
        else:
            summary.ghts["unchanged"] += 1
        result[code] = ght
    return result


def _upsert_members(content: GHTFile, ghts: dict[str, GHT], summary: GHTImportSummary) -> None:
    rows = content.rows
    existing = {
        member.finess_ej: member
        for member in GHTMember.objects.filter(
            Q(finess_ej__in=[row.finess_ej for row in rows]) | Q(ght__in=ghts.values())
        )
    }
    listed = set()
    to_create, to_update = [], []
    for row in rows:
        listed.add(row.finess_ej)
        ght_id = ghts[row.code].pk
        member = existing.get(row.finess_ej)
        # Without the optional share column, the shares already recorded stay as they are.
        share = (
            row.activity_share if content.has_shares else getattr(member, "activity_share", None)
        )
        if member is None:
            to_create.append(
                GHTMember(
                    finess_ej=row.finess_ej,
                    ght_id=ght_id,
                    is_support=row.is_support,
                    activity_share=share,
                )
            )
        elif (member.ght_id, member.is_support, member.activity_share) != (
            ght_id,
            row.is_support,
            share,
        ):
            member.ght_id, member.is_support, member.activity_share = ght_id, row.is_support, share
            to_update.append(member)
        else:
            summary.members["unchanged"] += 1
    removed = [member.pk for ej, member in existing.items() if ej not in listed]
    GHTMember.objects.filter(pk__in=removed).delete()
    GHTMember.objects.bulk_create(to_create)
    GHTMember.objects.bulk_update(to_update, ["ght", "is_support", "activity_share"])
    summary.members["created"] += len(to_create)
    summary.members["updated"] += len(to_update)
    summary.members["removed"] += len(removed)


def _link_establishments(ghts: dict[str, GHT]) -> int:
    """Put each establishment in its legal entity's GHT; returns how many changed."""
    changed = 0
    for ght in ghts.values():
        ejs = list(ght.members.values_list("finess_ej", flat=True))
        changed += Establishment.objects.filter(finess_ej__in=ejs).exclude(ght=ght).update(ght=ght)
        changed += Establishment.objects.filter(ght=ght).exclude(finess_ej__in=ejs).update(ght=None)
    return changed


def link_ght_supports(ghts: Iterable[GHT] | None = None) -> None:
    """Set each GHT's support establishment from its support legal entity (`support_ej`)."""
    ghts = list(GHT.objects.exclude(support_ej="") if ghts is None else ghts)
    candidates: dict[str, list[Establishment]] = {}
    for establishment in Establishment.objects.filter(
        finess_ej__in=[ght.support_ej for ght in ghts if ght.support_ej]
    ).only("pk", "finess", "finess_ej", "kind", "category_code"):
        candidates.setdefault(establishment.finess_ej, []).append(establishment)
    for ght in ghts:
        support = min(candidates.get(ght.support_ej, []), key=_support_rank, default=None)
        support_id = support.pk if support else None
        if ght.support_establishment_id != support_id:
            ght.support_establishment_id = support_id
            ght.save(update_fields=["support_establishment"])


def _support_rank(establishment: Establishment) -> tuple:
    category = establishment.category_code
    order = SUPPORT_CATEGORY_ORDER
    return (
        establishment.kind != Kind.ES,
        order.index(category) if category in order else len(order),
        establishment.finess,
    )
