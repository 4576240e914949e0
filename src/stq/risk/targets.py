"""Audit target lists: for a unit, a period and a capacity N, pick the enterprises of its jurisdiction
(``enterprises.selectors.jurisdiction_q``: a team's covers the enterprises its department manages) by risk
score and reserve a random exploration share among enterprises never or long not audited.

Excluded (each counted in the list's notes): an open information collection (any unit), an open audit proposal
or case (any unit, ``audit_outcomes`` contract), the focus list during the period, an audit decision in the 12
months before the period, an AEO for exploration, and enterprises already on another unit's list for the
period (also a database constraint). Exploration picks are compliance-assessment audits (Đ78.3): they count
against the 0.5 % cap of the year (TT81 art 23.2), less those already used and already planned on other lists.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import time

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.collection.models import InfoCollection
from stq.core.errors import AppError, Conflict
from stq.enterprises.models import Enterprise, FocusListEntry
from stq.enterprises.selectors import jurisdiction_q
from stq.org import policy

from . import sources
from .models import Classification, EnterpriseRisk, PickKind, TargetList, TargetPick

PERIOD_RE = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]))?$")
LONG_NOT_AUDITED_YEARS = 3
RECENT_AUDIT_DAYS = 365


def parse_period(period: str) -> tuple[dt.date, dt.date]:
    """'2026' → the year; '2026-H1' / '2026-H2' → a half; '2026-Q1' … '2026-Q4' → a quarter."""
    match = PERIOD_RE.match((period or "").strip().upper())
    if not match:
        raise AppError("invalid", _("Enter the period as 2026, 2026-H1 or 2026-Q3."), field="period")
    year, part = int(match.group(1)), match.group(2)
    if not part:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    first_month = {"H1": 1, "H2": 7, "Q1": 1, "Q2": 4, "Q3": 7, "Q4": 10}[part]
    months = 6 if part[0] == "H" else 3
    end_month = first_month + months
    end = dt.date(year + 1, 1, 1) if end_month > 12 else dt.date(year, end_month, 1)
    return dt.date(year, first_month, 1), end - dt.timedelta(days=1)


def _overlapping_periods(period_from: dt.date, period_to: dt.date) -> list[str]:
    """Every period code that overlaps [from, to] (a year list and a quarter list of that year overlap)."""
    out = []
    for year in range(period_from.year, period_to.year + 1):
        for code in [str(year)] + [f"{year}-H{i}" for i in (1, 2)] + [f"{year}-Q{i}" for i in (1, 2, 3, 4)]:
            a, b = parse_period(code)
            if a <= period_to and b >= period_from:
                out.append(code)
    return out


def exclusions(unit_tax_codes: set[str], period_from: dt.date, period_to: dt.date, *, unit) -> dict[str, set[str]]:
    """Tax codes excluded from any list for this period, by reason."""
    today = timezone.localdate()
    start = min(today, period_from)
    open_collections = set(InfoCollection.objects.filter(state__in=InfoCollection.OPEN_STATES)
                           .values_list("enterprise__tax_code", flat=True))
    focus = set(FocusListEntry.objects.filter(valid_from__lte=period_to)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
                .values_list("enterprise__tax_code", flat=True))
    last = sources.last_audit_dates()  # every audited enterprise: far fewer than a large jurisdiction
    recent = {code for code, day in last.items()
              if code in unit_tax_codes and day and day >= period_from - dt.timedelta(days=RECENT_AUDIT_DAYS)}
    other_lists = set(TargetPick.objects.filter(period__in=_overlapping_periods(period_from, period_to))
                      .exclude(target_list__unit=unit).values_list("enterprise__tax_code", flat=True))
    return {
        "open_collection": open_collections & unit_tax_codes,
        "open_audit": sources.open_tax_codes() & unit_tax_codes,
        "focus_list": focus & unit_tax_codes,
        "audited_recently": recent,
        "other_unit_list": other_lists & unit_tax_codes,
    }


def compliance_room(year: int, *, exclude_list: TargetList | None = None) -> tuple[int, int, int, int]:
    """(cap, used, planned on other lists, room left) for compliance audits in `year`."""
    cap = sources.compliance_audit_cap(year)
    used = sources.compliance_audits_used(year)
    planned = TargetPick.objects.filter(kind=PickKind.EXPLORATION, target_list__period_from__year=year,
                                        info_collection__isnull=True)
    if exclude_list is not None:
        planned = planned.exclude(target_list=exclude_list)
    planned = planned.count()
    return cap, used, planned, max(0, cap - used - planned)


def generate(*, actor, unit, period: str, capacity: int, exploration_share: float = 0.1,
             seed: int | None = None) -> TargetList:
    started = time.monotonic()
    period = (period or "").strip().upper()
    period_from, period_to = parse_period(period)
    errors = {}
    if not isinstance(capacity, int) or not 1 <= capacity <= 100_000:
        errors["capacity"] = _("The capacity is a whole number from 1 to 100,000.")
    if not 0 <= float(exploration_share) <= 0.5:
        errors["exploration_share"] = _("The exploration share is between 0 and 0.5.")
    if errors:
        raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)
    policy.check_at(actor, "risk.target_list", unit)
    if TargetList.objects.filter(unit=unit, period=period).exists():
        raise Conflict("target_list_exists", _("This unit already has a list for this period."))
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)

    in_jurisdiction = jurisdiction_q(unit)
    jurisdiction = dict(Enterprise.objects.filter(in_jurisdiction, is_active=True).values_list("tax_code", "id"))
    codes = set(jurisdiction)
    excluded = exclusions(codes, period_from, period_to, unit=unit)
    out = set().union(*excluded.values())
    eligible = codes - out
    risks = {r.tax_code: r for r in EnterpriseRisk.objects.filter(jurisdiction_q(unit, prefix="enterprise__"))
             .exclude(classification=Classification.NOT_TO_AUDIT) if r.tax_code in eligible}

    cap, used, planned, room = compliance_room(period_from.year)
    n_explore = min(round(capacity * float(exploration_share)), room)
    n_score = capacity - round(capacity * float(exploration_share))
    ranked = sorted((r for r in risks.values() if r.classification != Classification.NOT_TO_AUDIT),
                    key=lambda r: (-r.score, r.tax_code))
    by_score = ranked[:n_score]
    chosen = {r.tax_code for r in by_score}
    last = sources.last_audit_dates()
    long_ago = period_from - dt.timedelta(days=round(365.25 * LONG_NOT_AUDITED_YEARS))
    aeo = set(Enterprise.objects.filter(in_jurisdiction, is_aeo=True)
              .values_list("tax_code", flat=True))
    pool = sorted(c for c in eligible - chosen - aeo if last.get(c) is None or last[c] < long_ago)
    explore = random.Random(seed).sample(pool, min(n_explore, len(pool)))

    notes = [{"code": f"excluded_{k}", "n": len(v)} for k, v in excluded.items() if v]
    notes.append({"code": "jurisdiction", "n": len(codes), "eligible": len(eligible)})
    notes.append({"code": "compliance_cap", "cap": cap, "used": used, "planned": planned,
                  "explore": len(explore), "asked": round(capacity * float(exploration_share))})
    if len(by_score) < n_score:
        notes.append({"code": "few_scored", "n": len(by_score), "asked": n_score})

    picks = []
    for rank, r in enumerate(by_score, start=1):
        reasons = [{"code": "rank", "rank": rank, "weight": 1}, *r.reasons[:4]]
        picks.append((r.tax_code, PickKind.SCORE, r.score, reasons))
    explore_scores = dict(EnterpriseRisk.objects.filter(tax_code__in=explore).values_list("tax_code", "score"))
    for code in explore:
        reasons = [{"code": "exploration", "weight": 1},
                   {"code": "never_audited", "weight": 0} if code not in last
                   else {"code": "last_audit", "on": last[code].isoformat(), "weight": 0}]
        picks.append((code, PickKind.EXPLORATION, explore_scores.get(code, 0.0), reasons))
    try:
        with transaction.atomic():
            target_list = TargetList.objects.create(
                unit=unit, period=period, period_from=period_from, period_to=period_to, capacity=capacity,
                exploration_share=float(exploration_share), seed=seed, notes=notes, requested_by=actor)
            TargetPick.objects.bulk_create([
                TargetPick(target_list=target_list, period=period, enterprise_id=jurisdiction[code], rank=i,
                           kind=kind, score=score, reasons=reasons)
                for i, (code, kind, score, reasons) in enumerate(picks, start=1)
            ])
            target_list.seconds = time.monotonic() - started
            target_list.save(update_fields=["seconds"])
    except IntegrityError:
        raise Conflict("target_list_clash", _("Another list was made for this period at the same time. "
                                              "Ask for the list again.")) from None
    return target_list
