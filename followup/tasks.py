"""Background tasks of the follow-up, run by `manage.py db_worker` (immediately in tests).

Tasks take ids and plain values only: they are stored as JSON in the queue.
"""

from __future__ import annotations

from datetime import date

from django_tasks import TaskContext, task

from followup import bulk_reports, relaunches, reminder_mail


@task()
def send_reminders(log_ids: list[int], today: str | None = None) -> int:
    """Send the reminder e-mails a run claimed; returns how many were sent."""
    return reminder_mail.send_reminder_logs(
        log_ids, today=date.fromisoformat(today) if today else None
    )


@task()
def send_relaunch(relaunch_id: int) -> int:
    """Send a relaunch message to its recipients; returns how many e-mails were sent."""
    return relaunches.deliver_relaunch(relaunch_id=relaunch_id)


@task(takes_context=True)
def build_bulk_report(context: TaskContext, bulk_report_id: int) -> str:
    """Render the PDF reports of a bulk request into its ZIP; returns its final status."""
    return bulk_reports.build_bulk_report(
        bulk_report_id=bulk_report_id, task_id=str(context.task_result.id)
    )


@task()
def send_notifications(notification_ids: list[int]) -> int:
    """E-mail these notifications to those who keep that kind on; returns how many were sent."""
    from followup.notifications import send_notification_emails

    return send_notification_emails(notification_ids)
