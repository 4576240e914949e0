"""The registry of named measures: every figure of a report is one of these, computed in SQL from the records.

A report layout (`layouts/*.json`) names a measure and a filter for each cell; nothing is typed in. There are three
kinds of measure:

- `Measure`: one SQL aggregate (a count or a sum) over the records of one model dated in the period, grouped by the
  owning unit or by risk area; the same query without the aggregate is the list of records behind the figure
  (drill-down).
- `SumMeasure`: a signed sum of other measures (outstanding = assessed + interest + fines − collected, counted from
  the beginning of the records up to the end of the period; overdue items = the three case types).
- `RatioMeasure`: a percentage of two measures (violation rate), computed from the summed numerator and denominator,
  never by adding percentages.

The meaning of each figure follows the audits contract (tax assessed and late interest from the findings of
approved conclusions, dated by the conclusion's signing; fines by the penalty decision's date; collected by the
payment's date; decisions = original decisions signed in the period; completed = cases concluded in the period).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

COUNT, VND, PERCENT = "count", "vnd", "percent"
RISK_AREA = "risk_area"  # the filter key and group that selects by risk area


def _audits():
    from stq.audits import models

    return models


def _collection():
    from stq.collection import models

    return models


def main_risk_area(model, ref: str = "pk") -> Subquery:
    """The case's main risk area: the first of its risk areas in the reference order (so that every case falls in
    exactly one row of a table by risk area, and the rows add up to the total)."""
    through = model.risk_areas.through
    owner = f"{model._meta.model_name}_id"
    return Subquery(
        through.objects.filter(**{owner: OuterRef(ref)})
        .order_by("riskarea__order", "riskarea__code", "riskarea_id").values("riskarea_id")[:1]
    )


@dataclass(frozen=True)
class Measure:
    """One SQL aggregate over the records of one model dated in [date_from, date_to]."""

    name: str
    label: object
    kind: str
    records: Callable[[date | None, date], QuerySet]  # the records in the period (date_from None: from the start)
    value: object  # per-record value expression: Value(1) for counts, F("amount") for sums
    unit_lookup: str  # lookup from the record to its owning unit
    case_lookup: str | None  # lookup from the record to its audit case ("" = the record is the case), None: none
    date_field: str  # the date the record is counted by (shown in drill-down lists)
    area: Callable[[], object] | str  # a lookup to the risk area id, or a callable giving an annotation expression
    dimensions: dict[str, str] = field(default_factory=dict)  # filter key -> ORM lookup
    description: object = ""
    distinct_total: str | None = None  # a lookup counted once in the ungrouped total (a case with findings in two
    #                                    areas counts once in each area's row and once in the total)
    kept: bool = False  # dated by `date_field` alone: its monthly totals are kept (`totals.py`, PostgreSQL)
    since: bool = True  # False: the records ignore the period's start (a state on its last day): one query a report

    @property
    def filter_keys(self) -> frozenset[str]:
        return frozenset(self.dimensions) | {RISK_AREA}

    def base(self, date_from: date | None, date_to: date, filters: dict | None = None) -> QuerySet:
        qs = self.records(date_from, date_to)
        if callable(self.area):
            qs = qs.annotate(_area=self.area())
        else:
            qs = qs.annotate(_area=F(self.area))
        qs = qs.annotate(_value=self.value)
        for key, val in (filters or {}).items():
            if key == RISK_AREA:
                from stq.core.models import RiskArea

                qs = qs.filter(_area=RiskArea.objects.filter(code=val).values("pk")[:1]) if val else \
                    qs.filter(_area__isnull=True)
            else:
                qs = qs.filter(**{self.dimensions[key]: val})
        return qs

    def grouped(self, date_from: date | None, date_to: date, filters: dict | None, *, group: str | None,
                unit_path: str) -> dict:
        """{group key: value}: group "unit" keys by unit id, "area" by risk area id (None: none), None -> {None: v}."""
        qs = self.base(date_from, date_to, filters).filter(**{f"{self.unit_lookup}__path__startswith": unit_path})
        if group is None:
            if self.distinct_total:
                return {None: qs.aggregate(v=Count(self.distinct_total, distinct=True))["v"]}
            return {None: qs.aggregate(v=Coalesce(Sum("_value"), 0))["v"]}
        key = f"{self.unit_lookup}_id" if group == "unit" else "_area"
        rows = qs.order_by().values(key).annotate(v=Coalesce(Sum("_value"), 0)).values_list(key, "v")
        return {k: int(v) for k, v in rows}


@dataclass(frozen=True)
class SumMeasure:
    """A signed sum of measures; `from_start`: the terms are counted from the first record up to the period's end."""

    name: str
    label: object
    kind: str
    terms: tuple[tuple[int, str], ...]
    from_start: bool = False
    description: object = ""

    @property
    def filter_keys(self) -> frozenset[str]:
        keys = [MEASURES[n].filter_keys for _s, n in self.terms]
        return frozenset.intersection(*keys)


