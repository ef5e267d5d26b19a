"""Periodic commands started on several nodes at once: one run works, the others say so in
French and stop at once (exit 0, nothing done); a crashed holder's lock expires."""

from __future__ import annotations

import datetime
import subprocess
import time

import pytest
from django.utils import timezone

from care_portal.models import RunLock
from care_portal.runs import AlreadyRunning, exclusive_run
from tests.servers import (  # noqa: F401 - fixtures
    manage,
    migrated_sqlite,
    portal_output,
    portal_python,
    sqlite_env,
)

SEED = """
from datetime import date
from establishments.models import Role
from tests.factories import AssessmentFactory, CampaignFactory, user_with_role
for year in (2024, 2025):
    campaign = CampaignFactory(year=year, opens_on=date(year, 1, 6), closes_on=date(year, 7, 31))
    assessment = AssessmentFactory(campaign=campaign)
user_with_role(Role.RSSI, assessment.establishment, email="rssi@example.fr")
"""
HOLD = """
from care_portal.runs import exclusive_run
with exclusive_run(sys.argv[1], seconds=int(sys.argv[2])):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes it, or kills this process
"""
COUNTS = """
from django_tasks_db.models import DBTaskResult
from assessments.models import ScoreSnapshot
from followup.models import ReminderLog
from care_portal.models import RunLock
print(ReminderLog.objects.count(), DBTaskResult.objects.count(), ScoreSnapshot.objects.count(),
      RunLock.objects.count())
"""


def _hold(env, name: str, seconds: int) -> subprocess.Popen:
    """Another process running `name` (it holds its lock until its standard input closes)."""
    holder = portal_python(
        HOLD, env, name, str(seconds), stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def _counts(env) -> dict[str, int]:
    numbers = [int(n) for n in portal_output(COUNTS, env).split()]
    return dict(zip(["reminders", "tasks", "snapshots", "locks"], numbers, strict=True))


def test_send_reminders_started_while_another_runs_does_nothing_then_runs_once_it_crashed(
    sqlite_env,  # noqa: F811
):
    portal_output(SEED, sqlite_env)
    holder = _hold(sqlite_env, "send_reminders", seconds=3)
    try:
        second = manage(sqlite_env, "send_reminders", "--date", "2025-07-01")
        assert second.returncode == 0, second.stderr
        assert "Une autre exécution de « send_reminders » est en cours" in second.stdout
        assert "celle-ci s'arrête sans rien faire" in second.stdout
        assert "rappels mis en file" not in second.stdout
        assert _counts(sqlite_env) == {"reminders": 0, "tasks": 0, "snapshots": 0, "locks": 1}
    finally:
        holder.kill()  # crashed: its lock stays in the database, no longer renewed
        holder.wait(timeout=10)
    assert _counts(sqlite_env)["locks"] == 1

    time.sleep(3)  # the lock expires
    third = manage(sqlite_env, "send_reminders", "--date", "2025-07-01")
    assert third.returncode == 0, third.stderr
    assert "1 rappels mis en file pour le 01/07/2025" in third.stdout
    assert "en cours" not in third.stdout
    assert _counts(sqlite_env) == {"reminders": 1, "tasks": 1, "snapshots": 0, "locks": 0}


def test_recompute_scores_runs_once_per_campaign_at_a_time(sqlite_env):  # noqa: F811
    portal_output(SEED, sqlite_env)
    holder = _hold(sqlite_env, "recompute_scores:2025", seconds=300)
    try:
        busy = manage(sqlite_env, "recompute_scores", "--campaign", "2025")
        assert busy.returncode == 0, busy.stderr
        assert "Une autre exécution de « recompute_scores:2025 » est en cours" in busy.stdout
        assert "recalculés" not in busy.stdout
        assert _counts(sqlite_env)["snapshots"] == 0
        # Another campaign is another lock.
        other = manage(sqlite_env, "recompute_scores", "--campaign", "2024")
        assert "Campagne 2024 : 1 instantanés de score recalculés" in other.stdout
    finally:
        holder.stdin.close()  # the other run ends normally and releases its lock
        assert holder.wait(timeout=30) == 0
    done = manage(sqlite_env, "recompute_scores", "--campaign", "2025")
    assert "Campagne 2025 : 1 instantanés de score recalculés" in done.stdout
    assert _counts(sqlite_env) == {"reminders": 0, "tasks": 0, "snapshots": 2, "locks": 0}


@pytest.mark.django_db
def test_the_lock_is_taken_once_released_at_the_end_and_taken_over_once_expired():
    with exclusive_run("send_reminders", seconds=60) as lock:
        assert RunLock.objects.get().holder == lock.holder
        with pytest.raises(AlreadyRunning) as busy, exclusive_run("send_reminders"):
            pass
        assert "Une autre exécution de « send_reminders » est en cours" in busy.value.message
        assert lock.holder.split(":")[0] in busy.value.message  # on which machine
        with exclusive_run("recompute_scores:2025"):  # another name is another lock
            assert RunLock.objects.count() == 2
    assert not RunLock.objects.exists()

    # A holder that crashed left its row; once expired, the next start takes it over.
    past = timezone.now() - datetime.timedelta(seconds=1)
    RunLock.objects.create(
        name="send_reminders", holder="node-b:4242:dead", acquired_at=past, expires_at=past
    )
    with exclusive_run("send_reminders") as lock:
        assert lock.holder != "node-b:4242:dead"
    assert not RunLock.objects.exists()
