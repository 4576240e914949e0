""""My work": the cases waiting for the user's action, across every workflow, with their deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from . import calendar
from .workflow import workflows


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
        if wf.model is None:
            continue
        qs = wf.model.objects.filter(wf.actionable_q(user)).order_by("due_on", "pk")[:limit]
        for case in qs:
            overdue = calendar.working_days_between(case.due_on, today) if case.due_on and case.due_on < today else 0
            items.append(WorkItem(case, wf.label, wf.state_label(case.state), case.due_on, case.due_kind, overdue))
    items.sort(key=lambda i: (i.due_on is None, i.due_on or date.max))
    return items[:limit]
