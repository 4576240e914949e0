""""My work": the cases waiting for the user's action, across every workflow, with their deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from stq.core import calendar

from .engine import workflows


@dataclass
class WorkItem:
    case: object
    kind: object
    state: str
    due_on: date | None
    due_kind: str
    overdue_days: int  # working days past the deadline (0 when not overdue)

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days > 0


def my_work(user, *, limit: int = 200) -> list[WorkItem]:
    today = timezone.localdate()
    items: list[WorkItem] = []
    for wf in workflows():
        if wf.model is None or not wf.deadlines:
            continue
        qs = wf.model.objects.filter(wf.actionable_q(user)).order_by("due_on", "pk")[:limit]
        for case in qs:
            items.append(WorkItem(case, wf.label, wf.state_label(case.state), case.due_on, case.due_kind, 0))
    late = [i for i in items if i.due_on and i.due_on < today]
    if late:  # one calendar (one query) for every overdue item, not one per item
        days = calendar.calendar_for(min(i.due_on for i in late), today)
        for item in late:
            item.overdue_days = days.working_days_between(item.due_on, today)
    items.sort(key=lambda i: (i.due_on is None, i.due_on or date.max))
    return items[:limit]
