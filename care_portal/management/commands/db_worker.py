"""`manage.py db_worker`: django-tasks-db's worker, which also recovers the tasks of lost workers.

django-tasks-db claims each task with `SELECT … FOR UPDATE SKIP LOCKED` (an exclusive
transaction on SQLite), so two workers never take the same task; but a worker killed in the
middle of a task would leave it "running" for ever. Here each worker keeps a heartbeat while it
runs and puts back in the queue the tasks still running under a worker whose heartbeat stopped
(care_portal.runs.WorkerPresence). Options and behaviour are otherwise django-tasks-db's.
"""

from __future__ import annotations

from django_tasks_db.management.commands import db_worker

from care_portal.runs import WorkerPresence


class RecoveringWorker(db_worker.Worker):
    def run(self) -> None:
        with WorkerPresence(self.worker_id):
            super().run()


class Command(db_worker.Command):
    help = (
        "Run a database background worker; the tasks left running by a worker that stopped "
        "answering go back to the queue."
    )

    def handle(self, *args, **options) -> None:
        # django-tasks-db's command builds the worker from its module's `Worker`.
        library_worker = db_worker.Worker
        db_worker.Worker = RecoveringWorker  # type: ignore[misc]
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = library_worker  # type: ignore[misc]
