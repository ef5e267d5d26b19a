"""Task workers on several nodes: two workers never run the same task twice, and a worker
killed in the middle of a task leaves it to be run again by another, not lost."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from care_portal.models import WorkerHeartbeat
from care_portal.runs import requeue_lost_tasks
from followup.bulk_reports import build_bulk_report
from followup.models import BulkReport
from tests.servers import ROOT, migrated_sqlite, portal_output, sqlite_env  # noqa: F401
from tests.worker_tasks import leave_trace

ENQUEUE = """
from tests import worker_tasks
task = getattr(worker_tasks, sys.argv[1])
for name in sys.argv[3:]:
    task.enqueue(sys.argv[2], name, *([0.4] if sys.argv[1] == "leave_trace" else []))
"""
RESULTS = """
import json
from django_tasks_db.models import DBTaskResult
print(json.dumps([
    {"status": t.status, "workers": t.worker_ids, "name": t.args_kwargs["args"][1]}
    for t in DBTaskResult.objects.all()
]))
"""


def _worker(env, worker_id: str, *options: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - this project's manage.py
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
            "--worker-id",
            worker_id,
            *options,
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _results(env) -> list[dict]:
    import json

    return json.loads(portal_output(RESULTS, env))


def _traces(folder: Path, kind: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in folder.glob(f"*.{kind}.*"):
        name, _, pid = path.name.split(".")
        found.setdefault(name, []).append(int(pid))
    return found


def test_two_workers_share_the_queue_and_never_run_a_task_twice(sqlite_env, tmp_path):  # noqa: F811
    names = [f"task{number:02}" for number in range(12)]
    portal_output(ENQUEUE, sqlite_env, "leave_trace", str(tmp_path), *names)
    workers = [_worker(sqlite_env, f"worker-{n}", "--batch") for n in "ab"]
    for worker in workers:
        assert worker.wait(timeout=120) == 0

    done = _traces(tmp_path, "done")
    assert sorted(done) == names
    assert all(len(pids) == 1 for pids in done.values())  # each task ran once
    assert _traces(tmp_path, "started") == done
    assert len({pid for pids in done.values() for pid in pids}) == 2  # both workers took some
    results = _results(sqlite_env)
    assert {r["status"] for r in results} == {"SUCCESSFUL"}
    assert all(len(r["workers"]) == 1 for r in results)
    assert {r["workers"][0] for r in results} == {"worker-a", "worker-b"}


def test_a_task_whose_worker_was_killed_is_run_again_by_another(sqlite_env, tmp_path):  # noqa: F811
    env = {**sqlite_env, "CARE_WORKER_HEARTBEAT_SECONDS": "1", "CARE_WORKER_LOST_SECONDS": "3"}
    portal_output(ENQUEUE, env, "hang_the_first_time", str(tmp_path), "rapports")
    first = _worker(env, "worker-a")
    try:
        _wait_for(lambda: _traces(tmp_path, "started"), 60, "the first worker to start the task")
        first.kill()  # mid-task: no chance to record anything
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert _results(env) == [{"status": "RUNNING", "workers": ["worker-a"], "name": "rapports"}]

    second = _worker(env, "worker-b")
    try:
        _wait_for(lambda: _traces(tmp_path, "done"), 60, "the second worker to finish the task")
        _wait_for(lambda: _results(env)[0]["status"] == "SUCCESSFUL", 30, "the task's success")
    finally:
        second.terminate()
        second.wait(timeout=30)
    assert _results(env) == [
        {"status": "SUCCESSFUL", "workers": ["worker-a", "worker-b"], "name": "rapports"}
    ]
    assert len(_traces(tmp_path, "started")["rapports"]) == 2
    assert len(_traces(tmp_path, "done")["rapports"]) == 1


# --- What the recovery decides, in one process ---------------------------------------------------


@pytest.fixture
def queued(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CARE_WORKER_LOST_SECONDS = 60
    settings.CARE_TASK_MAX_ATTEMPTS = 3
    result = leave_trace.enqueue(str(tmp_path), "rapports")
    return DBTaskResult.objects.get(pk=result.id)


def _claimed(task, *workers, ago: int):
    task.status = "RUNNING"
    task.worker_ids = list(workers)
    task.started_at = timezone.now() - datetime.timedelta(seconds=ago)
    task.save()


def _beat(worker_id, ago: int):
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname="node-a",
        pid=os.getpid(),
        started_at=now - datetime.timedelta(hours=1),
        last_seen=now - datetime.timedelta(seconds=ago),
    )


@pytest.mark.django_db
def test_only_the_tasks_of_silent_workers_go_back_to_the_queue(queued):
    _beat("alive", ago=5)
    _claimed(queued, "alive", ago=600)  # a long task of a worker still beating
    assert requeue_lost_tasks() == 0
    queued.refresh_from_db()
    assert queued.status == "RUNNING"

    _beat("silent", ago=120)
    _claimed(queued, "silent", ago=600)
    assert requeue_lost_tasks() == 1
    queued.refresh_from_db()
    assert queued.status == "READY" and queued.started_at is None
    assert queued.worker_ids == ["silent"]  # the attempts are kept

    _claimed(queued, "gone", ago=10)  # no heartbeat at all, but only just started
    assert requeue_lost_tasks() == 0
    _claimed(queued, "gone", ago=61)
    assert requeue_lost_tasks() == 1


@pytest.mark.django_db
def test_a_task_that_loses_its_worker_every_time_fails_after_the_last_attempt(queued):
    _claimed(queued, "a", "b", "c", ago=120)
    assert requeue_lost_tasks() == 0
    queued.refresh_from_db()
    assert queued.status == "FAILED"
    assert queued.exception_class_path == "care_portal.runs.WorkerLost"
    assert "3 times" in queued.traceback


@pytest.mark.django_db
def test_a_bulk_zip_left_running_is_taken_over_by_its_own_task_only(world, campaign):
    bulk = BulkReport.objects.create(
        requester=world.ars,
        region=world.region,
        campaign=campaign.campaign,
        expires_at=timezone.now() + datetime.timedelta(days=3),
        status=BulkReport.Status.RUNNING,
        task_id="task-1",
    )
    bulk.establishments.set([world.hospital])
    assert build_bulk_report(bulk_report_id=bulk.pk, task_id="task-2") == "running"
    bulk.refresh_from_db()
    assert not bulk.file
    assert build_bulk_report(bulk_report_id=bulk.pk, task_id="task-1") == "ready"
    bulk.refresh_from_db()
    assert bulk.report_count == 1 and bulk.file
    bulk.file.delete(save=False)
