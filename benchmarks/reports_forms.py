"""Forms 19 and 20 for the whole country for one year over 20,000 audit cases and 50,000 payments (PostgreSQL).

    createdb -h 127.0.0.1 -U postgres stq_bench_reports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stq_bench_reports \
        .venv/bin/python benchmarks/reports_forms.py [--cases 20000] [--payments 50000] [--runs 5]

Creates (or reuses) the schema in the database named by DATABASE_URL, fills it deterministically when it holds fewer
cases than asked: a tree of 1 national unit, 21 departments (20 regional + the central PCA unit) and 2 teams under
each (64 units); 15,000 enterprises; the cases over 2024–2025 (≈ 38 % field), each with its original decision;
≈ 80 % concluded with an approved conclusion and 1–3 findings by risk area; ≈ 30 % with a penalty; the payments
spread over the cases with a conclusion, dated up to a year after it. Then times, through the same builder the
pages and the API use, the national form 19 (tables A and A2) and form 20 (table B) for 2025 with the cumulative
block, the Excel and PDF renderings, a drill-down list and the dashboard data; prints median and max of `--runs`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stq.settings")
os.environ.setdefault("STQ_SECRET_KEY", "benchmark-only-not-secret")  # production settings, DEBUG off


def fill(n_cases: int, n_payments: int, *, start: date = date(2024, 1, 1), days: int = 730) -> None:
    """The cases, their decisions signed over `days` days from `start` (default 2024–2025), and the payments."""
    from django.db import transaction
    from django.utils import timezone

    from stq.audits.models import (
        AuditCase,
        AuditConclusion,
        AuditDecision,
        ConclusionFinding,
        Payment,
        PenaltyDecision,
    )
    from stq.core.models import RiskArea
    from stq.core.reference import ensure_risk_areas
    from stq.enterprises.demo import bulk_insert, generate_enterprises
    from stq.enterprises.models import Enterprise
    from stq.org.models import Unit, User

    rnd = random.Random(2026)
    ensure_risk_areas()
    areas = list(RiskArea.objects.values_list("pk", flat=True))
    root, _ = Unit.objects.get_or_create(code="BENCH", defaults={"name": "Cục Hải quan", "level_label": "Cục"})
    teams = []
    for i in range(1, 22):
        dept, _ = Unit.objects.get_or_create(code=f"B{i:02d}", defaults={
            "name": f"Chi cục Hải quan khu vực {i}", "level_label": "Chi cục", "parent": root})
        for j in (1, 2):
            team, _ = Unit.objects.get_or_create(code=f"B{i:02d}-{j}", defaults={
                "name": f"Đội KTSTQ {j} khu vực {i}", "level_label": "Đội", "parent": dept})
            teams.append(team)
    units = teams + [u for u in Unit.objects.filter(parent=root)]
    user, _ = User.objects.get_or_create(username="bench", defaults={"full_name": "Benchmark"})
    if Enterprise.objects.count() < 15_000:
        bulk_insert(generate_enterprises(15_000, seed=7), batch_size=5000)
    ents = list(Enterprise.objects.values_list("pk", flat=True)[:15_000])

    t0 = time.perf_counter()
    with transaction.atomic():
        cases = []
        for n in range(n_cases):
            unit = rnd.choice(units)
            signed = start + timedelta(days=rnd.randrange(days))
            concluded = signed + timedelta(days=rnd.randint(20, 120)) if rnd.random() < 0.8 else None
            cases.append(AuditCase(
                number=f"{n + 1:06d}/KT-{unit.code}", unit=unit, approval_unit=unit, enterprise_id=rnd.choice(ents),
                mode="field" if rnd.random() < 0.38 else "desk", ground=rnd.choice(["78.1", "78.2", "78.2", "78.3"]),
                state="closed" if concluded else "fieldwork", created_by=user, decision_signed_on=signed,
                concluded_on=concluded, due_on=None if concluded else signed + timedelta(days=rnd.randint(10, 60)),
            ))
        cases = AuditCase.objects.bulk_create(cases, batch_size=5000)
        through = AuditCase.risk_areas.through
        through.objects.bulk_create([through(auditcase_id=c.pk, riskarea_id=a) for c in cases
                                     for a in rnd.sample(areas, rnd.randint(1, 2))], batch_size=10000)
        AuditDecision.objects.bulk_create([
            AuditDecision(case=c, kind="original", number=f"{i}/QĐ", signed_on=c.decision_signed_on,
                          signer_name="Bench", signer_title="Cục trưởng") for i, c in enumerate(cases)],
            batch_size=5000)
        concluded = [c for c in cases if c.concluded_on]
        now = timezone.now()
        cons = AuditConclusion.objects.bulk_create([
            AuditConclusion(case=c, number=f"{i}/KL", signed_on=c.concluded_on, signer_name="Bench",
                            approved_at=now, has_violations=rnd.random() < 0.6)
            for i, c in enumerate(concluded)], batch_size=5000)
        findings, due = [], {}
        for con in cons:
            for a in rnd.sample(areas, rnd.randint(1, 3)):
                amount = int(10_000_000 * rnd.paretovariate(1.2)) if con.has_violations else 0
                findings.append(ConclusionFinding(
                    conclusion=con, risk_area_id=a, finding="bench", has_violation=con.has_violations,
                    declarations_count=rnd.randint(1, 30), import_duty=amount, vat=amount // 10,
                    late_interest=amount // 50))
                due[con.case_id] = due.get(con.case_id, 0) + amount + amount // 10 + amount // 50
        ConclusionFinding.objects.bulk_create(findings, batch_size=10000)
        PenaltyDecision.objects.bulk_create([
            PenaltyDecision(case=c, number=f"{i}/XP", issued_on=c.concluded_on + timedelta(days=rnd.randint(1, 30)),
                            legal_article="Điều 9", amount=rnd.randint(5, 200) * 1_000_000)
            for i, c in enumerate(concluded) if rnd.random() < 0.3], batch_size=5000)
        payers = [c for c in concluded if due.get(c.pk)] or concluded
        Payment.objects.bulk_create([
            Payment(case=c, paid_on=c.concluded_on + timedelta(days=rnd.randint(1, 365)),
                    kind=rnd.choice(["tax", "tax", "fine", "late_interest"]),
                    amount=max(1, due.get(c.pk, 10_000_000) // rnd.randint(2, 6)), reference="bench")
            for c in (rnd.choice(payers) for _ in range(n_payments))], batch_size=10000)
    print(f"generated {n_cases} cases, {len(findings)} findings, {n_payments} payments "
          f"in {time.perf_counter() - t0:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--payments", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from stq.audits.models import AuditCase, Payment
    from stq.org.models import Unit, User
    from stq.reports import builder, dashboard, layout
    from stq.reports.excel import workbook_bytes
    from stq.reports.pdf import pdf_bytes
    from stq.reports.periods import named_period

    if AuditCase.objects.count() < args.cases:
        fill(args.cases - AuditCase.objects.count(), args.payments)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    root = Unit.objects.get(code="BENCH")
    user = User.objects.get(username="bench")
    year = named_period("2025")
    print(f"{AuditCase.objects.count()} cases, {Payment.objects.count()} payments, "
          f"{Unit.objects.subtree(root).count()} units; national report for 2025 (with the year-to-date block)")

    def timed(label, fn):
        values = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            result = fn()
            values.append((time.perf_counter() - t0) * 1000)
        print(f"{label:<52} median {statistics.median(values):8.1f} ms   max {max(values):8.1f} ms")
        return result

    f19, f20 = layout.load("19"), layout.load("20")
    r19 = timed("form 19 (tables A + A2), build", lambda: builder.build_report(f19, unit=root, period=year, user=user))
    r20 = timed("form 20 (table B), build", lambda: builder.build_report(f20, unit=root, period=year, user=user))
    q1 = named_period("2025-Q1")
    timed("form 19, one quarter + year to date", lambda: builder.build_report(f19, unit=root, period=q1, user=user))
    timed("form 19 + 20 as Excel (build + render)", lambda: (
        workbook_bytes(builder.build_report(f19, unit=root, period=year, user=user)),
        workbook_bytes(builder.build_report(f20, unit=root, period=year, user=user))))
    timed("form 19 as PDF (render only)", lambda: pdf_bytes(r19))
    timed("drill-down: collected, national total (first 1,000)", lambda: [
        builder.drill_rows(g, 1000) for g in builder.drill_down(f19, unit=root, period=year, table_key="A",
                                                                column_key="collected", row_key="total", user=None)])
    timed("dashboard data, national, 2025", lambda: dashboard.dashboard_data(root, year))
    from django.test.utils import CaptureQueriesContext

    for label, lay in (("form 19", f19), ("form 20", f20)):
        with CaptureQueriesContext(connection) as ctx:
            builder.build_report(lay, unit=root, period=year, user=user)
        print(f"{label}: {len(ctx.captured_queries)} SQL queries")
    a = r19.figures()["A"]["period"]["total"]
    b = r20.figures()["B"]["period"]["total"]
    print(f"national 2025: decisions desk {a['desk_decisions']} field {a['field_decisions']}; completed "
          f"{a['desk_completed'] + a['field_completed']}; violation rate {a['violation_rate']} %; tax assessed "
          f"{a['tax_assessed']:,}; collected {a['collected']:,}; outstanding {a['outstanding']:,}")
    assert b["tax_assessed"] == a["tax_assessed"] and b["collected"] == a["collected"], "table B ≠ table A"
    rows = r19.figures()["A"]["period"]
    assert all(sum(r[c] for k, r in rows.items() if k != "total") == a[c] for c in a if c != "violation_rate")
    print("checks: table B totals = table A totals; national total = sum of the unit rows")


if __name__ == "__main__":
    main()
