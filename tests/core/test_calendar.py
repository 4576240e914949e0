"""The working-day calendar on real dates (Tết 2026: 16–20 February)."""

from datetime import date

import pytest
from django.utils import timezone

from stq.core import calendar
from stq.core.models import CalendarDay


@pytest.mark.django_db
def test_five_working_days_from_12_feb_2026_skip_tet():
    # Thu 12/02 → Fri 13 (1), Tết Mon 16 … Fri 20 skipped, Mon 23 (2) … Thu 26 (5)
    assert calendar.add_working_days(date(2026, 2, 12), 5) == date(2026, 2, 26)


@pytest.mark.django_db
def test_same_day_rolls_to_next_working_day():
    assert calendar.add_working_days(date(2026, 2, 13), 0) == date(2026, 2, 13)  # a Friday
    assert calendar.add_working_days(date(2026, 2, 14), 0) == date(2026, 2, 23)  # Sat before Tết
    assert calendar.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)  # Friday before Tết + 1


@pytest.mark.django_db
def test_swap_table_changes_the_result():
    assert calendar.add_working_days(date(2026, 2, 12), 5) == date(2026, 2, 26)
    CalendarDay.objects.create(date=date(2026, 2, 23), kind=CalendarDay.Kind.DAY_OFF, reason="nghỉ bù")
    assert calendar.add_working_days(date(2026, 2, 12), 5) == date(2026, 2, 27)
    CalendarDay.objects.create(date=date(2026, 2, 14), kind=CalendarDay.Kind.WORKING_DAY, reason="làm bù")
    assert calendar.add_working_days(date(2026, 2, 12), 5) == date(2026, 2, 26)


@pytest.mark.django_db
def test_suspension_period_is_not_counted():
    start = date(2026, 3, 2)  # Monday
    assert calendar.add_working_days(start, 5) == date(2026, 3, 9)
    assert calendar.add_working_days(start, 5, suspensions=[(date(2026, 3, 3), date(2026, 3, 4))]) == date(2026, 3, 11)


@pytest.mark.django_db
def test_working_days_between_is_the_inverse():
    a = date(2026, 2, 12)
    assert calendar.working_days_between(a, date(2026, 2, 26)) == 5
    assert calendar.working_days_between(date(2026, 2, 26), a) == -5
    assert calendar.working_days_between(a, a) == 0
    for n in range(0, 30):
        assert calendar.working_days_between(a, calendar.add_working_days(a, n)) == n


@pytest.mark.django_db
def test_national_day_and_weekends():
    # 2026-09-01 and 09-02 are holidays (Tue, Wed); Fri 28/08 + 1 = Mon 31/08 is a substituted day off too
    assert not calendar.is_working_day(date(2026, 9, 2))
    assert calendar.add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 3)


def test_only_the_national_administrator_edits_the_calendar(org):
    from stq.core.errors import AppError, Forbidden
    from stq.org import calendar_admin as services

    with pytest.raises(Forbidden):
        services.calendar_day_add(actor=org.admin_kv01pt, date=date(2026, 2, 23), kind="off", reason="x")
    assert not CalendarDay.objects.exists()
    with pytest.raises(AppError) as excinfo:
        services.calendar_day_add(actor=org.admin_chq, date=date(2026, 2, 23), kind="working", reason="x")
    assert excinfo.value.code == "not_a_weekend" and "date" in excinfo.value.fields
    day = services.calendar_day_add(actor=org.admin_chq, date=date(2026, 2, 28), kind="working", reason="làm bù")
    assert day.history.get().history_user == org.admin_chq
    assert calendar.is_working_day(date(2026, 2, 28))


def test_calendar_page(org, client):
    client.force_login(org.admin_chq)
    response = client.post("/administration/calendar/", {"date": "2026-02-23", "kind": "off", "reason": "nghỉ bù"})
    assert response.status_code == 302
    assert CalendarDay.objects.get().date == date(2026, 2, 23)
    page = client.get("/administration/calendar/").content.decode()
    year = timezone.localdate().year
    assert f'data-testid="package-days-{year}"' in page and f'data-testid="package-days-{year + 1}"' in page
    client.force_login(org.admin_kv01pt)
    assert client.get("/administration/calendar/").status_code == 404


# --- "N days" periods: calendar days, no roll-over … except at the end (issue 16 items 4 and 15) --------------------

