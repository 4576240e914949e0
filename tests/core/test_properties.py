"""Property tests (hypothesis) of the one working-day calendar and the one case numbering (issue #17, done-when).

The calendar is exercised as a pure `WorkingCalendar` with arbitrary government swaps and suspension periods, on
real Vietnamese public holidays (years 2000–2060, Tết included); the numbering on PostgreSQL with arbitrary
interleavings of units, years and kinds, some of them rolled back."""

import datetime as dt
import re

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stq.core.calendar import WorkingCalendar
from stq.core.numbering import format_number, next_number

days = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2060, 12, 31))
ranges = st.tuples(days, st.integers(0, 40)).map(lambda p: (p[0], p[0] + dt.timedelta(days=p[1])))


@st.composite
def calendars(draw):
    return WorkingCalendar(days_off=frozenset(draw(st.lists(days, max_size=20))),
                           working_weekend_days=frozenset(draw(st.lists(days, max_size=20))),
                           suspensions=tuple(draw(st.lists(ranges, max_size=3))))


PROPS = settings(max_examples=150, deadline=None)


@PROPS
@given(cal=calendars(), start=days, n=st.integers(1, 120))
def test_adding_n_working_days_lands_on_a_working_day_n_working_days_later(cal, start, n):
    end = cal.add_working_days(start, n)
    assert end > start and cal.is_working_day(end)
    assert cal.working_days_between(start, end) == n
    assert cal.working_days_between(end, start) == -n  # antisymmetric


@PROPS
@given(cal=calendars(), start=days, n=st.integers(1, 120))
def test_going_back_n_working_days(cal, start, n):
    earlier = cal.add_working_days(start, -n)
    assert earlier < start and cal.is_working_day(earlier)
    # (earlier, start] holds the n-1 working days stepped over, plus start itself when it is a working day
    assert cal.working_days_between(earlier, start) == n - 1 + (1 if cal.is_working_day(start) else 0)


@PROPS
@given(cal=calendars(), start=days, a=st.integers(1, 60), b=st.integers(1, 60))
def test_working_days_compose(cal, start, a, b):
    assert cal.add_working_days(cal.add_working_days(start, a), b) == cal.add_working_days(start, a + b)
    assert cal.add_working_days(start, a) < cal.add_working_days(start, a + b)  # strictly increasing in n


@PROPS
@given(cal=calendars(), start=days)
def test_zero_days_is_the_first_working_day_from_start(cal, start):
    first = cal.add_working_days(start, 0)
    assert first >= start and cal.is_working_day(first)
    assert not any(cal.is_working_day(start + dt.timedelta(days=i)) for i in range((first - start).days))


@PROPS
@given(cal=calendars(), day=days)
def test_what_makes_a_day_off(cal, day):
    suspended = any(lo <= day <= hi for lo, hi in cal.suspensions)
    if suspended:
        assert not cal.is_working_day(day)  # a suspension wins over everything
    elif day in cal.working_weekend_days:
        assert cal.is_working_day(day)  # an announced working day wins over weekend and holiday
    elif day.weekday() >= 5 or day in cal.days_off:
        assert not cal.is_working_day(day)


def test_tet_2026_is_off():
    cal = WorkingCalendar(frozenset(), frozenset())
    assert not any(cal.is_working_day(dt.date(2026, 2, d)) for d in range(16, 21))


NUMBER = re.compile(r"^(\d{4,})/(\d{4})/([A-Z0-9]+)-([A-Z0-9-]+)$")


@given(seq=st.integers(1, 10**6), year=st.integers(1900, 2099), kind=st.from_regex(r"[A-Z]{1,6}", fullmatch=True),
       unit=st.from_regex(r"[A-Z0-9]{2,6}(-[A-Z0-9]{1,4})?", fullmatch=True))
def test_number_format_reads_back(seq, year, kind, unit):
    m = NUMBER.match(format_number(seq=seq, year=year, kind=kind, unit_code=unit))
    assert m and (int(m[1]), int(m[2]), m[3], m[4]) == (seq, year, kind, unit)


steps = st.lists(st.tuples(st.sampled_from(["kv01pt", "kv02pt"]), st.sampled_from([2025, 2026]),
                           st.sampled_from(["TTTT", "KT", "DX"]), st.booleans()), min_size=1, max_size=25)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_numbers_are_gap_free_and_unique_per_unit_year_kind(org, plan):
    """Any interleaving of creations, some rolled back, gives each (unit, year, kind) the numbers 1..k in order."""
    with transaction.atomic():
        issued: dict[tuple, list[int]] = {}
        for unit_name, year, kind, rolled_back in plan:
            unit = getattr(org, unit_name)
            try:
                with transaction.atomic():
                    number = next_number(unit=unit, year=year, kind=kind)
                    if rolled_back:
                        raise _RolledBack
            except _RolledBack:
                continue
            m = NUMBER.match(number)
            assert m and m[2] == str(year) and m[3] == kind and m[4] == unit.code
            issued.setdefault((unit.code, year, kind), []).append(int(m[1]))
        for numbers in issued.values():
            assert numbers == list(range(1, len(numbers) + 1))
        transaction.set_rollback(True)  # every example starts from empty counters


class _RolledBack(Exception):
    pass
