"""Background tasks of the reports, run by `manage.py db_worker` (immediately in tests)."""

from __future__ import annotations

from django_tasks import task

from reports.stored import store_report


@task()
def render_stored_report(assessment_id: int) -> bool:
    """Render and store a submitted or validated assessment's PDF report (unless current)."""
    return store_report(assessment_id)
