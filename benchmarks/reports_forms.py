"""Forms 19 and 20 for the whole country over years of audit history (PostgreSQL): the kept monthly totals
(`stq.reports.totals`) against the direct computation from the records, in the same run.

    createdb -h 127.0.0.1 -U postgres stq_bench_reports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stq_bench_reports \
        .venv/bin/python benchmarks/reports_forms.py [--years 5] [--runs 5] [--no-direct]

Creates (or reuses) the schema in the database named by DATABASE_URL, fills it deterministically when it holds fewer
cases than asked (10,000 cases and 25,000 payments a year by default, `--years` years ending with 2025; `--years 2`
is the former one-year page's 2024–2025 with 20,000 cases): a tree of 1 national unit, 21 departments (20 regional
+ the central PCA unit) and 2 teams under each (64 units); 15,000 enterprises; the cases (≈ 38 % field), each with
its original decision; ≈ 80 % concluded with an approved conclusion and 1–3 findings by risk area; ≈ 30 % with a
penalty; the payments spread over the cases with a conclusion, dated up to a year after it. Then recomputes the
stale months of the kept totals (all of them after a fill) and times, through the same builder the pages and the
API use, the national form 19 (tables A and A2) and form 20 (table B) with the cumulative block, for 2025 and for
the whole history, each with the kept totals and directly from the records (the figures compared cell by cell),
the SQL statements of each; a department's form 19, a quarter, a build right after a backdated payment (its month
read from the records), the Excel and PDF renderings, a drill-down list and the dashboard data. Prints min / median
/ max of `--runs` and the load average before the runs.
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
    parser.add_argument("--years", type=int, default=2, help="years of history, ending with 2025 (default 2024–2025)")
    parser.add_argument("--cases", type=int, default=None, help="default 10,000 a year")
    parser.add_argument("--payments", type=int, default=None, help="default 25,000 a year")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-direct", action="store_true", help="skip the direct computation (before the kept totals)")
    args = parser.parse_args()
    n_cases = args.cases or 10_000 * args.years
    n_payments = args.payments or 25_000 * args.years
    first_year = 2026 - args.years

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    from stq.audits.models import AuditCase, Payment
    from stq.org.models import Unit, User
    from stq.reports import builder, dashboard, layout, totals
    from stq.reports.excel import workbook_bytes
    from stq.reports.pdf import pdf_bytes
    from stq.reports.periods import Period, named_period

    if AuditCase.objects.count() < n_cases:
        fill(n_cases - AuditCase.objects.count(), n_payments, start=date(first_year, 1, 1), days=365 * args.years)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    root = Unit.objects.get(code="BENCH")
    user = User.objects.get(username="bench")
    year = named_period("2025")
    whole = Period(date(first_year, 1, 1), date(2025, 12, 31))
    print(
        f"{AuditCase.objects.count()} cases, {Payment.objects.count()} payments, "
        f"{Unit.objects.subtree(root).count()} units, {first_year}–2025; national reports with the year-to-date "
        "block"
    )
    t0 = time.perf_counter()
    months = totals.refresh()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM reports_monthtotal")
        kept_rows = cur.fetchone()[0]
    print(
        f"kept totals: first refresh of {len(months)} stale months {time.perf_counter() - t0:.2f} s "
        f"(load {os.getloadavg()[0]:.1f}); {kept_rows:,} rows"
    )

    def timed(label, fn, setup=None):
        values, loads, result = [], [], None
        for _ in range(args.runs):
            if setup:
                setup()
            loads.append(os.getloadavg()[0])
            t0 = time.perf_counter()
            result = fn()
            values.append((time.perf_counter() - t0) * 1000)
        print(
            f"{label:<58} min {min(values):7.1f}  median {statistics.median(values):7.1f}  max {max(values):7.1f} ms"
            f"   load {min(loads):.1f}–{max(loads):.1f}"
        )
        return result

    def direct(fn):
        def run():
            totals.ENABLED = False
            try:
                return fn()
            finally:
                totals.ENABLED = True

        return run

    def count(fn) -> int:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        return len(ctx.captured_queries)

    f19, f20 = layout.load("19"), layout.load("20")
    reports = {}
    for form, lay in (("19", f19), ("20", f20)):
        for name, period in (("2025", year), (f"{first_year}–2025", whole)):

            def build(lay=lay, period=period):
                return builder.build_report(lay, unit=root, period=period, user=user)

            reports[form, name] = timed(f"form {form}, {name}, kept totals", build)
            if not args.no_direct:
                d = timed(f"form {form}, {name}, direct (before)", direct(build))
                assert d.figures() == reports[form, name].figures(), f"form {form} {name}: kept ≠ direct"
            print(
                f"    SQL statements: kept {count(build)}"
                + ("" if args.no_direct else f", direct {count(direct(build))}")
            )
    unit = Unit.objects.get(code="B07")
    timed(
        "form 19, 2025, one department (B07), kept totals",
        lambda: builder.build_report(f19, unit=unit, period=year, user=user),
    )
    q1 = named_period("2025-Q1")
    timed(
        "form 19, 2025-Q1 + year to date, kept totals",
        lambda: builder.build_report(f19, unit=root, period=q1, user=user),
    )
    case = AuditCase.objects.filter(concluded_on__year=first_year).order_by("pk").first()
    backdated = []

    def add_payment():  # a backdated payment in the first year: one month stale for "collected"
        backdated.append(
            Payment.objects.create(
                case=case, paid_on=date(first_year, 3, 15), kind="tax", amount=1, reference="bench-backdated"
            ).pk
        )

    timed(
        "form 19, 2025, after a backdated payment (month read directly)",
        lambda: builder.build_report(f19, unit=root, period=year, user=user),
        setup=add_payment,
    )
    timed("refresh of the kept totals after a backdated payment", totals.refresh, setup=add_payment)
    Payment.objects.filter(pk__in=backdated).delete()
    totals.refresh()
    timed(
        "form 19 + 20 as Excel (build + render), 2025",
        lambda: (
            workbook_bytes(builder.build_report(f19, unit=root, period=year, user=user)),
            workbook_bytes(builder.build_report(f20, unit=root, period=year, user=user)),
        ),
    )
    r19 = reports["19", "2025"]
    pdf = timed("form 19 as PDF (render only), 2025", lambda: pdf_bytes(r19))
    print(f"    PDF {len(pdf):,} bytes")
    timed(
        "drill-down: collected, national total (first 1,000)",
        lambda: [
            builder.drill_rows(g, 1000)
            for g in builder.drill_down(
                f19, unit=root, period=year, table_key="A", column_key="collected", row_key="total", user=None
            )
        ],
    )
    timed("dashboard data, national, 2025", lambda: dashboard.dashboard_data(root, year))
    a = r19.figures()["A"]["period"]["total"]
    b = reports["20", "2025"].figures()["B"]["period"]["total"]
    print(
        f"national 2025: decisions desk {a['desk_decisions']} field {a['field_decisions']}; completed "
        f"{a['desk_completed'] + a['field_completed']}; violation rate {a['violation_rate']} %; tax assessed "
        f"{a['tax_assessed']:,}; collected {a['collected']:,}; outstanding {a['outstanding']:,}"
    )
    assert b["tax_assessed"] == a["tax_assessed"] and b["collected"] == a["collected"], "table B ≠ table A"
    rows = r19.figures()["A"]["period"]
    assert all(sum(r[c] for k, r in rows.items() if k != "total") == a[c] for c in a if c != "violation_rate")
    print(
        "checks: kept totals = direct computation (every cell, each form and period above); table B totals = "
        "table A totals; national total = sum of the unit rows"
    )


if __name__ == "__main__":
    main()
