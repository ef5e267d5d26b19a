"""Coordination of processes on several machines through the database.

- `exclusive_run(name)`: a periodic command (`send_reminders`, `recompute_scores`) started on
  several nodes at once runs on one only. The lock is a row of `RunLock`, taken by an insert or
  by a conditional update of an expired row (atomic on PostgreSQL and SQLite alike), renewed
  while the command runs, and released at its end; a holder that crashed stops renewing and its
  lock expires after `CARE_RUN_LOCK_SECONDS`.
- `Heartbeat`: a thread renewing a row every few seconds while a process runs (the run lock's
  expiry, a task worker's `WorkerHeartbeat`), on its own database connection.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from care_portal.formats import format_datetime
from care_portal.models import RunLock, WorkerHeartbeat

logger = logging.getLogger(__name__)


class AlreadyRunning(Exception):
    """Another process holds the run lock; `message` says which one, in French."""

    def __init__(self, lock: RunLock | None, name: str):
        self.lock = lock
        if lock is None:
            where = ""
        else:
            where = f" (sur {lock.holder}, depuis le {format_datetime(lock.acquired_at)})"
        self.message = (
            f"Une autre exécution de « {name} » est en cours{where} : "
            "celle-ci s'arrête sans rien faire."
        )
        super().__init__(self.message)


def process_name() -> str:
    """This process, as a lock or a heartbeat names it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Heartbeat:
    """Calls `beat()` every `every` seconds in a thread until stopped (on its own connection)."""

    def __init__(self, beat: Callable[[], object], every: float):
        self._beat = beat
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="care-heartbeat", daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self._every):
                try:
                    self._beat()
                except Exception:
                    logger.exception("Heartbeat failed; retrying in %s s", self._every)
        finally:
            connection.close()  # this thread's own connection

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _acquire(name: str, holder: str, seconds: int) -> bool:
    now = timezone.now()
    expires = now + timedelta(seconds=seconds)
    taken = RunLock.objects.filter(name=name, expires_at__lte=now).update(
        holder=holder, acquired_at=now, expires_at=expires
    )
    if taken:
        logger.warning("Run lock %r had expired (holder gone?); taken over by %s", name, holder)
        return True
    try:
        with transaction.atomic():
            RunLock.objects.create(name=name, holder=holder, acquired_at=now, expires_at=expires)
    except IntegrityError:
        return False
    return True


def _renew(name: str, holder: str, seconds: int) -> None:
    renewed = RunLock.objects.filter(name=name, holder=holder).update(
        expires_at=timezone.now() + timedelta(seconds=seconds)
    )
    if not renewed:
        logger.error("Run lock %r of %s was lost while running", name, holder)


@contextmanager
def exclusive_run(name: str, *, seconds: int | None = None) -> Iterator[RunLock]:
    """Hold the run lock `name` for the block, or raise AlreadyRunning at once.

    The lock is renewed every third of `seconds` (default `CARE_RUN_LOCK_SECONDS`) while the
    block runs and deleted at its end, whatever the outcome.
    """
    seconds = seconds or settings.CARE_RUN_LOCK_SECONDS
    holder = f"{process_name()}:{secrets.token_hex(4)}"
    if not _acquire(name, holder, seconds):
        raise AlreadyRunning(RunLock.objects.filter(name=name).first(), name)
    heartbeat = Heartbeat(lambda: _renew(name, holder, seconds), every=seconds / 3).start()
    try:
        yield RunLock.objects.get(name=name)
    finally:
        heartbeat.stop()
        RunLock.objects.filter(name=name, holder=holder).delete()


class WorkerLost(Exception):
    """Recorded on a task whose workers stopped answering during each of its attempts."""


def requeue_lost_tasks() -> int:
    """Put back in the queue the tasks running under a worker whose heartbeat stopped.

    A task is lost when the last worker that claimed it has not renewed its heartbeat for
    `CARE_WORKER_LOST_SECONDS` (or has no heartbeat) and the task started before that. After
    `CARE_TASK_MAX_ATTEMPTS` claims it is marked failed instead, so that a task that kills its
    worker does not kill them all. Each change is a conditional update: when two workers recover
    at once, one does it. Returns how many tasks went back to the queue.
    """
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.CARE_WORKER_LOST_SECONDS)
    alive = set(
        WorkerHeartbeat.objects.filter(last_seen__gt=cutoff).values_list("worker_id", flat=True)
    )
    requeued = 0
    for task in DBTaskResult.objects.running().filter(started_at__lt=cutoff):
        worker = task.worker_ids[-1] if task.worker_ids else ""
        if worker in alive:
            continue
        unchanged = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        attempts = len(task.worker_ids)
        if attempts >= settings.CARE_TASK_MAX_ATTEMPTS:
            failed = unchanged.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=(
                    f"WorkerLost: the worker running the task stopped answering, "
                    f"{attempts} times (last: {worker})"
                ),
            )
            if failed:
                logger.error("Task %s lost by %s attempts' workers: failed", task.pk, attempts)
        elif unchanged.update(status=TaskResultStatus.READY, started_at=None):
            logger.warning("Task %s lost by worker %s: back in the queue", task.pk, worker)
            requeued += 1
    return requeued


class WorkerPresence:
    """While a task worker runs: its heartbeat row, renewed in a thread, and the recovery of
    the tasks other workers lost (at start, then at every beat)."""

    def __init__(self, worker_id: str):
        self.worker_id = worker_id
        self._heartbeat: Heartbeat | None = None

    def beat(self) -> None:
        now = timezone.now()
        updated = WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(last_seen=now)
        if not updated:
            hostname, _, pid = process_name().rpartition(":")
            WorkerHeartbeat.objects.update_or_create(
                worker_id=self.worker_id,
                defaults={
                    "hostname": hostname,
                    "pid": int(pid),
                    "started_at": now,
                    "last_seen": now,
                },
            )
        requeue_lost_tasks()

    def __enter__(self) -> WorkerPresence:
        self.beat()
        self._heartbeat = Heartbeat(self.beat, every=settings.CARE_WORKER_HEARTBEAT_SECONDS)
        self._heartbeat.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._heartbeat is not None:
            self._heartbeat.stop()
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
