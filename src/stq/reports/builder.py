"""Build a report from its layout: for each table, the rows (units, risk areas or a list) × the columns (measure +
filter), for the period and for the cumulative year to date. Each (measure, filter, grouping, dates) is one SQL
query, grouped by unit or risk area, run once and shared by every cell that needs it; a unit's figure is the sum of
the figures of the units at and below it, so a parent is exactly the sum of its children (and its own records).
The same inputs always give the same figures; `drill_down` gives the records behind any cell."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stq.core.models import RiskArea
from stq.org import policy
from stq.org.models import Unit

from . import measures, totals
from .layout import Layout, Table, text
from .periods import Period
from .permissions import VIEW

Value = int | Decimal | None


@dataclass(frozen=True)
class Selector:
    """Which groups of a grouped result make up a row: a subtree of units, one unit's own records, one risk area
    (None: cases without one), or everything."""

    kind: str  # subtree | own | area | all
    path: str = ""
    pk: int | None = None
    filter: tuple = ()  # extra (key, value) filter of a "list" row
    by_unit: bool = False  # "all" as the sum of the unit groups the rows above already queried (one query less)

    @property
    def group(self) -> str | None:
        if self.by_unit:
            return "unit"
        return {"subtree": "unit", "own": "unit", "area": "area"}.get(self.kind)


@dataclass
class Row:
    key: str
    label: str
    selector: Selector
    values: dict[str, Value] = field(default_factory=dict)
    total: bool = False
    depth: int = 0

    def cells(self, table: Table) -> list[Value]:
        return [self.values[c.key] for c in table.columns]


@dataclass
class Block:
    key: str  # period | ytd
    period: Period
    rows: list[Row]

    @property
    def title(self) -> str:
        return _("In the period") if self.key == "period" else _("Cumulative, year to date")


@dataclass
class TableResult:
    table: Table
    blocks: list[Block]

    @property
    def title(self) -> str:
        return text(self.table.title)

    @property
    def column_labels(self) -> list[str]:
        return [text(c.label) for c in self.table.columns]


@dataclass
class Report:
    layout: Layout
    unit: Unit
    period: Period
    generated_at: datetime
    generated_by: object
    tables: list[TableResult]
    reconciliation: object = None  # the latest Reconciliation of the same form, unit and period (set by selectors)
    differences: list = field(default_factory=list)  # cells that differ from its snapshot

    @property
    def title(self) -> str:
        return text(self.layout.title)

    def figures(self) -> dict:
        """The figures as plain JSON: {table: {block: {row: {column: value}}}} (percentages as strings)."""
        out: dict = {}
        for t in self.tables:
            out[t.table.key] = {
                b.key: {r.key: {k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.values.items()}
                        for r in b.rows}
                for b in t.blocks
            }
        return out

    @property
    def due_on(self) -> date:
        return self.period.due_on(self.layout.due_working_days_after_period)

    @property
    def reconcile_by(self) -> date:
        return self.period.reconcile_by(self.layout.due_working_days_after_period)


class Computation:
    """Runs the grouped queries for one report, each at most once: from the kept monthly totals where they answer
    (`totals`; a month marked stale is read from the records until recomputed), else directly from the records."""

    def __init__(self, unit: Unit):
        self.unit = unit
        self.paths = dict(Unit.objects.filter(path__startswith=unit.path).values_list("pk", "path"))
        self._memo: dict = {}
        self.stale = totals.stale_months()  # read from the records until recomputed
        if self.stale:
            totals.request_refresh()
            self.stale = totals.stale_months()  # none left if it ran here (the immediate task backend)

    def _grouped(self, measure, date_from, date_to, filters: dict, group) -> dict:
        if not measure.since:  # the same records whatever the start: the period and year-to-date blocks share them
            date_from = None
        key = (measure.name, tuple(sorted(filters.items())), group, date_from, date_to)
        if key not in self._memo:
            def direct(a, b):
                return measure.grouped(a, b, filters, group=group, unit_path=self.unit.path)

            kept = totals.grouped(measure, date_from, date_to, filters, group=group, unit_path=self.unit.path,
                                  direct=direct, stale=self.stale)
            self._memo[key] = direct(date_from, date_to) if kept is None else kept
        return self._memo[key]

    def _pick(self, groups: dict, sel: Selector) -> int:
        if sel.kind == "subtree":
            return sum(v for pk, v in groups.items() if self.paths.get(pk, "").startswith(sel.path))
        if sel.kind in ("own", "area"):
            return groups.get(sel.pk, 0)
        return sum(groups.values())

    def value(self, name: str, filters: dict, sel: Selector, date_from: date | None, date_to: date) -> Value:
        measure = measures.get(name)
        filters = {**filters, **dict(sel.filter)}
        if isinstance(measure, measures.RatioMeasure):
            num = self.value(measure.numerator, filters, sel, date_from, date_to)
            den = self.value(measure.denominator, filters, sel, date_from, date_to)
            return measure.combine(num, den)
        if isinstance(measure, measures.SumMeasure):
            start = None if measure.from_start else date_from
            return sum(sign * self.value(term, filters, sel, start, date_to) for sign, term in measure.terms)
        return self._pick(self._grouped(measure, date_from, date_to, filters, sel.group), sel)


def unit_rows(unit: Unit) -> list[Row]:
    children = list(unit.children.order_by("path"))
    rows = []
    if children:
        rows.append(Row(f"own:{unit.code}", _("%(unit)s (own records)") % {"unit": unit.short_name or unit.name},
                        Selector("own", pk=unit.pk)))
        rows += [Row(f"unit:{c.code}", c.short_name or c.name, Selector("subtree", path=c.path), depth=1)
                 for c in children]
    label = _("Total") if children else unit.short_name or unit.name  # a unit without units below: its own name
    # every record has exactly one unit, so the total is the sum of the unit groups (a record may have several
    # risk areas: the risk-area table's total stays a query of its own)
    rows.append(Row("total", label, Selector("all", by_unit=True), total=True))
    return rows


def risk_area_rows() -> list[Row]:
    areas = RiskArea.objects.order_by("order", "code")
    rows = [Row(f"area:{a.code}", a.name, Selector("area", pk=a.pk)) for a in areas]
    rows.append(Row("area:-", _("No risk area"), Selector("area", pk=None)))
    rows.append(Row("total", _("Total"), Selector("all"), total=True))
    return rows


def list_rows(table: Table) -> list[Row]:
    return [Row(r.key, text(r.label), Selector("all", filter=tuple(sorted(r.filter.items()))))
            for r in table.row_list]


def table_rows(table: Table, unit: Unit) -> list[Row]:
    if table.rows == "units":
        return unit_rows(unit)
    if table.rows == "risk_areas":
        return risk_area_rows()
    return list_rows(table)


def build_report(layout: Layout, *, unit: Unit, period: Period, user=None, cumulative: bool = True) -> Report:
    comp = Computation(unit)
    tables = []
    periods = [("period", period)]
    if cumulative and period.kind != "ytd":
        periods.append(("ytd", period.year_to_date()))
    for table in layout.tables:
        blocks = []
        for block_key, p in periods:
            rows = table_rows(table, unit)
            for row in rows:
                for col in table.columns:
                    row.values[col.key] = comp.value(col.measure, col.filter, row.selector, p.date_from, p.date_to)
            if table.rows == "risk_areas":  # the "no risk area" row only when something falls in it
                rows = [r for r in rows if r.key != "area:-" or any(v for v in r.values.values())]
            blocks.append(Block(block_key, p, rows))
        tables.append(TableResult(table, blocks))
    return Report(layout, unit, period, timezone.now(), user, tables)


# --- drill-down ----------------------------------------------------------------------------------------------
def row_selector(table: Table, unit: Unit, row_key: str) -> Selector:
    return _row(table, unit, row_key).selector


def row_label(table: Table, unit: Unit, row_key: str) -> str:
    """The row's label as the report shows it (the drill-down's heading), never its key ("area:ORIGIN")."""
    return str(_row(table, unit, row_key).label)


def _row(table: Table, unit: Unit, row_key: str) -> Row:
    for row in table_rows(table, unit):
        if row.key == row_key:
            return row
    raise LookupError(row_key)


@dataclass
class DrillGroup:
    label: str
    measure: measures.Measure
    records: QuerySet
    sign: int = 1


def drill_down(layout: Layout, *, unit: Unit, period: Period, table_key: str, column_key: str, row_key: str,
               user) -> list[DrillGroup]:
    """The records behind one cell, limited to what `user` may see (policy scope)."""
    table = layout.table(table_key)
    col = table.column(column_key)
    sel = row_selector(table, unit, row_key)
    return _drill(col.measure, {**col.filter, **dict(sel.filter)}, sel, unit, period.date_from, period.date_to, user)


def _drill(name, filters, sel, unit, date_from, date_to, user, sign=1) -> list[DrillGroup]:
    measure = measures.get(name)
    if isinstance(measure, measures.RatioMeasure):
        return _drill(measure.numerator, filters, sel, unit, date_from, date_to, user)
    if isinstance(measure, measures.SumMeasure):
        start = None if measure.from_start else date_from
        groups = []
        for s, term in measure.terms:
            groups += _drill(term, filters, sel, unit, start, date_to, user, sign * s)
        return groups
    qs = measure.base(date_from, date_to, filters).exclude(_value=0)  # records that add nothing are left out
    lookup = measure.unit_lookup
    if sel.kind == "subtree":
        qs = qs.filter(**{f"{lookup}__path__startswith": sel.path})
    elif sel.kind == "own":
        qs = qs.filter(**{f"{lookup}_id": sel.pk})
    else:
        qs = qs.filter(**{f"{lookup}__path__startswith": unit.path})
        if sel.kind == "area":
            qs = qs.filter(_area=sel.pk) if sel.pk is not None else qs.filter(_area__isnull=True)
    if user is not None and not policy.reviews_nationally(user, VIEW):  # the central unit reviews every unit's
        qs = qs.filter(_visible_records_q(user, measure, qs.model))  # records (letter 7301 §2.5)
    return [DrillGroup(str(measure.label), measure, qs, sign)]


def _visible_records_q(user, measure, model) -> Q:
    """The records of the cases the user sees: the case type's one scope (`policy.visible_q`), applied through the
    record's lookup to its case."""
    if measure.case_lookup is None:  # the record is itself a case (a collection, a proposal)
        prefix = ""
    else:
        from stq.audits.models import AuditCase

        model, prefix = AuditCase, f"{measure.case_lookup}__" if measure.case_lookup else ""
    return policy.visible_q(user, model, prefix=prefix)


