"""Kept monthly totals of the measures, so that a report adds up O(months × units) rows instead of re-reading every
record since the beginning (the "outstanding" column reads the whole history; a five-year period reads five years).

For each measure marked `kept` in the registry (`measures.py`, still the one definition of every figure), the table
`MonthTotal` holds, per calendar month and unit, the measure's value over that month's records — per unit alone and
per unit and risk area, for all records and for each value of each single filter key the measure has. The rows are
computed by the measure's own query (`Measure.base`) and nothing else; the database marks a month stale in the
writer's transaction whenever a record that may count in it changes (triggers, migration 0004). A report reads the
whole months of its period from the kept totals, except the stale ones, which it reads from the records like the
days of a month cut by the period at either end; then it asks for a refresh (`refresh_totals_task`: at once with
the immediate task backend, else by the worker), which recomputes the stale months. What the totals cannot answer
(two filter keys at once, a distinct total with a filter, SQLite) is computed directly — the same figures either way
(tests/reports/test_kept_totals.py builds the forms both ways on randomised data with edits and compares every
cell).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import TruncMonth

from . import measures

ADVISORY_LOCK = 0x5354_5120  # one refresher at a time ("STQ ")
ENABLED = True  # the benchmark turns it off to time the direct computation beside it


def available() -> bool:
    return ENABLED and connection.vendor == "postgresql"


def _month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _next_month(d: date) -> date:
    return _month_end(d) + timedelta(days=1)


def _runs(months: list[date]) -> list[tuple[date, date]]:
    """Consecutive months as [(first day, last day)] ranges."""
    runs: list[tuple[date, date]] = []
    for m in sorted(months):
        if runs and _next_month(runs[-1][1]) == m:
            runs[-1] = (runs[-1][0], _month_end(m))
        else:
            runs.append((m, _month_end(m)))
    return runs


def kept_measures() -> list[measures.Measure]:
    return [m for m in measures.MEASURES.values() if isinstance(m, measures.Measure) and m.kept]


def _dim_text(value) -> str:
    """A filter value as the kept rows hold it (PostgreSQL's text of a boolean is 'true' / 'false')."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


DISTINCT = "distinct"  # the `dim` of the rows that list, per month and unit, what a distinct total counts once
#                       (the case's id in `value`)


def _insert_sql(measure: measures.Measure, date_from: date, date_to: date) -> list[tuple[str, list]]:
    """INSERT … SELECT of the measure's monthly rows over [date_from, date_to] (whole months), all the projections
    at once (GROUPING SETS over the measure's own query); for a measure with a distinct total, also the values it
    counts once (a case), per month and unit, so that a period's total is a COUNT(DISTINCT) over them."""
    dims = sorted(measure.dimensions)
    qs = (
        measure.base(date_from, date_to)
        .annotate(
            _month=TruncMonth(measure.date_field),
            _unit=F(f"{measure.unit_lookup}_id"),
            **{f"_d_{k}": F(measure.dimensions[k]) for k in dims},
        )
        .order_by()
        .values("_month", "_unit", "_area", "_value", *(f"_d_{k}" for k in dims))
    )
    inner, params = qs.query.sql_with_params()
    # per unit, for all records and for each value of each filter key; per unit and risk area for all records
    sets = [["_month", "_unit"], *(["_month", "_unit", f"_d_{k}"] for k in dims), ["_month", "_unit", "_area"]]
    dim_case, value_case = [], []
    for k in dims:
        dim_case.append(f"WHEN GROUPING(_d_{k}) = 0 THEN '{k}'")
        value_case.append(f"WHEN GROUPING(_d_{k}) = 0 THEN _d_{k}::text")
    dim_sql = f"CASE {' '.join(dim_case)} ELSE '' END" if dims else "''"
    value_sql = f"CASE {' '.join(value_case)} ELSE '' END" if dims else "''"
    grouping = ", ".join("(" + ", ".join(s) + ")" for s in sets)
    sql = (
        "INSERT INTO reports_monthtotal (measure, month, unit_id, by_area, area_id, dim, dim_value, value) "
        f"SELECT %s, _month, _unit, GROUPING(_area) = 0, _area, {dim_sql}, {value_sql}, SUM(_value) "
        f"FROM ({inner}) AS records GROUP BY GROUPING SETS ({grouping})"
    )
    out = [(sql, [measure.name, *params])]
    if measure.distinct_total:
        qs = (
            measure.base(date_from, date_to)
            .annotate(_month=TruncMonth(measure.date_field), _unit=F(f"{measure.unit_lookup}_id"))
            .order_by()
            .values("_month", "_unit", _distinct=F(measure.distinct_total))
        )
        inner, params = qs.query.sql_with_params()
        out.append(
            (
                "INSERT INTO reports_monthtotal (measure, month, unit_id, by_area, area_id, dim, dim_value, value) "
                f"SELECT DISTINCT %s, _month, _unit, false, NULL::bigint, '{DISTINCT}', '', _distinct "
                f"FROM ({inner}) AS records",
                [measure.name, *params],
            )
        )
    return out


def source(measure: measures.Measure) -> str:
    """The table whose own writes mark a month stale for this measure (besides "*")."""
    return measure.records(date(2000, 1, 1), date(2000, 1, 1)).model._meta.db_table


def stale_months() -> dict[date, set[str]]:
    """{month: the sources marked stale} (empty off PostgreSQL)."""
    if not available():
        return {}
    out: dict[date, set[str]] = {}
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT month, source FROM reports_stalemonth")
        for month, src in cur.fetchall():
            out.setdefault(month, set()).add(src)
    return out


def stale_for(measure: measures.Measure, stale: dict[date, set[str]]) -> list[date]:
    table = source(measure)
    return sorted(m for m, sources in stale.items() if "*" in sources or table in sources)


def request_refresh() -> None:
    """Ask for the stale months to be recomputed (the immediate task backend runs it here and now), unless the
    setting STQ_REPORTS_REFRESH_ON_READ is False (then only ``manage.py refresh_report_totals`` does, e.g. by cron;
    the reports stay exact, reading the stale months from the records meanwhile)."""
    if not getattr(settings, "STQ_REPORTS_REFRESH_ON_READ", True):
        return
    from .tasks import refresh_totals_task

    refresh_totals_task.enqueue()


def refresh() -> list[date]:
    """Recompute the kept totals of the stale months (none: two statements); returns the months recomputed.

    The marks are read first and deleted by id at the end, in this transaction: a mark read was committed with its
    change, so the queries after the read (each with a fresh snapshot, READ COMMITTED) see the change; a mark not
    yet committed when read is not deleted, and its month is recomputed by the next refresh."""
    if not available():
        return []
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
        cur.execute("SELECT id, month, source FROM reports_stalemonth")
        marks = cur.fetchall()
        stale: dict[date, set[str]] = {}
        for _id, month, src in marks:
            stale.setdefault(month, set()).add(src)
        if not stale:
            return []
        cur.execute("SET LOCAL random_page_cost = 1.1")  # a month's records by their date index, cases by key
        for measure in kept_measures():
            months = stale_for(measure, stale)
            if not months:
                continue
            cur.execute("DELETE FROM reports_monthtotal WHERE measure = %s AND month = ANY(%s)", [measure.name, months])
            for first, last in _runs(months):
                for sql, params in _insert_sql(measure, first, last):
                    cur.execute(sql, params)
        cur.execute("SET LOCAL random_page_cost TO DEFAULT")  # not for the rest of an enclosing transaction
        cur.execute("DELETE FROM reports_stalemonth WHERE id = ANY(%s)", [[m[0] for m in marks]])
        if len(stale) >= 12:  # a large rebuild: the planner's statistics of the kept rows
            cur.execute("ANALYZE reports_monthtotal")
    return sorted(stale)


@dataclass(frozen=True)
class _Plan:
    """How the kept totals answer one measure over one period: the whole months [first, last] less the stale ones
    (`outdated`) from the kept rows of one projection; the rest from the records."""

    distinct: bool
    first: date | None
    last: date
    outdated: tuple[date, ...]
    by_area: bool
    dim: str
    dim_value: str
    area: tuple  # () all areas, ("null",) no risk area, ("id", pk) one


def _plan(measure, date_from, date_to, filters: dict, group, stale) -> _Plan | None:
    if not (available() and isinstance(measure, measures.Measure) and measure.kept):
        return None
    distinct = bool(group is None and measure.distinct_total)
    if distinct and filters:
        return None  # the values a distinct total counts are kept for all records only
    plain = {k: v for k, v in filters.items() if k != measures.RISK_AREA}
    by_area = group == "area" or measures.RISK_AREA in filters
    if len(plain) > 1 or (by_area and plain):
        return None  # kept for one filter key at a time, and per risk area for all records only
    first = date_from if date_from is None or date_from.day == 1 else _next_month(date_from)
    last = date_to.replace(day=1)  # the first day of the last whole month
    if _month_end(date_to) != date_to:
        last = (last - timedelta(days=1)).replace(day=1)
    if first is not None and first > last:
        return None  # no whole month in the period
    outdated = tuple(m for m in stale_for(measure, stale) if (first is None or m >= first) and m <= last)
    area: tuple = ()
    if measures.RISK_AREA in filters:
        code = filters[measures.RISK_AREA]
        if code:
            from stq.core.models import RiskArea

            area = ("id", RiskArea.objects.filter(code=code).values_list("pk", flat=True).first())
        else:
            area = ("null",)
    dim, dim_value = next(iter(plain.items())) if plain else ("", "")
    return _Plan(distinct, first, last, outdated, by_area, dim, _dim_text(dim_value) if plain else "", area)


def _kept_rows(measure: str, plan: _Plan, unit_path: str) -> list[tuple]:
    """[(unit id, area id, value)] — the measure's kept rows of the plan's months summed per unit and area (several
    measures in one statement was tried: slower, REPORTS.md)."""
    where = ["t.measure = %s", "t.dim = %s", "t.dim_value = %s", "t.by_area = %s", "t.month <= %s"]
    params: list = [measure, plan.dim, plan.dim_value, plan.by_area, plan.last]
    if plan.first is not None:
        where.append("t.month >= %s")
        params.append(plan.first)
    if plan.outdated:
        where.append("t.month <> ALL(%s)")
        params.append(list(plan.outdated))
    if plan.area == ("null",):
        where.append("t.area_id IS NULL")
    elif plan.area:
        where.append("t.area_id = %s")
        params.append(plan.area[1])
    # the report's units are picked from the summed groups (64-odd rows a measure), not checked on every kept row
    sql = (
        "SELECT s.unit_id, s.area_id, s.value FROM ("
        "SELECT t.unit_id, t.area_id, SUM(t.value) AS value "
        f"FROM reports_monthtotal t WHERE {' AND '.join(where)} GROUP BY 1, 2) s "
        "JOIN org_unit u ON u.id = s.unit_id WHERE left(u.path, %s) = %s"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [*params, len(unit_path), unit_path])
        return [(unit_id, area_id, int(value)) for unit_id, area_id, value in cur.fetchall()]


def grouped(
    measure,
    date_from: date | None,
    date_to: date,
    filters: dict,
    *,
    group: str | None,
    unit_path: str,
    direct,
    stale: dict[date, set[str]],
) -> dict | None:
    """The measure's {group key: value}: the whole months of the period from the kept totals, and from
    `direct(date_from, date_to)` the stale months (`stale_months()`) and the days of a month the period cuts; None
    when the kept totals cannot answer (the caller computes directly)."""
    plan = _plan(measure, date_from, date_to, filters, group, stale)
    if plan is None:
        return None
    first, last, outdated = plan.first, plan.last, list(plan.outdated)
    if plan.distinct:
        return {None: _distinct_total(measure, date_from, date_to, first, last, outdated, unit_path)}
    out: dict = {}

    def add(part: dict) -> None:
        for k, v in part.items():
            out[k] = out.get(k, 0) + v

    if date_from is not None and date_from < first:  # the days before the first whole month
        add(direct(date_from, first - timedelta(days=1)))
    if _next_month(last) <= date_to:  # the days after the last whole month
        add(direct(_next_month(last), date_to))
    for a, b in _runs(outdated):  # the stale months, from the records
        add(direct(a, b))
    for unit_id, area_id, value in _kept_rows(measure.name, plan, unit_path):
        key = {"unit": unit_id, "area": area_id}.get(group)
        out[key] = out.get(key, 0) + value
    if group is None:
        return {None: out.get(None, 0)}
    return out


def _distinct_total(measure, date_from, date_to, first, last, outdated, unit_path) -> int:
    """COUNT(DISTINCT) over the kept values of the fresh whole months and, from the records, those of the stale
    months and of the days of a month the period cuts (a case in two months counts once)."""
    parts, params = [], []
    ranges = list(_runs(outdated))
    if date_from is not None and date_from < first:
        ranges.append((date_from, first - timedelta(days=1)))
    if _next_month(last) <= date_to:
        ranges.append((_next_month(last), date_to))
    for a, b in ranges:
        qs = (
            measure.base(a, b)
            .filter(**{f"{measure.unit_lookup}__path__startswith": unit_path})
            .order_by()
            .values(_distinct=F(measure.distinct_total))
        )
        sql, p = qs.query.sql_with_params()
        parts.append(f"SELECT x._distinct FROM ({sql}) x")
        params += p
    where = ["t.measure = %s", "t.by_area = false", f"t.dim = '{DISTINCT}'", "t.month <= %s"]
    kept_params: list = [measure.name, last]
    if first is not None:
        where.append("t.month >= %s")
        kept_params.append(first)
    if outdated:
        where.append("t.month <> ALL(%s)")
        kept_params.append(outdated)
    # the units as an array computed once (as a semi-join the planner guessed one unit and rescanned per unit)
    where.append("t.unit_id = ANY(ARRAY(SELECT id FROM org_unit WHERE left(path, %s) = %s))")
    kept_params += [len(unit_path), unit_path]
    union = " UNION ALL ".join([f"SELECT t.value FROM reports_monthtotal t WHERE {' AND '.join(where)}", *parts])
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(DISTINCT v) FROM ({union}) AS s(v)", [*kept_params, *params])
        return int(cur.fetchone()[0])
