"""The working-day calendar on real dates (Tết 2026: 16–20 February)."""

from datetime import date

import pytest

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
    from stq.core import services
    from stq.core.errors import AppError, Forbidden

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
    client.force_login(org.admin_kv01pt)
    assert client.get("/administration/calendar/").status_code == 404
