"""The kept monthly totals (`stq.reports.totals`) give exactly the figures of the direct computation from the
records — forms 19 and 20, every cell, for whole and cut periods, national and unit reports — on randomised data,
and still after the corrections a national system sees: a backdated payment, a cancelled (deleted) payment, an old
case edited, a case moved to another unit, a case's risk areas changed, a finding added to an old conclusion, a
conclusion withdrawn from approval, a risk area reordered. Every measure the totals keep is also compared alone for
every filter key and grouping."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.db import connection

from stq.audits.models import AuditCase, AuditConclusion, Payment, PenaltyDecision
from stq.core.models import RiskArea
from stq.reports import measures, totals
from stq.reports.builder import build_report
from stq.reports.models import MonthTotal, StaleMonth
from stq.reports.periods import Period, named_period

from .factories import M, case, conclude, payment, penalty

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the kept totals are PostgreSQL's")

AREAS = ("VALUATION", "ORIGIN", "CLASSIFICATION", "ACCOUNTING")
PERIODS = [
    named_period("2025"),
    named_period("2026"),
    named_period("2026-Q1"),
    named_period("2025-11"),
    Period(date(2025, 3, 17), date(2026, 2, 9)),  # cut months at both ends
    Period(date(2025, 6, 1), date(2025, 6, 20)),  # inside one month
    Period(date(2025, 1, 1), date(2026, 12, 31)),  # the whole history
]


def _day(rnd: random.Random, start=date(2025, 1, 1), days=600) -> date:
    return start + timedelta(days=rnd.randrange(days))


def _fill(org, rnd: random.Random, n: int = 40) -> list[AuditCase]:
    units = [org.chq, org.kv01, org.kv01pt, org.kv02, org.kv02pt]
    cases = []
    for _ in range(n):
        signed = _day(rnd)
        concluded = signed + timedelta(days=rnd.randint(5, 90)) if rnd.random() < 0.8 else None
        c = case(
            rnd.choice(units),
            org.officer1,
            mode=rnd.choice(["desk", "field"]),
            ground=rnd.choice(["78.1", "78.2", "78.3"]),
            areas=tuple(rnd.sample(AREAS, rnd.randint(1, 2))),
            decision_on=signed,
            concluded_on=concluded,
            legacy=rnd.random() < 0.2,
            state="handling" if concluded else "fieldwork",
        )
        cases.append(c)
        if not concluded:
            continue
        violations = rnd.random() < 0.6
        findings = [
            (
                a,
                {
                    "import_duty": rnd.randint(1, 90) * M if violations else 0,
                    "vat": rnd.randint(0, 9) * M,
                    "late_interest": rnd.randint(0, 3) * M,
                    "declarations_count": rnd.randint(0, 5),
                    "has_violation": violations and rnd.random() < 0.8,
                },
            )
            for a in rnd.sample(AREAS, rnd.randint(1, 3))
        ]
        conclude(c, concluded, findings=findings, violations=violations, approved=rnd.random() < 0.9)
        if rnd.random() < 0.25:  # a supplementary conclusion months later, sometimes in an area already found
            conclude(
                c,
                concluded + timedelta(days=rnd.randint(20, 200)),
                supplementary=True,
                findings=[(rnd.choice(AREAS), {"import_duty": rnd.randint(1, 20) * M, "has_violation": True})],
            )
        if rnd.random() < 0.4:
            penalty(c, concluded + timedelta(days=rnd.randint(1, 40)), rnd.randint(1, 30) * M)
        for _p in range(rnd.randint(0, 3)):
            payment(
                c,
                concluded + timedelta(days=rnd.randint(1, 300)),
                rnd.randint(1, 50) * M,
                kind=rnd.choice(["tax", "fine", "late_interest"]),
            )
    return cases


def _both_ways(monkeypatch, layout, unit, period):
    kept = build_report(layout, unit=unit, period=period).figures()
    with monkeypatch.context() as m:
        m.setattr(totals, "ENABLED", False)
        direct = build_report(layout, unit=unit, period=period).figures()
    return kept, direct


def _assert_forms_equal(monkeypatch, org, form19, form20, when: str) -> None:
    for layout in (form19, form20):
        for unit in (org.chq, org.kv01, org.kv02pt):
            for period in PERIODS:
                kept, direct = _both_ways(monkeypatch, layout, unit, period)
                assert kept == direct, (when, layout.form, unit.code, period)


def _assert_measures_equal(org, when: str) -> None:
    """Each kept measure for every single filter value (and a risk area with one), by unit, area and in all."""
    choices = measures.filter_choices()
    stale = totals.stale_months()
    for measure in totals.kept_measures():
        filters: list[dict] = [{}, {measures.RISK_AREA: "ORIGIN"}, {measures.RISK_AREA: ""}]
        for key in measure.dimensions:
            for value in sorted(choices[key], key=str):
                filters += [{key: value}, {key: value, measures.RISK_AREA: "VALUATION"}]
        for flt in filters:
            for group in ("unit", "area", None):
                for period in PERIODS[:5]:
                    direct = measure.grouped(period.date_from, period.date_to, flt, group=group, unit_path=org.chq.path)

                    def direct_part(a, b, m=measure, f=flt, g=group):
                        return m.grouped(a, b, f, group=g, unit_path=org.chq.path)

                    kept = totals.grouped(
                        measure,
                        period.date_from,
                        period.date_to,
                        flt,
                        group=group,
                        unit_path=org.chq.path,
                        direct=direct_part,
                        stale=stale,
                    )
                    if kept is None:  # what the totals do not keep is computed directly (a distinct total, a
                        # risk area with another filter key)
                        assert (group is None and measure.distinct_total and flt) or (
                            (group == "area" or measures.RISK_AREA in flt) and set(flt) - {measures.RISK_AREA}
                        ), (measure.name, flt, group)
                        continue
                    assert {k: v for k, v in kept.items() if v} == {k: v for k, v in direct.items() if v}, (
                        when,
                        measure.name,
                        flt,
                        group,
                        period,
                    )


@pytest.mark.django_db
def test_kept_totals_equal_the_direct_figures_through_edits(org, form19, form20, monkeypatch, settings):
    rnd = random.Random(20)
    cases = _fill(org, rnd)
    _assert_forms_equal(monkeypatch, org, form19, form20, "fresh")
    assert MonthTotal.objects.exists() and not StaleMonth.objects.exists()
    _assert_measures_equal(org, "fresh")

    concluded = [c for c in cases if c.concluded_on]
    old = min(concluded, key=lambda c: c.concluded_on)
    # a backdated payment, a cancelled payment, a payment re-dated to another year
    payment(old, date(2025, 2, 14), 7 * M, kind="fine")
    Payment.objects.filter(pk=Payment.objects.order_by("pk").values("pk")[:1]).delete()
    p = Payment.objects.order_by("-pk").first()
    Payment.objects.filter(pk=p.pk).update(paid_on=p.paid_on - timedelta(days=400))
    # an old case edited (mode, ground, legacy) and another moved between units
    AuditCase.objects.filter(pk=old.pk).update(
        mode="field" if old.mode == "desk" else "desk", ground="78.3", legacy=not old.legacy
    )
    moved = concluded[1]
    AuditCase.objects.filter(pk=moved.pk).update(unit=org.kv02pt if moved.unit_id != org.kv02pt.pk else org.kv01)
    # a case's risk areas changed (its main area moves), a case concluded on another day
    concluded[2].risk_areas.set(RiskArea.objects.filter(code__in=["ACCOUNTING"]))
    AuditCase.objects.filter(pk=concluded[3].pk).update(concluded_on=date(2025, 12, 31))
    # a finding added to an old conclusion (the area's first finding changes), a conclusion withdrawn, a penalty
    # re-dated, a conclusion re-dated
    con = AuditConclusion.objects.filter(case=concluded[4]).first()
    con.findings.create(
        risk_area=RiskArea.objects.get(code="ORIGIN"), finding="late", has_violation=True, import_duty=3 * M
    )
    AuditConclusion.objects.filter(case=concluded[5]).update(approved_at=None)
    AuditConclusion.objects.filter(case=concluded[6]).update(signed_on=date(2026, 6, 30))
    PenaltyDecision.objects.filter(case__in=concluded[:10]).update(issued_on=date(2025, 4, 1))
    assert StaleMonth.objects.exists()
    # the stale months read from the records (no refresh on read), then refreshed by the first report
    settings.STQ_REPORTS_REFRESH_ON_READ = False
    _assert_measures_equal(org, "after edits, stale months read directly")
    _assert_forms_equal(monkeypatch, org, form19, form20, "after edits, stale months read directly")
    assert StaleMonth.objects.exists()
    settings.STQ_REPORTS_REFRESH_ON_READ = True
    _assert_forms_equal(monkeypatch, org, form19, form20, "after edits")
    assert not StaleMonth.objects.exists()
    _assert_measures_equal(org, "after edits")

    # the risk areas reordered: every case's main area may change
    first, second = RiskArea.objects.order_by("order", "code")[:2]
    RiskArea.objects.filter(pk=first.pk).update(order=second.order + 1)
    _assert_forms_equal(monkeypatch, org, form19, form20, "after reordering the risk areas")


@pytest.mark.django_db
def test_a_stale_total_is_caught(org, form19, monkeypatch):
    """The comparison reads the kept totals: a month's total altered behind the triggers' back shows."""
    _fill(org, random.Random(7), n=15)
    totals.refresh()
    year = named_period("2025")
    kept, direct = _both_ways(monkeypatch, form19, org.chq, year)
    assert kept == direct
    row = (
        MonthTotal.objects.filter(measure="collected", dim="", by_area=False, month__year=2025).exclude(value=0).first()
    )
    assert row is not None
    MonthTotal.objects.filter(pk=row.pk).update(value=row.value + 1)
    kept, direct = _both_ways(monkeypatch, form19, org.chq, year)
    assert kept["A"]["period"]["total"]["collected"] == direct["A"]["period"]["total"]["collected"] + 1


@pytest.mark.django_db
def test_a_write_marks_its_month_and_the_next_report_recomputes_it(org):
    c = case(org.kv01pt, org.officer1, decision_on=date(2025, 3, 3), concluded_on=date(2025, 4, 4))
    totals.refresh()
    assert not StaleMonth.objects.exists()
    payment(c, date(2025, 7, 9), 5 * M)
    assert list(StaleMonth.objects.values_list("month", flat=True)) == [date(2025, 7, 1)]
    AuditCase.objects.filter(pk=c.pk).update(unit=org.kv02)  # every month the case has a record in
    assert set(StaleMonth.objects.values_list("month", flat=True)) == {
        date(2025, 3, 1),
        date(2025, 4, 1),
        date(2025, 7, 1),
    }
    AuditCase.objects.filter(pk=c.pk).update(state="closed")  # nothing the measures read
    assert totals.refresh() == [date(2025, 3, 1), date(2025, 4, 1), date(2025, 7, 1)]
    AuditCase.objects.filter(pk=c.pk).update(state="handling")
    assert not StaleMonth.objects.exists()
