"""Reconciliation reminders (domain A1.4, A2): after a month ends, the reporting officers of each unit that has not
reconciled a form for it are reminded of the deadline (2 working days before the report is due); once the deadline
has passed, the officers and the unit's leaders are told it is overdue. Each reminder is sent once (dedupe key).

Run daily, like the workflow reminders: `manage.py notify_reconciliation` from cron / a systemd timer, or the task
`reconciliation_reminders_task.enqueue()` picked up by `manage.py db_worker`.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from stq.core.notifications import notify
from stq.core.texts import Text
from stq.org.models import Role, RoleGrant, Unit
from stq.org.selectors import users_with_roles

from . import layout
from .forms import ReportFilterForm
from .models import Reconciliation
from .periods import Period


def last_month(today: date) -> Period:
    end = today.replace(day=1) - timedelta(days=1)
    return Period(end.replace(day=1), end, "month")


def reporting_units():
    """Units with an active reporting officer (an officer granted at the unit itself)."""
    ids = RoleGrant.objects.active().filter(role=Role.OFFICER).values("unit_id")
    return Unit.objects.filter(pk__in=ids).order_by("path")


def send_reconciliation_reminders(today: date | None = None) -> int:
    today = today or timezone.localdate()
    period = last_month(today)
    sent = 0
    for form in layout.forms():
        lay = layout.load(form)
        by = period.reconcile_by(lay.due_working_days_after_period)
        done = set(Reconciliation.objects.filter(form=form, date_from=period.date_from, date_to=period.date_to)
                   .values_list("unit_id", flat=True))
        for unit in reporting_units():
            if unit.pk in done:
                continue
            recipients = list(users_with_roles([Role.OFFICER], unit))
            values = {"form": form, "month": f"{period.date_from:%m/%Y}", "unit": unit.code, "by": f"{by:%d/%m/%Y}"}
            if today <= by:
                key, level = "due", "info"
                title = Text(_("Reconcile form %(form)s for %(month)s (%(unit)s) by %(by)s"), **values)
            else:
                key, level = "overdue", "warning"
                title = Text(_("Reconciliation of form %(form)s for %(month)s (%(unit)s) is overdue since %(by)s"),
                             **values)
                recipients += list(users_with_roles([Role.APPROVER], unit))
            url = reverse("reports:form", args=[form]) + "?" + ReportFilterForm.query(unit, period)
            notify(recipients, title=title, url=url, level=level,
                   dedupe_key=f"reports:reconcile:{key}:{form}:{unit.pk}:{period.date_from.isoformat()}")
            sent += 1
    return sent


@task()
def reconciliation_reminders_task() -> int:
    return send_reconciliation_reminders()