@dataclass(frozen=True)
class RatioMeasure:
    """numerator / denominator × 100, rounded half up to one decimal (None when the denominator is 0)."""

    name: str
    label: object
    numerator: str
    denominator: str
    kind: str = PERCENT
    description: object = ""

    @property
    def filter_keys(self) -> frozenset[str]:
        return MEASURES[self.numerator].filter_keys & MEASURES[self.denominator].filter_keys

    @staticmethod
    def combine(num: int, den: int) -> Decimal | None:
        if not den:
            return None
        return (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


MEASURES: dict[str, Measure | SumMeasure | RatioMeasure] = {}


def register(measure):
    """Add a measure to the registry (another app may register its own)."""
    MEASURES[measure.name] = measure
    return measure


def get(name: str):
    try:
        return MEASURES[name]
    except KeyError:
        raise LookupError(f"Unknown measure {name!r}") from None


def _in(field_name: str, date_from: date | None, date_to: date) -> dict:
    if date_from is None:
        return {f"{field_name}__lte": date_to}
    return {f"{field_name}__gte": date_from, f"{field_name}__lte": date_to}


def _day_bounds(field_name: str, date_from: date | None, date_to: date) -> dict:
    """A datetime field within local calendar days [date_from, date_to] — as a range, so an index can serve it."""
    from datetime import datetime, time, timedelta

    tz = timezone.get_default_timezone()
    end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min), tz)
    cond = {f"{field_name}__lt": end}
    if date_from is not None:
        cond[f"{field_name}__gte"] = timezone.make_aware(datetime.combine(date_from, time.min), tz)
    return cond


CASE_DIMS = {"mode": "mode", "ground": "ground", "legacy": "legacy"}


def _case_dims(prefix: str) -> dict[str, str]:
    return {k: f"{prefix}{v}" for k, v in CASE_DIMS.items()}


def _tax_total():
    return F("import_duty") + F("vat") + F("excise") + F("environmental") + F("trade_remedy")


# --- audits ---------------------------------------------------------------------------------------------------
def _decisions(date_from, date_to):
    m = _audits()
    return m.AuditDecision.objects.filter(kind=m.DecisionKind.ORIGINAL, **_in("signed_on", date_from, date_to))


def _completed(date_from, date_to):
    return _audits().AuditCase.objects.filter(**_in("concluded_on", date_from, date_to))


def _with_violations(date_from, date_to):
    m = _audits()
    approved_violation = m.AuditConclusion.objects.filter(
        case=OuterRef("pk"), approved_at__isnull=False, has_violations=True)
    return _completed(date_from, date_to).filter(Exists(approved_violation))


def _findings(date_from, date_to):
    return _audits().ConclusionFinding.objects.filter(
        conclusion__approved_at__isnull=False, **_in("conclusion__signed_on", date_from, date_to))


def _area_cases(date_from, date_to, *, violations: bool = False):
    """One finding per (case, finding area): the first finding of the case's approved conclusions in that area —
    so that a case counts once under every area its findings name (Form 20 counts cases, violations and amounts by
    the same finding areas)."""
    m = _audits()
    qs = _findings(date_from, date_to)
    earlier = m.ConclusionFinding.objects.filter(
        conclusion__case=OuterRef("conclusion__case"), risk_area=OuterRef("risk_area"),
        conclusion__approved_at__isnull=False, pk__lt=OuterRef("pk"))
    if violations:
        qs = qs.filter(has_violation=True)
        earlier = earlier.filter(has_violation=True)
    return qs.filter(~Exists(earlier))


def _penalties(date_from, date_to):
    return _audits().PenaltyDecision.objects.filter(**_in("issued_on", date_from, date_to))


def _payments(date_from, date_to):
    return _audits().Payment.objects.filter(**_in("paid_on", date_from, date_to))


def _case_area(ref: str):
    return lambda: main_risk_area(_audits().AuditCase, ref)


