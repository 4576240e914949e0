"""The one working-day calendar.

A working day is Monday–Friday, minus Vietnamese public holidays (the `holidays` package, lunar Tết
included, with the days off it marks "substituted from" a Saturday — that Saturday becomes a working day), minus
extra days off announced by the government, plus weekend days announced as working days (both in the `CalendarDay`
table, editable by an administrator, which wins over the package), minus any suspension periods the caller passes
(e.g. the time a case was suspended).

Two kinds of period, one function each — every deadline in STQ goes through one of them:
- "N working days" (ngày làm việc): `add_working_days` skips days off from the start;
- "N days" (ngày, calendar days): `add_days` counts every day (Civil Code 2015 art 147: from the day after the
  event) and, when the last day is a weekend day or a public holiday, the period ends on the next working day
  (Civil Code 2015 art 148.5). `days_late` says by how many days a date missed such a period.

    add_working_days(date(2026, 2, 12), 5) == date(2026, 2, 26)   # Tết 16–20/02/2026 skipped
    add_days(date(2026, 2, 13), 15) == date(2026, 3, 2)           # Sat 28/02 → Mon 02/03 (art 148.5)
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


def _special_entries(year: int) -> tuple[tuple, ...]:
    from holidays.countries.vietnam import VietnamStaticHolidays

    entries = VietnamStaticHolidays.special_public_holidays.get(year, ())
    return (entries,) if entries and not isinstance(entries[0], tuple) else tuple(entries)


@lru_cache(maxsize=64)
def substituted_working_days(year: int) -> frozenset[date]:
    """Weekend days of `year` that the `holidays` package gives as the day a day off was "substituted from" (a
    government swap: the Saturday is worked so that a bridge day is off), e.g. Sat 26/04/2025 for Fri 02/05/2025.
    Entries are (month, day, from_month, from_day[, from_year]); the day off itself is already a holiday there."""
    days = set()
    for entry_year in (year, year + 1):  # a January day off may be swapped with a December Saturday
        for entry in _special_entries(entry_year):
            if len(entry) >= 4:
                from_day = date(entry[4] if len(entry) == 5 else entry_year, entry[2], entry[3])
                if from_day.year == year:
                    days.add(from_day)
    return frozenset(days)


def holidays_and_swaps(year: int, language: str = "en_US") -> list[tuple[date, str, bool]]:
    """(date, name, is_worked_swap_day): the days off (holidays, observed and substituted days) and the swapped
    working Saturdays the calendar yields for `year` from the `holidays` package (the `CalendarDay` table comes on
    top), in date order, for the calendar page."""
    rows = [(d, str(name), False) for d, name in holidays.country_holidays("VN", years=year, language=language).items()]
    rows += [(d, "", True) for d in substituted_working_days(year)]
    return sorted(rows)


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
        if day in self.days_off:
            return False
        if day in substituted_working_days(day.year):
            return True
        if day.weekday() >= 5:
            return False
        return day not in _public_holidays(day.year)

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start`; for n = 0, `start` itself or the next working day after it."""
        day = start
        if n == 0:
            return self.next_working_day(day)
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
    """The last day of a period of `n` days (the law's and the seed's plain "ngày", "trong vòng N ngày") that
    starts after `start`: counted in calendar days (Civil Code 2015 art 147.1: from the day after the event) and,
    when that day is a weekend day or a public holiday, moved to the next working day (Civil Code 2015 art 148.5).
    The one function for every "N days" rule: decisions recorded within 1 day, conclusions within 3 days, the
    15-day conclusion deadline, the declarant's 10 days."""
    end = start + timedelta(days=n)
    return calendar_for(end, end + timedelta(days=20)).next_working_day(end)


def days_late(start: date, n: int, on: date) -> int:
    """By how many calendar days `on` is after the end of the `n`-day period from `start` (0 when in time)."""
    return max((on - add_days(start, n)).days, 0)
