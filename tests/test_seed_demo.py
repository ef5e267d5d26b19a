"""`seed_demo` builds a usable demo through the real paths, and can be run twice."""

import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Assessment, Campaign, CarryOver
from assessments.scoring.service import compute_result
from establishments.models import GHT, Establishment, Kind, Region, User
from funding.models import Candidacy, CandidacyMove, FundingCall
from referential.models import ReferentialVersion


@pytest.mark.django_db(transaction=False)
def test_demo_data_set(client):
    output = StringIO()
    call_command("seed_demo", stdout=output)

    # The registry, through the FINESS and GHT imports.
    assert Region.objects.count() == 18
    assert Establishment.objects.filter(kind=Kind.ES).count() > 100
    assert Establishment.objects.filter(kind=Kind.ESSMS).count() > 100
    assert Establishment.objects.values("region").distinct().count() == 18
    assert GHT.objects.count() >= 10

    # The referential, and two campaigns: last year's validated, this year's in every state.
    assert ReferentialVersion.objects.filter(code="CARE", version=1).exists()
    current, previous = Campaign.objects.order_by("-year")[:2]
    assert current.assessments.count() == Establishment.objects.count()
    states = set(current.assessments.values_list("status", flat=True))
    assert states == {"draft", "submitted", "validated", "reopened"}
    assert current.assessments.filter(answers__isnull=True).exists()  # not started
    assert set(previous.assessments.values_list("status", flat=True)) == {"validated"}
    # Last year's campaign stays on version 1; this year's runs on version 2.
    assert (previous.referential.label, current.referential.label) == ("CARE:1", "CARE:2")
    # Some of this year's drafts start from last year's answers, through the code map; others
    # were filled afresh.
    carried = CarryOver.objects.filter(assessment__campaign=current)
    assert carried.exists() and all(record.through_map for record in carried)
    drafts = current.assessments.filter(status="draft", answers__isnull=False).distinct()
    assert drafts.exclude(carry_overs__isnull=False).exists()
    assert drafts.filter(carry_overs__isnull=False).exists()
    # The operator's command on version 2 finds the campaign already open.
    opened = StringIO()
    call_command("open_campaign", year=current.year, referential="CARE:2", stdout=opened)
    assert "0 auto-évaluation(s) créée(s)" in opened.getvalue()

    # Stored snapshots agree with a fresh computation, before and after a bulk recompute.
    def snapshots_agree():
        for assessment in Assessment.objects.select_related("snapshot", "establishment"):
            fresh = compute_result(assessment)
            assert assessment.snapshot.score_global == pytest.approx(fresh.score_global)
            assert assessment.snapshot.count_met == fresh.counts["met"]

    snapshots_agree()
    call_command("recompute_scores", campaign=current.year, stdout=StringIO())
    snapshots_agree()

    # Each demo account signs in and sees its scope.
    expected = {
        "national@demo.care.fr": Establishment.objects.count(),
        "ars.ara@demo.care.fr": Establishment.objects.filter(region_id="84").count(),
        "rssi@demo.care.fr": 1,
        "direction@demo.care.fr": 1,
        "rssi.ehpad@demo.care.fr": 1,
    }
    for email, count in expected.items():
        assert email in output.getvalue()
        assert client.login(username=email, password="demo-care-2025"), email
        assert Establishment.objects.for_user(User.objects.get(email=email)).count() == count
        assert client.get("/").status_code == 200
        client.logout()
    rssi_hospital = Assessment.objects.get(
        campaign=current, establishment__role_assignments__user__email="rssi@demo.care.fr"
    )
    assert rssi_hospital.status == "draft"  # left for the demo RSSI to complete
    # Started from last year's answers: what to read again and what did not carry is listed.
    assert rssi_hospital.carry_overs.filter(previous__campaign=previous).exists()

    # The four funding calls with their stages; in the demo region, GHTs and legal entities at
    # every stage, each moved through the workflow inside its stage's window (none forced).
    assert list(FundingCall.objects.current().values_list("code", flat=True)) == [
        "D1",
        "HOSPICONNECT",
        "D2",
        "D1BIS",
    ]
    assert all(len(call.stages) == 5 for call in FundingCall.objects.all())
    candidacies = Candidacy.objects.filter(region_id="84")
    for applicants in (candidacies.filter(ght__isnull=False), candidacies.filter(ght__isnull=True)):
        assert set(applicants.values_list("stage", flat=True)) == set(Candidacy.Stage.values)
    assert not CandidacyMove.objects.filter(forced=True).exists()
    paid = candidacies.filter(stage="paid").first()
    assert [m.to_stage for m in paid.moves.all()] == [
        "submitted", "validated", "declared", "signed", "controlled", "paid"
    ]  # fmt: skip
    assert not Candidacy.objects.exclude(region_id="84").exists()

    # Running it again changes nothing.
    counts = (
        Establishment.objects.count(),
        User.objects.count(),
        Assessment.objects.count(),
        Candidacy.objects.count(),
    )
    versions = sorted(Assessment.objects.values_list("version", flat=True))
    call_command("seed_demo", stdout=StringIO())
    assert (
        Establishment.objects.count(),
        User.objects.count(),
        Assessment.objects.count(),
        Candidacy.objects.count(),
    ) == counts
    assert sorted(Assessment.objects.values_list("version", flat=True)) == versions


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    models = [User, Region, Establishment, GHT, ReferentialVersion, Campaign, Assessment]
    before = [model.objects.count() for model in models]
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refuse de s'exécuter en production"):
        call_command("seed_demo", stdout=StringIO())
    assert [model.objects.count() for model in models] == before
    assert not User.objects.filter(is_superuser=True).exists()


def test_seed_demo_with_production_settings_exits_with_an_error_and_writes_nothing(tmp_path):
    database = tmp_path / "care.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CARE_"))}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="care.example.fr",
        DATABASE_URL=f"sqlite:///{database}",
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "seed_demo"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "seed_demo refuse de s'exécuter en production" in result.stderr
    assert "demo-care-2025" not in result.stdout + result.stderr
    assert not database.exists() or database.stat().st_size == 0
