"""The one working-day calendar.

A working day is Monday–Friday, minus Vietnamese public holidays (the `holidays` package, lunar Tết
included), minus extra days off announced by the government, plus weekend days announced as working days
(both in the `CalendarDay` table, editable by an administrator), minus any suspension periods the caller passes
(e.g. the time a case was suspended).

    add_working_days(date(2026, 2, 12), 5) == date(2026, 2, 26)   # Tết 16–20/02/2026 skipped
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

DateRange = tuple[date, date]  # inclusive


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


@dataclass(frozen=True)
class WorkingCalendar:
    """A snapshot of the calendar for a range of dates (public holidays, swaps, suspensions)."""

    days_off: frozenset[date]
    working_weekend_days: frozenset[date]
    suspensions: tuple[DateRange, ...] = ()

    def is_working_day(self, day: date) -> bool:
        if any(start <= day <= end for start, end in self.suspensions):
            return False
        if day in self.working_weekend_days:
            return True
        if day.weekday() >= 5:
            return False
        return day not in self.days_off and day not in _public_holidays(day.year)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start`; for n = 0, `start` itself or the next working day after it."""
        day = start
        if n == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
            return day
        step = 1 if n > 0 else -1
        remaining = abs(n)
        while remaining:
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b] — positive when b is after a, negative when before, 0 when equal."""
        if a == b:
            return 0
        lo, hi, sign = (a, b, 1) if a < b else (b, a, -1)
        count = 0
        day = lo
        while day < hi:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return sign * count


def calendar_for(start: date, end: date, suspensions: Iterable[DateRange] = ()) -> WorkingCalendar:
    """Load the swaps that matter for [start, end] (with a generous margin) in one query."""
    from .models import CalendarDay

    lo, hi = min(start, end), max(start, end)
    rows = CalendarDay.objects.filter(date__gte=lo - timedelta(days=10), date__lte=hi + timedelta(days=400))
    off, working = set(), set()
    for row in rows.values_list("date", "kind"):
        (off if row[1] == CalendarDay.Kind.DAY_OFF else working).add(row[0])
    return WorkingCalendar(frozenset(off), frozenset(working), tuple(suspensions))


def add_working_days(start: date, n: int, *, suspensions: Iterable[DateRange] = ()) -> date:
    return calendar_for(start, start + timedelta(days=n * 2), suspensions).add_working_days(start, n)


def working_days_between(a: date, b: date, *, suspensions: Iterable[DateRange] = ()) -> int:
    return calendar_for(a, b, suspensions).working_days_between(a, b)


def is_working_day(day: date) -> bool:
    return calendar_for(day, day).is_working_day(day)


def add_days(start: date, n: int) -> date:
    """Calendar days (the law's plain "ngày"), for rules not counted in working days."""
    return start + timedelta(days=n)