CASE_URLS = {"auditcase": "audits:case_detail", "auditproposal": "audits:proposal_detail",
             "infocollection": "collection:detail"}


def _case_url(model_name: str, pk) -> str | None:
    name = CASE_URLS.get(model_name)
    if not name or pk is None:
        return None
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


def drill_rows(group: DrillGroup, limit: int | None = None) -> list[dict]:
    """Plain rows for a drill-down list: case number and link, enterprise, unit, date, value."""
    m = group.measure
    prefix = f"{m.case_lookup}__" if m.case_lookup else ""
    case_model = group.records.model
    if m.case_lookup:
        from stq.audits.models import AuditCase

        case_model = AuditCase
    qs = group.records.order_by(m.date_field, "pk").values(
        "pk", "_value", m.date_field, f"{prefix}pk", f"{prefix}number", f"{prefix}enterprise__tax_code",
        f"{prefix}enterprise__name", f"{m.unit_lookup}__code")
    if limit:
        qs = qs[:limit]
    model_name = case_model._meta.model_name
    return [{
        "id": r["pk"], "date": r[m.date_field], "number": r[f"{prefix}number"],
        "tax_code": r[f"{prefix}enterprise__tax_code"], "enterprise": r[f"{prefix}enterprise__name"],
        "unit": r[f"{m.unit_lookup}__code"], "value": group.sign * int(r["_value"] or 0),
        "url": _case_url(model_name, r[f"{prefix}pk"]),
    } for r in qs]
