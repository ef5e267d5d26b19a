"""A factory-built campaign for the dashboard tests, and the figures expected from it, computed
here in plain Python from the records created (independently of the dashboards' SQL)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from assessments.models import Assessment
from establishments.models import Kind
from tests.factories import (
    AssessmentFactory,
    CampaignFactory,
    DepartmentFactory,
    EstablishmentFactory,
    ObjectiveFactory,
    ReferentialVersionFactory,
    RequirementFactory,
    ScoreSnapshotFactory,
)

HEADLINE_KEYS = ("rssi", "governance", "budget", "exercise", "domain1")
LEGAL_STATUSES = ("Établissement public", "Privé non lucratif", "Privé commercial", "")


@dataclass
class Record:
    establishment: object
    assessment: Assessment | None
    status: str | None = None  # assessment status, None when there is no assessment
    answered: bool = False
    score: float | None = None
    flags: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.establishment.kind

    @property
    def progress(self) -> str:
        if self.status in ("submitted", "validated"):
            return self.status
        if self.status in ("draft", "reopened") and self.answered:
            return "draft"
        return "not_started"


def build_referential():
    """A small referential with the headline requirements, a 4-1 item and a GHT-level item."""
    referential = ReferentialVersionFactory(code="CARE", version=1)
    objective = ObjectiveFactory(axis__referential=referential)

    def requirement(code, **kwargs):
        return RequirementFactory(referential=referential, objective=objective, code=code, **kwargs)

    requirement(
        "GOV-RSSI",
        headline="rssi",
        applies_to=["ES", "ESSMS", "GHT"],
        national_target_share=70,
        national_target_population="des établissements",
        deadline=date(2025, 6, 30),
        deadline_label="S1 2025",
    )
    requirement("GOV-COMITE", headline="governance", applies_to=["ES", "ESSMS"])
    requirement(
        "BUD-2PC",
        headline="budget",
        applies_to=["ES"],
        care_action="7-1",
        national_target_share=100,
        national_target_population="des ES",
        deadline=date(2025, 6, 30),
        deadline_label="S1 2025",
    )
    requirement(
        "CRI-EXERCICE",
        headline="exercise",
        applies_to=["ES"],
        care_action="3-3",
        national_target_share=80,
        national_target_population="des ES",
        deadline=date(2024, 12, 31),
        deadline_label="S2 2024",
    )
    requirement(
        "D1-AD",
        headline="domain1",
        applies_to=["ES"],
        care_action="13-1",
        national_target_share=90,
        deadline=date(2099, 6, 30),
        deadline_label="S1 2099",
    )
    requirement(
        "AUTOEVAL",
        applies_to=["ES", "ESSMS"],
        care_action="4-1",
        deadline=date(2025, 6, 30),
        deadline_label="S1 2025",
    )
    requirement(
        "GHT-PILOTE",
        label="Un chef de projet de niveau GHT est désigné",
        applies_to=["GHT"],
        care_action="5-1",
        national_target_share=80,
        national_target_population="des GHT",
        deadline_label="S2 2025",
    )
    requirement("GHT-AD", label="Trajectoire de convergence AD", applies_to=["GHT"])
    return referential


def build_campaign(world, *, extra: int = 24, seed: int = 7, year: int = 2025):
    """The campaign and one record per active establishment of `world` plus `extra` more."""
    referential = build_referential()
    campaign = CampaignFactory(year=year, referential=referential)
    rng = random.Random(seed)
    ain = DepartmentFactory(code="01", name="Ain", region=world.region)
    departments = [world.hospital.department, ain]
    establishments = [world.hospital, world.clinic, world.nursing_home, world.other_hospital]
    for i in range(extra):
        establishments.append(
            EstablishmentFactory(
                department=rng.choice(departments),
                ght=rng.choice([world.ght, None]),
                kind=rng.choice([Kind.ES, Kind.ESSMS]),
                legal_status=rng.choice(LEGAL_STATUSES),
                name=f"Établissement {i:03d}",
            )
        )
    # An inactive establishment never counts.
    EstablishmentFactory(department=ain, is_active=False, name="Fermé")
    records = []
    for index, establishment in enumerate(establishments):
        record = _record(establishment, campaign, rng, index)
        records.append(record)
    return campaign, records


def _record(establishment, campaign, rng: random.Random, index: int) -> Record:
    # The first two (hospital, clinic) get fixed states so tests can rely on them.
    fixed = {0: "submitted", 1: "draft"}
    state = fixed.get(index) or rng.choice(
        ["none", "empty", "draft", "reopened", "submitted", "validated", "draft_no_snapshot"]
    )
    if state == "none":
        return Record(establishment, None)
    status = {"empty": "draft", "draft_no_snapshot": "draft"}.get(state, state)
    assessment = AssessmentFactory(establishment=establishment, campaign=campaign, status=status)
    record = Record(establishment, assessment, status=status)
    if state == "draft_no_snapshot":
        return record
    if state == "empty":
        ScoreSnapshotFactory(
            assessment=assessment, score_global=0.0, count_met=0, count_unanswered=9
        )
        return record
    score = rng.choice([0.0, 5.0, 10.0, 33.3, 49.99, 50.0, 72.5, 90.0, 100.0])
    flags = {}
    for key in HEADLINE_KEYS:
        applies = key in ("rssi", "governance") or establishment.kind == Kind.ES
        flags[key] = rng.choice([True, False, None]) if applies else None
    if index == 0:
        flags.update(rssi=True, budget=False)
    ScoreSnapshotFactory(
        assessment=assessment,
        score_global=score,
        count_met=rng.randint(0, 3),
        count_partial=0,
        count_not_met=1,
        **{f"hl_{key}": value for key, value in flags.items()},
        detail={"statuses": {"GHT-PILOTE": "met", "GHT-AD": "partial"}} if index == 0 else {},
    )
    record.answered = True
    record.score = score
    record.flags = flags
    return record


# --- Expected figures, computed from the records -----------------------------------------------

TARGET_KINDS = {
    "rssi": ("ES", "ESSMS"),
    "governance": ("ES", "ESSMS"),
    "budget": ("ES",),
    "exercise": ("ES",),
    "domain1": ("ES",),
    "submitted": ("ES", "ESSMS"),
}


def expected(records: list[Record]) -> dict:
    """Counts a person would make by hand from the records."""
    result = {
        "total": len(records),
        "not_started": 0,
        "draft": 0,
        "submitted": 0,
        "validated": 0,
        "buckets": [0] * 10,
        "scores": [],
        "targets": {},
    }
    for record in records:
        result[record.progress] += 1
        if record.progress != "not_started" and record.score is not None:
            result["scores"].append(record.score)
            result["buckets"][min(int(record.score // 10), 9)] += 1
    for key, kinds in TARGET_KINDS.items():
        population = [r for r in records if r.kind in kinds]
        if key == "submitted":
            met = [r for r in population if r.status in ("submitted", "validated")]
        else:
            met = [r for r in population if r.flags.get(key) is True]
        result["targets"][key] = (len(met), len(population))
    scores = result["scores"]
    result["average"] = sum(scores) / len(scores) if scores else None
    return result
