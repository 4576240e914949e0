"""Reporting periods: a month ("2026-03"), a quarter ("2026-Q1"), a year ("2026") or a date range; the cumulative
year-to-date period; and the reporting deadline of a period (a number of working days after its end, from the
layout) with the reconciliation deadline 2 working days before it (domain A1.4)."""

from __future__ import annotations

import calendar as pycalendar
import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from stq.core import calendar
from stq.core.dates import date_range_message, in_range
from stq.core.errors import AppError

RECONCILE_WORKING_DAYS_BEFORE_DUE = 2


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date
    kind: str = "range"  # month | quarter | year | range | ytd

    @property
    def label(self) -> str:
        return f"{self.date_from:%d/%m/%Y} – {self.date_to:%d/%m/%Y}"

    def year_to_date(self) -> Period:
        return Period(date(self.date_to.year, 1, 1), self.date_to, "ytd")

    def due_on(self, working_days_after: int) -> date:
        """The day the report of this period is due."""
        return calendar.add_working_days(self.date_to, working_days_after)

    def reconcile_by(self, working_days_after: int) -> date:
        """The last day to reconcile the figures: 2 working days before the report is due."""
        return calendar.add_working_days(self.due_on(working_days_after), -RECONCILE_WORKING_DAYS_BEFORE_DUE)

    def as_query(self) -> dict:
        return {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()}


def _bad(message) -> AppError:
    return AppError("invalid_period", message, field="period")


def named_period(text: str) -> Period:
    """'2026' (year), '2026-Q2' (quarter), '2026-03' (month)."""
    text = text.strip().upper()
    if m := re.fullmatch(r"(\d{4})", text):
        y = int(m[1])
        return Period(date(y, 1, 1), date(y, 12, 31), "year")
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        y, q = int(m[1]), int(m[2])
        end_month = q * 3
        return Period(date(y, end_month - 2, 1), date(y, end_month, pycalendar.monthrange(y, end_month)[1]), "quarter")
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        y, mo = int(m[1]), int(m[2])
        if 1 <= mo <= 12:
            return Period(date(y, mo, 1), date(y, mo, pycalendar.monthrange(y, mo)[1]), "month")
    raise _bad(_("Give the period as a year (2026), a quarter (2026-Q1) or a month (2026-03)."))


def _date(value, name: str) -> date:
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            raise AppError("invalid_date", _("Give dates as YYYY-MM-DD."), field=name) from None
    if not in_range(value):
        raise AppError("date_out_of_range", date_range_message(), field=name)
    return value


def parse_period(*, period: str | None = None, date_from=None, date_to=None, cumulative: bool = False) -> Period:
    """A period from a name or a date range; `cumulative`: from 1 January of the end date's year."""
    if period:
        result = named_period(period)
        if not (in_range(result.date_from) and in_range(result.date_to)):
            raise AppError("date_out_of_range", date_range_message(), field="period")
    elif date_from and date_to:
        result = Period(_date(date_from, "from"), _date(date_to, "to"))
        if result.date_to < result.date_from:
            raise AppError("invalid_period", _("The end of the period must not precede its start."), field="to")
    else:
        raise _bad(_("Choose a period: a year, a quarter, a month or a date range."))
    return result.year_to_date() if cumulative else result
