"""Background tasks (django-tasks) of the reports."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_totals_task() -> int:
    """Recompute the kept monthly totals of the months marked stale (`totals.refresh`); enqueued by a report that
    found stale months, and by ``manage.py refresh_report_totals``. Returns the number of months recomputed."""
    from . import totals

    return len(totals.refresh())
