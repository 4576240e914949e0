"""Deadline reminders for every workflow: "due today" and "overdue", each sent once (dedupe key).

Run daily in production — either the task (`deadline_reminders_task.enqueue()`, picked up by `manage.py db_worker`)
or the command from cron / a systemd timer, e.g. `15 7 * * 1-6  cd /srv/stq && .venv/bin/python manage.py
notify_deadlines`.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from stq.core import calendar
from stq.core.notifications import notify
from stq.core.texts import Text
from stq.org.models import Role
from stq.org.selectors import users_with_roles

from .engine import workflows


def send_deadline_reminders(today: date | None = None) -> int:
    """Notify the next actors of cases due today, and the next actors plus the unit's leaders of overdue cases."""
    today = today or timezone.localdate()
    sent = 0
    for wf in workflows():
        if wf.model is None or not wf.deadlines:
            continue
        for case in wf.model.objects.filter(due_on__isnull=False, due_on__lte=today).select_related("unit"):
            url = case.get_absolute_url() if hasattr(case, "get_absolute_url") else ""
            recipients = wf.next_actors(case)
            if case.due_on == today:
                key, title = "due", Text(_("Due today: %(case)s"), case=str(case))
            else:
                days = calendar.working_days_between(case.due_on, today)
                key = "overdue"
                title = Text(_("Overdue by %(days)s working days: %(case)s"), days=days, case=str(case))
                recipients += list(users_with_roles([Role.APPROVER], case.unit))
            notify(recipients, title=title, url=url, level="warning" if key == "overdue" else "info",
                   dedupe_key=f"{key}:{wf.name}:{case.pk}:{case.due_kind}:{case.due_on.isoformat()}", case=case)
            sent += 1
    return sent


@task()
def deadline_reminders_task() -> int:
    return send_deadline_reminders()