register(Measure(
    "decisions", _("Audit decisions"), COUNT, _decisions, Value(1), "case__unit", "case", "signed_on",
    _case_area("case_id"), _case_dims("case__"),
    _("Original audit decisions signed in the period, by the case's conducting unit."), kept=True,
))
register(Measure(
    "completed", _("Audits completed"), COUNT, _completed, Value(1), "unit", "", "concluded_on",
    _case_area("pk"), dict(CASE_DIMS),
    _("Audit cases whose conclusion or result notice was signed in the period."), kept=True,
))
register(Measure(
    "cases_with_violations", _("Cases with violations"), COUNT, _with_violations, Value(1), "unit", "",
    "concluded_on", _case_area("pk"), dict(CASE_DIMS),
    _("Cases completed in the period with an approved conclusion finding violations."), kept=True,
))
register(RatioMeasure(
    "violation_rate", _("Violation rate (%)"), "cases_with_violations", "completed",
    description=_("Cases with violations ÷ cases completed × 100."),
))
register(Measure(
    "tax_assessed", _("Tax assessed"), VND, _findings, _tax_total(), "conclusion__case__unit", "conclusion__case",
    "conclusion__signed_on", "risk_area_id", _case_dims("conclusion__case__"),
    _("Import duty, VAT, excise, environmental and trade-remedy tax in the findings of approved conclusions "
      "signed in the period."), kept=True,
))
register(Measure(
    "late_interest", _("Late interest"), VND, _findings, F("late_interest"), "conclusion__case__unit",
    "conclusion__case", "conclusion__signed_on", "risk_area_id", _case_dims("conclusion__case__"),
    _("Late-payment interest in the findings of approved conclusions signed in the period."), kept=True,
))
register(Measure(
    "finding_declarations", _("Declarations concerned"), COUNT, _findings, F("declarations_count"),
    "conclusion__case__unit", "conclusion__case", "conclusion__signed_on", "risk_area_id",
    _case_dims("conclusion__case__"),
    _("Declarations concerned by the findings of approved conclusions signed in the period."), kept=True,
))
register(Measure(
    "area_cases", _("Cases by finding area"), COUNT, _area_cases, Value(1), "conclusion__case__unit",
    "conclusion__case", "conclusion__signed_on", "risk_area_id", _case_dims("conclusion__case__"),
    _("Cases whose approved conclusion signed in the period has a finding in the area (a case with findings in two "
      "areas counts in both; the total counts it once)."), distinct_total="conclusion__case", kept=True,
))
register(Measure(
    "area_violation_cases", _("Cases with violations by finding area"), COUNT,
    lambda date_from, date_to: _area_cases(date_from, date_to, violations=True), Value(1), "conclusion__case__unit",
    "conclusion__case", "conclusion__signed_on", "risk_area_id", _case_dims("conclusion__case__"),
    _("Cases whose approved conclusion signed in the period finds a violation in the area (the total counts each "
      "case once)."), distinct_total="conclusion__case", kept=True,
))
register(Measure(
    "fines", _("Fines"), VND, _penalties, F("amount"), "case__unit", "case", "issued_on", _case_area("case_id"),
    _case_dims("case__"), _("Administrative fines of penalty decisions issued in the period."), kept=True,
))
register(Measure(
    "collected", _("Collected"), VND, _payments, F("amount"), "case__unit", "case", "paid_on",
    _case_area("case_id"), {**_case_dims("case__"), "kind": "kind"},
    _("Payments dated in the period (tax, fines and late interest), whenever they were assessed."), kept=True,
))
register(SumMeasure(
    "outstanding", _("Outstanding"), VND,
    ((1, "tax_assessed"), (1, "late_interest"), (1, "fines"), (-1, "collected")), from_start=True,
    description=_("Tax assessed + late interest + fines − collected, from the first record to the period's end."),
))


# --- information collection and deadlines --------------------------------------------------------------------
def _collections_opened(date_from, date_to):
    return _collection().InfoCollection.objects.filter(**_day_bounds("approved_at", date_from, date_to))


def _collections_closed(date_from, date_to):
    return _collection().InfoCollection.objects.filter(**_day_bounds("closed_at", date_from, date_to))


def _overdue(model_getter):
    def records(date_from, date_to):
        cutoff = min(date_to, timezone.localdate())
        return model_getter().objects.filter(due_on__lt=cutoff)
    return records


register(Measure(
    "collections_opened", _("Information collections opened"), COUNT, _collections_opened, Value(1), "unit", None,
    "approved_at", lambda: main_risk_area(_collection().InfoCollection), {},
    _("Information collections approved in the period."),
))
register(Measure(
    "collections_closed", _("Information collections closed"), COUNT, _collections_closed, Value(1), "unit", None,
    "closed_at", lambda: main_risk_area(_collection().InfoCollection), {},
    _("Information collections whose report was approved (closed) in the period."),
))
register(Measure(
    "overdue_collections", _("Overdue information collections"), COUNT,
    _overdue(lambda: _collection().InfoCollection), Value(1), "unit", None, "due_on",
    lambda: main_risk_area(_collection().InfoCollection), {},
    _("Information collections whose current deadline passed before the period's end (or today)."), since=False,
))
register(Measure(
    "overdue_proposals", _("Overdue audit proposals"), COUNT, _overdue(lambda: _audits().AuditProposal), Value(1),
    "unit", None, "due_on", lambda: main_risk_area(_audits().AuditProposal), {},
    _("Audit proposals whose current deadline passed before the period's end (or today)."), since=False,
))
register(Measure(
    "overdue_cases", _("Overdue audit cases"), COUNT, _overdue(lambda: _audits().AuditCase), Value(1), "unit", "",
    "due_on", _case_area("pk"), {}, _("Audit cases whose current deadline passed before the period's end (or today)."),
    since=False,
))
register(SumMeasure(
    "overdue_items", _("Overdue items"), COUNT,
    ((1, "overdue_collections"), (1, "overdue_proposals"), (1, "overdue_cases")),
    description=_("Open information collections, audit proposals and audit cases past their deadline."),
))


def filter_choices() -> dict[str, set[str]]:
    """The values a layout filter may take, per key (validated when a layout is loaded)."""
    m = _audits()
    return {
        "mode": set(m.AuditMode.values),
        "ground": set(m.AuditGround.values),
        "kind": set(m.PaymentKind.values),
        "legacy": {True, False},
    }
