"""What the processes of a deployment share in the database to coordinate (care_portal.runs)."""

from django.db import models


class RunLock(models.Model):
    """One periodic command running somewhere: held until released or until it expires.

    The holder renews `expires_at` while it runs; a holder that crashed stops renewing, and the
    next start after `expires_at` takes the lock over.
    """

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=200)
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "verrou d'exécution"
        verbose_name_plural = "verrous d'exécution"

    def __str__(self) -> str:
        return f"{self.name} ({self.holder})"


class WorkerHeartbeat(models.Model):
    """A task worker alive: `last_seen` is renewed every few seconds while it runs.

    A task still marked running by a worker whose heartbeat stopped is put back in the queue.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "travailleur de tâches"
        verbose_name_plural = "travailleurs de tâches"

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}, pid {self.pid})"
