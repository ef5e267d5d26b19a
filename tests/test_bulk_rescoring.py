"""The bulk rescoring path stores exactly what the per-assessment path stores, on SQLite and on
PostgreSQL (its COPY … UPDATE FROM path too), over several processes as in one, and does not
rewrite unchanged snapshots."""

import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assessments.models import Answer, Assessment, ScoreSnapshot
from assessments.scoring import service
from assessments.scoring.service import WRITTEN_FIELDS, recompute_snapshots, refresh_snapshot
from establishments.models import Kind
from tests.factories import AssessmentFactory, EstablishmentFactory

COMPARED = [name for name in WRITTEN_FIELDS if name != "computed_at"]
VALUES = {
    "GOV-RSSI": [{"name": "Claire Martin", "email": "c@ch.fr"}, {"name": "", "email": ""}],
    "GOV-COMITE": ["yes", "partial", "no"],
    "EXERCICE": ["2025-01-10", "2023-06-01", "2020-01-01"],
    "BUDGET": [
        {"it_budget": 1000, "security_budget": 30},
        {"it_budget": 1000, "security_budget": 5},
    ],
    "GHT-CONVERGENCE": [True, False],
    "D3-BASTION": ["yes", "not_applicable", "no"],
    "OG-EXERCICE": ["yes", "no"],
}


def stored() -> dict[int, dict]:
    return {
        row["assessment_id"]: row
        for row in ScoreSnapshot.objects.values("assessment_id", *COMPARED, "computed_at")
    }


def without_time(rows: dict[int, dict]) -> dict[int, dict]:
    return {pk: {k: v for k, v in row.items() if k != "computed_at"} for pk, row in rows.items()}


def answer_at_random(campaign, rng: random.Random) -> None:
    Answer.objects.filter(assessment__campaign=campaign.campaign).delete()
    answers = []
    for assessment in Assessment.objects.filter(campaign=campaign.campaign):
        for code, choices in VALUES.items():
            if rng.random() < 0.7:
                answers.append(
                    Answer(
                        assessment=assessment,
                        requirement=campaign.requirements[code],
                        value=rng.choice(choices),
                    )
                )
    Answer.objects.bulk_create(answers)


def per_assessment() -> dict[int, dict]:
    """What the one-by-one path (a save's) stores for every assessment; the stored snapshots
    are left as they were."""
    with transaction.atomic():
        for assessment in Assessment.objects.select_related(
            "campaign", "establishment__ght", "establishment"
        ):
            refresh_snapshot(assessment)
        found = without_time(stored())
        transaction.set_rollback(True)
    return found


@pytest.fixture
def many(world, campaign):
    """Some forty assessments: hospitals in and out of GHTs, nursing homes, inactive ones."""
    for i in range(36):
        AssessmentFactory(
            campaign=campaign.campaign,
            establishment=EstablishmentFactory(
                department=world.hospital.department,
                ght=world.ght if i % 3 == 0 else None,
                kind=Kind.ESSMS if i % 4 == 0 else Kind.ES,
                is_active=i % 11 != 0,
                legal_status=["Public", "Privé non lucratif", ""][i % 3],
            ),
            status=[Assessment.Status.DRAFT, Assessment.Status.SUBMITTED][i % 2],
        )
    return campaign


@pytest.fixture(params=["upsert", "copy"])
def write_path(request, monkeypatch):
    """Both ways a chunk is written: the upsert, and (PostgreSQL) COPY + UPDATE … FROM."""
    if request.param == "copy":
        if connection.vendor != "postgresql":
            pytest.skip("COPY into a temporary table is PostgreSQL's path")
        monkeypatch.setattr(service, "COPY_FROM", 1)
    else:
        monkeypatch.setattr(service, "COPY_FROM", 10**9)
    return request.param


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2])
def test_the_bulk_path_stores_what_the_per_assessment_path_stores(many, write_path, seed):
    rng = random.Random(seed)
    answer_at_random(many, rng)
    expected = per_assessment()
    assert len(expected) == 40
    assert not ScoreSnapshot.objects.exists()
    # Created by the bulk path, in chunks smaller than the campaign.
    assert recompute_snapshots(Assessment.objects.all(), chunk_size=7) == 40
    assert without_time(stored()) == expected
    # Updated by it: the answers change, every field follows the per-assessment path's.
    for _ in range(3):
        answer_at_random(many, rng)
        expected = per_assessment()
        call_command("recompute_scores", campaign=2025, chunk_size=9)
        assert without_time(stored()) == expected


@pytest.mark.django_db
def test_unchanged_snapshots_are_not_rewritten_on_either_path(many, write_path):
    answer_at_random(many, random.Random(3))
    recompute_snapshots(Assessment.objects.all(), chunk_size=8)
    before = stored()
    changed = Assessment.objects.filter(establishment=many.clinic.establishment).get()
    Answer.objects.filter(assessment=changed).delete()
    recompute_snapshots(Assessment.objects.all(), chunk_size=8)
    after = stored()
    rewritten = {pk for pk in before if after[pk]["computed_at"] != before[pk]["computed_at"]}
    assert rewritten == {changed.pk}
    assert without_time(after) == per_assessment()


@pytest.mark.django_db(transaction=True)
def test_two_processes_store_what_one_stores(many):
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database is private to this process")
    answer_at_random(many, random.Random(4))
    expected = per_assessment()
    call_command("recompute_scores", campaign=2025, chunk_size=5, processes=2)
    assert without_time(stored()) == expected
    assert service.split_runs_possible()


@pytest.mark.parametrize(("cores", "expected"), [(None, 1), (1, 1), (2, 2), (16, 2)])
def test_a_campaigns_rescoring_uses_two_processes_where_there_are_two_cores(
    monkeypatch, cores, expected
):
    monkeypatch.setattr(service.os, "cpu_count", lambda: cores)
    assert service.default_processes() == expected


@pytest.mark.django_db(transaction=True)
def test_the_command_splits_the_work_by_default_on_two_cores(many, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database is private to this process")
    answer_at_random(many, random.Random(5))
    expected = per_assessment()
    monkeypatch.setattr(service.os, "cpu_count", lambda: 2)
    split = []
    real = service._in_processes
    monkeypatch.setattr(
        service,
        "_in_processes",
        lambda ids, processes, *rest: split.append(processes) or real(ids, processes, *rest),
    )
    call_command("recompute_scores", campaign=2025, chunk_size=5, stdout=StringIO())
    assert split == [2]
    assert without_time(stored()) == expected


@pytest.mark.django_db
def test_the_upsert_sends_rows_not_one_array_per_column(many, monkeypatch):
    """A few dozen snapshots (a GHT-level save rescoring its members) are written as VALUES
    rows: an array per column would have the driver escape each JSON detail in Python."""
    if connection.vendor != "postgresql":
        pytest.skip("the array per column (UNNEST) is PostgreSQL's form")
    monkeypatch.setattr(service, "COPY_FROM", 10**9)
    monkeypatch.setattr(service, "UPSERT_BATCH", 16)
    answer_at_random(many, random.Random(6))
    expected = per_assessment()
    with CaptureQueriesContext(connection) as captured:
        recompute_snapshots(Assessment.objects.all(), chunk_size=40)
    table = ScoreSnapshot._meta.db_table
    writes = [q["sql"] for q in captured if q["sql"].startswith(f"INSERT INTO {table} ")]
    assert len(writes) == 3  # 40 rows, 16 at a time
    assert not any("UNNEST" in sql for sql in writes)
    assert without_time(stored()) == expected