@pytest.mark.django_db
def test_n_days_period_ending_on_saturday_ends_next_working_day_civil_code_148_5():
    """Civil Code 2015 art 148.5: a period whose last day is a day off ends on the next working day. A conclusion due
    15 days after field work ended on Fri 13/02/2026 falls on Sat 28/02/2026 → due Mon 02/03/2026."""
    assert calendar.add_days(date(2026, 2, 13), 15) == date(2026, 3, 2)
    assert calendar.add_days(date(2026, 2, 12), 15) == date(2026, 2, 27)  # a Friday: unchanged
    assert calendar.days_late(date(2026, 2, 13), 15, date(2026, 3, 2)) == 0
    assert calendar.days_late(date(2026, 2, 13), 15, date(2026, 3, 3)) == 1


@pytest.mark.django_db
def test_within_one_day_across_tet_2026_is_not_late_civil_code_148_5():
    """Seed letter 7301 §2.3 "trong vòng 01 ngày kể từ ngày ban hành": a decision signed Fri 13/02/2026 — the day
    after is Sat 14/02, then Tết (16–20/02) — may be recorded up to Mon 23/02/2026 (art 148.5); it was flagged
    10 days late by plain arithmetic."""
    assert calendar.add_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert calendar.days_late(date(2026, 2, 13), 1, date(2026, 2, 23)) == 0
    assert calendar.days_late(date(2026, 2, 13), 1, date(2026, 2, 24)) == 1
    # "within 03 days" from Thu 12/02 ends Sun 15/02 → Mon 23/02
    assert calendar.add_days(date(2026, 2, 12), 3) == date(2026, 2, 23)


@pytest.mark.django_db
def test_the_table_overrides_the_end_of_a_period():
    """An administrator's working Saturday ends a period that falls on it (the CalendarDay table wins)."""
    CalendarDay.objects.create(date=date(2026, 2, 28), kind=CalendarDay.Kind.WORKING_DAY, reason="làm bù")
    assert calendar.add_days(date(2026, 2, 13), 15) == date(2026, 2, 28)


@pytest.mark.django_db
def test_substituted_saturday_is_a_working_day_2025_and_2026():
    """The `holidays` package marks Fri 02/05/2025 "substituted from 26/04/2025" and Mon 31/08/2026 "substituted
    from 22/08/2026": the bridge day is off and the Saturday is worked (government swap announcements)."""
    assert not calendar.is_working_day(date(2025, 5, 2))
    assert calendar.is_working_day(date(2025, 4, 26))  # a Saturday, worked
    assert not calendar.is_working_day(date(2026, 8, 31))
    assert calendar.is_working_day(date(2026, 8, 22))  # a Saturday, worked
    assert not calendar.is_working_day(date(2026, 8, 29))  # an ordinary Saturday stays off
    # Fri 25/04/2025 + 1 working day is the swapped Saturday 26/04
    assert calendar.add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 26)
    # a 1-day period from Fri 21/08/2026 ends on the worked Saturday 22/08
    assert calendar.add_days(date(2026, 8, 21), 1) == date(2026, 8, 22)
    assert calendar.substituted_working_days(2025) == {date(2025, 4, 26)}
    assert calendar.substituted_working_days(2026) == {date(2026, 8, 22)}
    assert calendar.substituted_working_days(2027) == frozenset()


@pytest.mark.django_db
def test_an_admin_day_off_overrides_a_package_swap():
    CalendarDay.objects.create(date=date(2025, 4, 26), kind=CalendarDay.Kind.DAY_OFF, reason="hủy làm bù")
    assert not calendar.is_working_day(date(2025, 4, 26))


def test_holidays_and_swaps_lists_tet_2026_and_the_swap():
    rows = {d: (name, worked) for d, name, worked in calendar.holidays_and_swaps(2026)}
    assert [d for d in rows if date(2026, 2, 14) <= d <= date(2026, 2, 22)] == [
        date(2026, 2, d) for d in (16, 17, 18, 19, 20)]
    assert rows[date(2026, 8, 22)] == ("", True)
    assert "substituted" in rows[date(2026, 8, 31)][0]


@pytest.mark.django_db
def test_workflow_deadline_in_days_uses_the_one_calendar_function():
    """LHQ 80.3d: conclusion ≤ 15 days after the end of the audit; ended Fri 13/02/2026 → Sat 28/02 → Mon 02/03/2026
    (Civil Code 2015 art 148.5). Every workflow deadline counted in days goes through `calendar.add_days`."""
    from stq.workflow.engine import Deadline

    assert Deadline("conclusion_by", "", days=15).due_from(date(2026, 2, 13)) == date(2026, 3, 2)
