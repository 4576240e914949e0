"""Leaders' dashboard data, with the reports' filters (unit and everything below it, period) and the same measures:
audits by state and unit, amounts assessed vs collected by month, overdue items by unit, top risk areas."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce, TruncMonth

from stq.core.models import RiskArea
from stq.org.models import Unit

from . import measures
from .builder import Computation, Selector, unit_rows
from .periods import Period

MAX_MONTHS = 36


def _child_of(paths: dict[int, str], children: list[Unit], unit: Unit):
    """unit id -> the child row (code) its figures roll up to (the unit itself for its own records)."""
    out = {}
    for pk, path in paths.items():
        owner = unit.code
        for child in children:
            if path.startswith(child.path):
                owner = child.code
                break
        out[pk] = owner
    return out


def audits_by_state(unit: Unit, period: Period) -> dict:
    """Audit cases whose decision was signed in the period, by current state and by the unit row they roll up to."""
    from stq.audits.models import AuditCase

    children = list(unit.children.order_by("path"))
    paths = dict(Unit.objects.subtree(unit).values_list("pk", "path"))
    owner = _child_of(paths, children, unit)
    labels = [unit.code] + [c.code for c in children] if children else [unit.code]
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (AuditCase.objects.filter(unit__path__startswith=unit.path, decision_signed_on__gte=period.date_from,
                                     decision_signed_on__lte=period.date_to)
            .order_by().values("unit_id", "state").annotate(n=Count("pk")))
    for r in rows:
        counts[r["state"]][owner[r["unit_id"]]] += r["n"]
    state_labels = dict(AuditCase.State.choices)
    return {"labels": labels, "datasets": [
        {"label": str(state_labels.get(state, state)), "data": [by_unit.get(code, 0) for code in labels]}
        for state, by_unit in sorted(counts.items())]}


def _months(period: Period) -> list[date]:
    months, day = [], period.date_from.replace(day=1)
    while day <= period.date_to and len(months) < MAX_MONTHS:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def monthly(name: str, unit: Unit, period: Period) -> dict[date, int]:
    m = measures.get(name)
    qs = m.base(period.date_from, period.date_to).filter(**{f"{m.unit_lookup}__path__startswith": unit.path})
    rows = (qs.annotate(_month=TruncMonth(m.date_field)).order_by().values("_month")
            .annotate(v=Coalesce(Sum("_value"), 0)).values_list("_month", "v"))
    return {(k.date() if hasattr(k, "date") else k): int(v) for k, v in rows}


def assessed_vs_collected(unit: Unit, period: Period) -> dict:
    months = _months(period)
    assessed = defaultdict(int)
    for name in ("tax_assessed", "late_interest", "fines"):
        for k, v in monthly(name, unit, period).items():
            assessed[k] += v
    collected = monthly("collected", unit, period)
    return {"labels": [f"{m:%m/%Y}" for m in months],
            "assessed": [assessed.get(m, 0) for m in months],
            "collected": [collected.get(m, 0) for m in months]}


def overdue_by_unit(unit: Unit, period: Period) -> dict:
    """Form 19's "overdue items" (the one measure `overdue_items`) per row of the form: the unit's own records and each
    unit below it, or, for a unit with none below (a team), its one row — it was left out, and a team's chart was
    empty while its form 19 counted its overdue items."""
    comp = Computation(unit)
    rows = unit_rows(unit)
    rows = [r for r in rows if not r.total] or rows
    return {"labels": [r.key.split(":", 1)[1] if ":" in r.key else unit.code for r in rows],  # unit codes
            "data": [comp.value("overdue_items", {}, r.selector, period.date_from, period.date_to) for r in rows]}


def top_risk_areas(unit: Unit, period: Period, limit: int = 10) -> dict:
    comp = Computation(unit)
    values = []
    for area in RiskArea.objects.order_by("order", "code"):
        v = comp.value("tax_assessed", {}, Selector("area", pk=area.pk), period.date_from, period.date_to)
        if v:
            values.append((v, area.name))
    values.sort(key=lambda x: -x[0])
    return {"labels": [n for _v, n in values[:limit]], "data": [v for v, _n in values[:limit]]}


def dashboard_data(unit: Unit, period: Period) -> dict:
    data = {
        "by_state": audits_by_state(unit, period),
        "amounts": assessed_vs_collected(unit, period),
        "overdue": overdue_by_unit(unit, period),
        "risk_areas": top_risk_areas(unit, period),
    }
    # a chart with nothing to draw says so ("No data") instead of showing empty axes
    data["empty"] = {
        "by_state": not any(any(d["data"]) for d in data["by_state"]["datasets"]),
        "amounts": not any(data["amounts"]["assessed"]) and not any(data["amounts"]["collected"]),
        "overdue": not any(data["overdue"]["data"]),
        "risk_areas": not any(data["risk_areas"]["data"]),
    }
    return data
