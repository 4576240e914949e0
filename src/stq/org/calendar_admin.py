"""The working-day calendar's administration: the government-announced swaps, kept by the national unit
administrator (the calendar itself, `stq.core.calendar`, sits below the organisation)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError, Forbidden
from stq.core.history import save_as
from stq.core.models import CalendarDay

from . import policy
from .models import Unit

policy.register_action("core.manage_calendar", {"unit_admin"})


def _check_calendar_admin(actor) -> None:
    root = Unit.objects.root()
    if root is None or not policy.can_at(actor, "core.manage_calendar", root):
        raise Forbidden("forbidden", _("Only the national administrator may change the working-day calendar."))


@transaction.atomic
def calendar_day_add(*, actor, date: date, kind: str, reason: str) -> CalendarDay:
    _check_calendar_admin(actor)
    if CalendarDay.objects.filter(date=date).exists():
        raise AppError("calendar_day_exists", _("This date is already in the calendar."), field="date")
    if kind == CalendarDay.Kind.WORKING_DAY and date.weekday() < 5:
        raise AppError("not_a_weekend", _("A swapped working day must be a Saturday or Sunday."), field="date")
    return save_as(CalendarDay(date=date, kind=kind, reason=reason), actor, reason="calendar_add")


@transaction.atomic
def calendar_day_remove(*, actor, day: CalendarDay) -> None:
    _check_calendar_admin(actor)
    day._history_user = actor
    day.delete()
