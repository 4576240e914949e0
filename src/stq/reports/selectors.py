"""Reads: the forms for a unit and period (within the policy), the records behind a figure, reconciliation status
and the differences between a report and the figures that were reconciled."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from stq.core.errors import NotFound
from stq.org import policy
from stq.org.models import Unit

from . import builder, layout
from .models import Reconciliation
from .periods import Period
from .permissions import VIEW


def report_units(user) -> QuerySet[Unit]:
    """Units whose reports the user may see: those their grants cover, and every unit for the central audit unit's
    officers and leaders (`policy.reviews_nationally`, letter 7301 §2.5)."""
    if policy.reviews_nationally(user, VIEW):
        return Unit.objects.order_by("path")
    q = Q(pk__in=[])
    allowed = policy.roles_for(VIEW)
    for grant in policy.active_grants(user):
        if grant.role in allowed:
            q |= Q(path__startswith=grant.unit.path) if grant.include_units_below else Q(pk=grant.unit_id)
    return Unit.objects.filter(q).order_by("path")


def default_unit(user) -> Unit | None:
    """The highest unit the user may report on (the national unit for a national analyst)."""
    return report_units(user).order_by("depth", "path").first()


def report_unit(user, code: str | None) -> Unit:
    """The unit named by `code` (default: the user's highest) if the user may see its reports; else NotFound."""
    unit = Unit.objects.filter(code=code).first() if code else default_unit(user)
    if unit is None or not may_view(user, unit):
        raise NotFound("not_found", _("Not found."))
    return unit


def may_view(user, unit: Unit) -> bool:
    return policy.can_at(user, VIEW, unit) or policy.reviews_nationally(user, VIEW)


def get_layout(form: str) -> layout.Layout:
    try:
        return layout.load(form)
    except LookupError:
        raise NotFound("unknown_form", _("There is no such report form.")) from None


def form_report(user, *, form: str, unit: Unit, period: Period, cumulative: bool = True) -> builder.Report:
    if not may_view(user, unit):
        policy.check_at(user, VIEW, unit)
    report = builder.build_report(get_layout(form), unit=unit, period=period, user=user, cumulative=cumulative)
    report.reconciliation = latest_reconciliation(form=form, unit=unit, period=period)
    report.differences = differences(report, report.reconciliation)
    return report


def drill_down(user, *, form: str, unit: Unit, period: Period, table: str, column: str, row: str):
    policy.check_at(user, VIEW, unit)
    try:
        return builder.drill_down(get_layout(form), unit=unit, period=period, table_key=table, column_key=column,
                                  row_key=row, user=user)
    except LookupError:
        raise NotFound("not_found", _("Not found.")) from None


# --- reconciliation ------------------------------------------------------------------------------------------
def digest(figures: dict) -> str:
    return hashlib.sha256(json.dumps(figures, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def latest_reconciliation(*, form: str, unit: Unit, period: Period) -> Reconciliation | None:
    return (Reconciliation.objects.filter(form=form, unit=unit, date_from=period.date_from, date_to=period.date_to)
            .select_related("confirmed_by").order_by("-confirmed_at", "-pk").first())


@dataclass(frozen=True)
class Difference:
    table: str
    block: str
    row: str
    column: str
    reconciled: object
    now: object


def differences(report: builder.Report, reconciliation: Reconciliation | None) -> list[Difference]:
    """The cells whose figure differs from the reconciled snapshot (empty when none or nothing reconciled)."""
    if reconciliation is None:
        return []
    old, new = reconciliation.figures, report.figures()
    out = []
    for tkey, blocks in new.items():
        for bkey, rows in blocks.items():
            for rkey, cols in rows.items():
                for ckey, value in cols.items():
                    before = old.get(tkey, {}).get(bkey, {}).get(rkey, {}).get(ckey)
                    if before != value:
                        out.append(Difference(tkey, bkey, rkey, ckey, before, value))
    return out


@dataclass
class UnitStatus:
    unit: Unit
    reconciliation: Reconciliation | None


def reconciliation_status(user, *, form: str, unit: Unit, period: Period) -> list[UnitStatus]:
    """For the unit and every unit below it: the latest reconciliation of the form for the period (None: not
    reconciled — a unit that did not reconcile is identifiable)."""
    policy.check_at(user, VIEW, unit)
    units = list(Unit.objects.subtree(unit).order_by("path"))
    latest: dict[int, Reconciliation] = {}
    for rec in (Reconciliation.objects.filter(form=form, date_from=period.date_from, date_to=period.date_to,
                                              unit__in=units).select_related("confirmed_by")
                .order_by("unit_id", "-confirmed_at", "-pk")):
        latest.setdefault(rec.unit_id, rec)
    return [UnitStatus(u, latest.get(u.pk)) for u in units]


def may_see_reports(user) -> bool:
    """May the user open the reports (the menu entry's check): a unit whose reports they may see."""
    return report_units(user).exists()
