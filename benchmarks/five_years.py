"""Five years of declaration history (issue 20 item 4, HISTORY.md): load ≥ 30 M goods lines, then measure.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stq_bench_five .venv/bin/python benchmarks/five_years.py \\
        [--lines-per-year 6000000] [--first-year 2021] [--last-year 2025] [--phase all|load|measure] [--resume]
        [--runs 3] [--cases 100000] [--payments 250000] [--target-lines 300000000] [--json OUT]

**Load** (``--phase load``; the database named by DATABASE_URL, default ``stq_bench_five``, is dropped and
recreated and migrated, unless ``--resume``, which keeps it and skips the months already stored): for each year,
the declarations benchmark generator (``stq.declarations.demo.generate_rows``, 20,000 enterprises, the same
distributions as ``declarations_import.py``) writes the year's lines split into one CSV file per month of
registration (a declaration's lines stay together); each month's file is imported through the real importer
(``import_job_create`` + ``run_import``, the alert scan of a finished import disconnected as in the import
benchmark), then — the limit, in the same run — copied raw into a plain all-text table
(``declarations_import.raw_copy``), then deleted with its copy in media: at most one year of CSV (≈ 1.2 GB at 6 M
lines) exists at a time. Prints each file's lines, lines/s, raw COPY lines/s, the ratio and the load average.

**Measure** (``--phase measure``, on the loaded database): enterprises named by the generator's tax codes, and
audit cases with their decisions, conclusions, findings, penalties and payments over the years (the fill of
``reports_forms.py``, default 100,000 cases and 250,000 payments; kept when present), then ``ANALYZE``; then the
declaration search p95 (``declarations_search.measure``: tax code + 60 days, and a number lookup), the
enterprise page (the view through the test client, server time), forms 19 / 20 over the last year and over
all the years, scoring of the last month's stored declarations (one 31-day window) beside the bare compiled predict
of the same rows (``risk_engine.compiled_predict_limit``), the alert scan of a new batch (50,000 lines of the next
January imported, then ``risk.alerts.scan_import``), each run ``--runs`` times or more with min / median / max and
the load average, and the partitions read by the queries of the enterprise page and of the alert scan; then heap /
TOAST / index sizes per table (summed over the partitions) and the extrapolation to ``--target-lines``. The model
artefacts go to ``STQ_MEDIA_ROOT`` (default /tmp/stq_bench_five_media; a model is trained on the shared train file
when the database has none). ``--json`` writes every figure. The database is kept (measure
again with ``--phase measure``); drop it with ``dropdb``.
"""

import argparse
import csv
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stq_bench_five")
os.environ.setdefault("STQ_MEDIA_ROOT", "/tmp/stq_bench_five_media")  # its model artefacts, apart from the others'

import _decl_bench  # noqa: E402

_decl_bench.BENCH_URL = os.environ["DATABASE_URL"]
ENTERPRISES = 20_000  # tax codes of the generator (as declarations_import.py)
RESULTS: dict = {"files": []}


def load_avg() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def spread(values, fmt=lambda v: f"{v:,.1f}"):
    return f"min {fmt(min(values))} / median {fmt(statistics.median(values))} / max {fmt(max(values))}"


def month_files(year: int, lines: int, directory: str) -> list[tuple[int, str, int]]:
    """Generate a year's lines, one CSV file per month of registration; returns [(month, path, lines)]."""
    from stq.declarations.demo import COLUMNS, demo_tax_codes, generate_rows

    handles, writers, counts = {}, {}, {}
    # numbers: 9 digits after the flow prefix; one block of 100 M per year (≈ 2 M declarations a year at 6 M lines)
    for row in generate_rows(lines, tax_codes=demo_tax_codes(ENTERPRISES), year=year, seed=year,
                             start_number=(year - 2020) * 100_000_000):
        month = int(row[1][5:7])
        if month not in writers:
            handles[month] = open(os.path.join(directory, f"{year}-{month:02d}.csv"), "w", newline="",
                                  encoding="utf-8")
            writers[month] = csv.writer(handles[month])
            writers[month].writerow(COLUMNS)
            counts[month] = 0
        writers[month].writerow(row)
        counts[month] += 1
    for fh in handles.values():
        fh.close()
    return [(m, handles[m].name, counts[m]) for m in sorted(handles)]


def import_file(path: str, name: str):
    from django.core.files import File

    from stq.declarations import importer
    from stq.declarations.services import import_job_create

    with open(path, "rb") as fh:
        job = import_job_create(actor=None, file=File(fh, name=name), enqueue=False)
    job = importer.run_import(job)
    job.file.delete(save=False)
    return job


def month_loaded(year: int, month: int) -> bool:
    from django.db import connection

    with connection.cursor() as c:
        first = f"{year}-{month:02d}-01"
        c.execute("SELECT EXISTS (SELECT 1 FROM declarations_declaration WHERE registered_on >= %s::date "
                  "AND registered_on < %s::date + interval '1 month')", [first, first])
        return c.fetchone()[0]


def load(args) -> None:
    from declarations_import import raw_copy
    from django.db import connection

    from stq.declarations.demo import COLUMNS

    total_lines = total_s = 0.0
    for year in range(args.first_year, args.last_year + 1):
        with tempfile.TemporaryDirectory(prefix=f"stq_five_{year}_") as tmp:
            t = time.monotonic()
            files = month_files(year, args.lines_per_year, tmp)
            print(f"{year}: generated {sum(n for _, _, n in files):,} lines in 12 files in "
                  f"{time.monotonic() - t:.0f} s (load average {load_avg()})", flush=True)
            for month, path, _lines in files:
                if args.resume and month_loaded(year, month):
                    os.unlink(path)
                    print(f"  {year}-{month:02d}: already loaded, skipped", flush=True)
                    continue
                before = load_avg()
                t = time.monotonic()
                job = import_file(path, f"{year}-{month:02d}.csv")
                seconds = time.monotonic() - t
                rows, copy_s = raw_copy(path, len(COLUMNS))
                os.unlink(path)
                with connection.cursor() as c:
                    c.execute("SELECT pg_database_size(current_database())")
                    db_bytes = c.fetchone()[0]
                rec = {"file": f"{year}-{month:02d}", "status": job.status, "lines": job.rows_done,
                       "declarations": job.declarations_new, "seconds": round(seconds, 1),
                       "lines_per_s": round(job.rows_done / seconds), "raw_copy_lines_per_s": round(rows / copy_s),
                       "load_before": before, "load_after": load_avg(), "db_gb": round(db_bytes / 1e9, 2)}
                RESULTS["files"].append(rec)
                total_lines += job.rows_done
                total_s += seconds
                print(f"  {rec['file']}: {job.status}, {job.rows_done:,} lines ({job.declarations_new:,} decl.) in "
                      f"{seconds:.1f} s = {rec['lines_per_s']:,} lines/s; raw COPY {rec['raw_copy_lines_per_s']:,} "
                      f"lines/s ({100 * rec['lines_per_s'] / rec['raw_copy_lines_per_s']:.1f} %); load average "
                      f"{before} → {rec['load_after']}; database {rec['db_gb']} GB; total {total_lines:,.0f} lines",
                      flush=True)
                if job.status != "succeeded":
                    raise SystemExit(f"import of {rec['file']} failed: {job.status}")
    if total_s:
        rates = [f["lines_per_s"] for f in RESULTS["files"]]
        ratios = [100 * f["lines_per_s"] / f["raw_copy_lines_per_s"] for f in RESULTS["files"]]
        print(f"\nload: {total_lines:,.0f} lines in {total_s / 60:.1f} min of import = {total_lines / total_s:,.0f} "
              f"lines/s overall; per file {spread(rates, lambda v: f'{v:,.0f}')} lines/s; "
              f"{spread(ratios, lambda v: f'{v:.1f} %')} of raw COPY", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines-per-year", type=int, default=6_000_000)
    parser.add_argument("--first-year", type=int, default=2021)
    parser.add_argument("--last-year", type=int, default=2025)
    parser.add_argument("--phase", choices=["all", "load", "measure"], default="all")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", type=int, default=100_000, help="audit cases over the years (forms 19 / 20)")
    parser.add_argument("--payments", type=int, default=250_000)
    parser.add_argument("--target-lines", type=int, default=300_000_000, help="extrapolate the sizes to this")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.phase in ("all", "load") and not args.resume:
        _decl_bench.drop()
    _decl_bench.setup()
    from stq.declarations.signals import import_succeeded

    # the alert scan of a finished import runs afterwards in a background task: not part of the import
    import_succeeded.disconnect(dispatch_uid="stq.risk.import_finished")
    print(f"database {_decl_bench.BENCH_URL.rsplit('/', 1)[1]}; load average {load_avg()}", flush=True)
    try:
        if args.phase in ("all", "load"):
            load(args)
        if args.phase in ("all", "measure"):
            measure(args)
    finally:
        if args.json:
            Path(args.json).write_text(json.dumps(RESULTS, indent=1, default=str))


def runs_of(label, fn, runs, unit="ms"):
    """Run `fn` `runs` times; prints and records min / median / max (ms or s) with the load average around them."""
    before, values, out = load_avg(), [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        values.append((time.perf_counter() - t) * (1000 if unit == "ms" else 1))
    RESULTS.setdefault("timings", {})[label] = {"min": round(min(values), 2), "median": round(
        statistics.median(values), 2), "max": round(max(values), 2), "unit": unit, "runs": runs,
        "load_before": before, "load_after": load_avg()}
    print(f"  {label}: {spread(values)} {unit} ({runs} runs; load average {before} → {load_avg()})", flush=True)
    return out


def counts() -> dict:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT (SELECT COUNT(*) FROM declarations_declaration), "
                  "(SELECT COUNT(*) FROM declarations_declarationline), "
                  "(SELECT MIN(registered_on) FROM declarations_declaration), "
                  "(SELECT MAX(registered_on) FROM declarations_declaration)")
        n_decl, n_lines, first, last = c.fetchone()
    return {"declarations": n_decl, "lines": n_lines, "first": str(first), "last": str(last)}


def workflow(n_cases: int, n_payments: int, first_year: int, years: int):
    """Enterprises named by the generator's tax codes (so that the enterprise page shows their declarations), then
    audit cases and payments over the five years (``reports_forms.fill``, which uses these enterprises)."""
    import datetime as dt

    from reports_forms import fill

    from stq.audits.models import AuditCase
    from stq.declarations.demo import demo_tax_codes
    from stq.enterprises.models import Enterprise
    from stq.org.models import Unit, User

    unit, _ = Unit.objects.get_or_create(code="BENCH", defaults={"name": "Cục Hải quan", "level_label": "Cục"})
    have = set(Enterprise.objects.values_list("tax_code", flat=True))
    Enterprise.objects.bulk_create([Enterprise(tax_code=c, name=f"Doanh nghiệp {c}", managing_unit=unit,
                                               created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
                                    for c in demo_tax_codes(ENTERPRISES) if c not in have], batch_size=5000)
    if AuditCase.objects.count() < n_cases:
        t = time.monotonic()
        fill(n_cases - AuditCase.objects.count(), n_payments, start=dt.date(first_year, 1, 1), days=365 * years)
        print(f"  workflow fill: {time.monotonic() - t:.0f} s", flush=True)
    User.objects.filter(username="five.admin").exists() or User.objects.create_superuser(
        "five.admin", password="five-years-benchmark")
    return unit, User.objects.get(username="five.admin")


def search(args):
    """Declaration search p95 (tax code + 60 days in the last year; declarations_search.measure) and a number
    lookup (header through the registry + its goods lines, the detail page's data)."""
    import random

    from declarations_search import measure as search_measure
    from django.db import connection

    import stq.declarations.selectors as sel
    from stq.declarations.demo import demo_tax_codes
    from stq.declarations.models import Declaration

    class Anyone:
        is_authenticated = True
        is_active = True

    class Search:
        user = Anyone()

    sel.may = lambda user, action: True  # the selector's permission check: no user here
    rng = random.Random(3)
    uniform = demo_tax_codes(ENTERPRISES)
    with connection.cursor() as c:  # tax codes weighted by activity: the code of random declarations
        sample = "TABLESAMPLE SYSTEM (0.1)" if counts()["declarations"] > 1_000_000 else ""
        c.execute(f"SELECT importer_exporter_tax_code FROM declarations_declaration {sample} LIMIT 5000")
        weighted = [r[0] for r in c.fetchall()]
        c.execute(f"SELECT base_number || revision FROM declarations_declaration {sample} LIMIT 2000")
        numbers = [r[0] for r in c.fetchall()]
    print(f"declaration search, tax code + 60 days in {args.last_year} (200 queries a run):", flush=True)
    for label, codes, with_count in (("uniform, page of 50", uniform, False), ("uniform, page + count", uniform, True),
                                     ("weighted, page of 50", weighted, False),
                                     ("weighted, page + count", weighted, True)):
        runs = [search_measure(label, codes, Search, rng, with_count, year=args.last_year) for _ in range(args.runs)]
        p95 = [r["p95"] for r in runs]
        RESULTS.setdefault("search", {})[label] = {"p95": p95, "p50": [r["p50"] for r in runs], "load": load_avg()}
        print(f"  → {label}: p95 {spread(p95)} ms over {args.runs} runs (load average {load_avg()})", flush=True)
    print(f"number lookup (registry → header → goods lines), 200 numbers of {len(numbers):,} sampled over all years:")
    p95s = []
    for _ in range(args.runs):
        times = []
        for number in rng.sample(numbers, min(200, len(numbers))):
            t = time.perf_counter()
            decl = sel.by_number(Declaration.objects.all(), number).first()
            list(decl.goods_lines())
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p95s.append(times[int(len(times) * 0.95)])
        print(f"  p50 {statistics.median(times):.1f} ms, p95 {p95s[-1]:.1f} ms, max {times[-1]:.1f} ms", flush=True)
    RESULTS.setdefault("search", {})["number lookup"] = {"p95": p95s, "load": load_avg()}
    print(f"  → number lookup: p95 {spread(p95s)} ms (load average {load_avg()})", flush=True)


def enterprise_page(args, admin):
    """The enterprise page (enterprises:detail with its sections: activity, risk, audits …) through Django's test
    client: the server's time in this process (middleware, view, queries, template), no network, DEBUG on."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as c:  # the busiest enterprise of the last year, and one of median activity
        c.execute("SELECT importer_exporter_tax_code, COUNT(*) FROM declarations_declaration "
                  "WHERE registered_on >= %s AND registered_on < %s GROUP BY 1 ORDER BY 2 DESC",
                  [f"{args.last_year}-01-01", f"{args.last_year + 1}-01-01"])
        ranked = c.fetchall()
    settings.ALLOWED_HOSTS.append("testserver")  # the test client's host
    client = Client()
    client.force_login(admin)
    for label, (tax, n) in (("busiest", ranked[0]), ("median", ranked[len(ranked) // 2])):
        url = f"/enterprises/{tax}/"
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        runs_of(f"enterprise page, {label} enterprise ({n:,} declarations in {args.last_year}; "
                f"{len(ctx.captured_queries)} queries)", lambda url=url: client.get(url), max(args.runs, 10))
        if label == "busiest":
            plans_of("enterprise page", ctx.captured_queries)


def plans_of(label: str, queries) -> None:
    """The partitions each query that reads a partitioned table reads (EXPLAIN ANALYZE of the query as it ran):
    a query that reads every month grows with the history."""
    from partition_plans import explain, summary

    print(f"  {label}: its queries that read the partitioned tables (partitions read, EXPLAIN ANALYZE):")
    for q in queries:
        sql = q["sql"]
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or not re.search(
                r"\b(declarations_declaration|declarations_declarationline|risk_declarationscore)\b", sql):
            continue
        try:
            relations, ms = explain(sql.replace("%", "%%"))  # the SQL as it ran, its values inlined
        except Exception as exc:  # e.g. a table of the scan's own, gone since
            print(f"    (not explained: {str(exc).splitlines()[0][:100]}) — {' '.join(sql.split())[:120]}")
            continue
        short = summary(relations)
        RESULTS.setdefault("plans", {}).setdefault(label, []).append(
            {"sql": " ".join(sql.split())[:400], "partitions": short, "ms": round(ms, 1)})
        print(f"    {short} — {ms:.1f} ms — {' '.join(sql.split())[:160]}", flush=True)


def forms(args, unit, admin):
    import datetime as dt

    from stq.reports import builder, layout
    from stq.reports.periods import named_period, parse_period

    f19, f20 = layout.load("19"), layout.load("20")
    year = named_period(str(args.last_year))
    five = parse_period(date_from=dt.date(args.first_year, 1, 1), date_to=dt.date(args.last_year, 12, 31))
    for label, period in ((str(args.last_year), year), (f"{args.first_year}–{args.last_year}", five)):
        for name, lay in (("19", f19), ("20", f20)):
            runs_of(f"form {name}, national, {label}", lambda lay=lay, period=period: builder.build_report(
                lay, unit=unit, period=period, user=admin), max(args.runs, 5))


def scoring(args):
    """Model scoring of one month of stored declarations (the last month) beside the bare compiled predict of the
    same rows (risk_engine.compiled_predict_limit)."""
    import datetime as dt

    from risk_engine import compiled_predict_limit

    from stq.org.models import Unit
    from stq.risk import training
    from stq.risk.compiled import compile_classifier
    from stq.risk.management.commands.evaluate_risk import DEFAULT_TRAIN, shared_data_dir
    from stq.risk.ml.model import load_model
    from stq.risk.models import ModelVersion

    Unit.objects.get_or_create(code="BENCH", defaults={"name": "Cục Hải quan", "level_label": "Cục"})
    version = ModelVersion.objects.filter(is_active=True).first() or training.train_from_files(
        [shared_data_dir() / DEFAULT_TRAIN])
    compile_classifier(load_model(version.artefact_path), training.artefact_root().parent / "compiled")
    since = dt.date(args.last_year, 12, 1)
    print(f"scoring of the declarations registered since {since} (one 31-day window), model v{version.number}:")
    runs = []
    for _ in range(args.runs):
        before = load_avg()
        scored = training.score_declarations(model_version=version, since=since)
        rows, limit, _cpu = compiled_predict_limit(version, since=since)
        run = {"declarations": scored["declarations"], "lines": scored["lines"], "seconds": scored["seconds"],
               "compiled_predict_rows": rows, "compiled_predict_seconds": round(limit, 2),
               "times_compiled_predict": round(scored["seconds"] / limit, 2),
               "seconds_per_million_lines": round(scored["seconds"] / scored["lines"] * 1e6, 1),
               "load_before": before, "load_after": load_avg(), "stages": scored.get("stages")}
        runs.append(run)
        print(f"  {run['declarations']:,} declarations ({run['lines']:,} lines) in {run['seconds']:.1f} s = "
              f"{run['seconds_per_million_lines']} s per million lines; compiled predict of the same {rows:,} rows "
              f"{limit:.2f} s; {run['times_compiled_predict']} × compiled predict; load average {before} → "
              f"{run['load_after']}", flush=True)
    RESULTS["scoring"] = runs
    print(f"  → scoring {spread([r['seconds'] for r in runs])} s; "
          f"{spread([r['times_compiled_predict'] for r in runs], lambda v: f'{v:.2f}')} × compiled predict; "
          f"{spread([r['seconds_per_million_lines'] for r in runs])} s per million lines", flush=True)


def alert_scan(args):
    """A new batch (50,000 goods lines registered over 5 working days of the next January) imported through the
    importer, then its alert scan (risk.alerts.scan_import), `runs` times (the scan's record deleted between)."""
    import datetime as dt

    from stq.declarations.demo import COLUMNS, demo_tax_codes, generate_rows
    from stq.declarations.models import Declaration
    from stq.risk import alerts
    from stq.risk.models import AlertScan

    year = args.last_year + 1
    days = [dt.date(year, 1, d) for d in (5, 6, 7, 8, 9)]
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", encoding="utf-8", delete=False) as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        # numbers after those of any earlier batch of that year (a measure run again brings new declarations)
        after = Declaration.objects.filter(registered_on__year=year).count()
        for row in generate_rows(50_000, tax_codes=demo_tax_codes(ENTERPRISES), year=year, seed=year + after,
                                 start_number=(year - 2020) * 100_000_000 + after):
            row[1] = days[int(row[0][2:11]) % 5].isoformat()  # a declaration's lines keep one day
            writer.writerow(row)
    t = time.monotonic()
    job = import_file(fh.name, "new-batch.csv")
    os.unlink(fh.name)
    print(f"new batch: {job.status}, {job.rows_done:,} lines imported in {time.monotonic() - t:.1f} s "
          f"(load average {load_avg()})", flush=True)

    def scan():
        AlertScan.objects.filter(import_job_id=job.pk).delete()
        return alerts.scan_import(job.pk)
    result = runs_of("alert scan of the new batch (50,000 lines)", scan, args.runs, unit="s")
    RESULTS["alerts"] = getattr(result, "alerts", None)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        scan()
    plans_of("alert scan", ctx.captured_queries)


def sizes() -> dict:
    """Heap (with its TOAST, free-space and visibility maps), index and TOAST bytes per table, summed over the
    partitions of a partitioned table."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("""
            SELECT p.relname, COUNT(t.relid) FILTER (WHERE t.isleaf AND p.relkind = 'p'),
                   SUM(pg_table_size(k.oid)), SUM(pg_indexes_size(k.oid)),
                   SUM(COALESCE(pg_total_relation_size(NULLIF(k.reltoastrelid, 0)), 0)),
                   SUM(pg_total_relation_size(k.oid)),
                   SUM(k.reltuples) FILTER (WHERE k.reltuples > 0 AND k.relkind = 'r')
            FROM pg_class p JOIN pg_namespace n ON n.oid = p.relnamespace AND n.nspname = 'public'
            LEFT JOIN LATERAL pg_partition_tree(p.oid) t ON true  -- nothing for a plain table
            JOIN pg_class k ON k.oid = COALESCE(t.relid, p.oid)
            WHERE p.relkind IN ('r', 'p') AND NOT p.relispartition
            GROUP BY p.relname ORDER BY 6 DESC""")
        rows = c.fetchall()
        c.execute("SELECT pg_database_size(current_database())")
        db = c.fetchone()[0]
    return {"tables": [{"table": r[0], "partitions": r[1], "table_bytes": int(r[2]), "index_bytes": int(r[3]),
                        "toast_bytes": int(r[4]), "total_bytes": int(r[5]), "rows": int(r[6] or 0)} for r in rows],
            "database_bytes": db}


def gb(n: float) -> str:
    return f"{n / 1e9:,.2f}"


def report_sizes(target_lines: int) -> None:
    from django.db import connection

    data = sizes()
    RESULTS["sizes"] = data
    n = counts()
    factor = target_lines / n["lines"]
    # linear in the lines: the partitioned tables, the number registry, and the import's side tables (the traded
    # origins; the peer prices, which the daily job prunes to the last 400 days: an upper bound for them)
    grows = {"declarations_declaration", "declarations_declarationline", "risk_declarationscore",
             "declarations_declarationnumber", "declarations_originday", "declarations_peerprice"}
    print(f"\nsizes at {n['lines']:,} goods lines / {n['declarations']:,} declarations ({n['first']} … {n['last']}); "
          f"database {gb(data['database_bytes'])} GB:")
    print("| table | partitions | rows (estimate) | table GB | of which TOAST GB | indexes GB | total GB | "
          f"at {target_lines / 1e6:,.0f} M lines, total GB |")
    print("|---|---|---|---|---|---|---|---|")
    big, rest = 0.0, 0.0
    for t in data["tables"]:
        if t["total_bytes"] < 1e6:
            continue
        if t["table"] == "risk_declarationscore":  # one score per declaration, when all are scored
            with connection.cursor() as c:
                c.execute("SELECT COUNT(*) FROM risk_declarationscore")
                t["rows"] = c.fetchone()[0]
            scaled = t["total_bytes"] / max(1, t["rows"]) * n["declarations"] * factor
        else:
            scaled = t["total_bytes"] * factor if t["table"] in grows else t["total_bytes"]
        big += scaled if t["table"] in grows else 0
        rest += 0 if t["table"] in grows else t["total_bytes"]
        print(f"| {t['table']} | {t['partitions'] or '—'} | {t['rows']:,} | {gb(t['table_bytes'])} | "
              f"{gb(t['toast_bytes'])} | {gb(t['index_bytes'])} | {gb(t['total_bytes'])} | "
              f"{gb(scaled)}{'' if t['table'] in grows else ' (does not grow with the lines)'} |")
    lines = next(t for t in data["tables"] if t["table"] == "declarations_declarationline")
    per_line = lines["total_bytes"] / n["lines"]
    with connection.cursor() as c:  # the months that hold lines
        c.execute("SELECT pg_total_relation_size(relid) FROM pg_partition_tree('declarations_declarationline') "
                  "WHERE isleaf AND pg_total_relation_size(relid) > 1e6")
        month_sizes = sorted(r[0] for r in c.fetchall()) or [0]
    months = len(month_sizes)
    RESULTS["extrapolation"] = {"target_lines": target_lines, "factor": factor, "declaration_tables_gb": big / 1e9,
                                "other_tables_gb": rest / 1e9, "bytes_per_line_lines_table": per_line}
    print(f"\nextrapolation to {target_lines / 1e6:,.0f} M goods lines (× {factor:.1f}, linear in the lines for the "
          f"partitioned tables, the number registry, the traded origins and the peer prices; the scores as if every "
          f"declaration were scored): "
          f"{gb(big)} GB + {gb(rest)} GB for the other tables; "
          f"goods lines {per_line:,.0f} bytes each with their indexes; a month's partition of lines (with its "
          f"indexes) now median {gb(statistics.median(month_sizes))} GB, largest {gb(month_sizes[-1])} GB over "
          f"{months} months; ≈ {gb(statistics.median(month_sizes) * factor)} / {gb(month_sizes[-1] * factor)} GB at "
          f"{target_lines / 1e6:,.0f} M lines over the same months", flush=True)
    RESULTS["extrapolation"]["lines_month_bytes"] = {"median": statistics.median(month_sizes),
                                                     "max": month_sizes[-1], "months": months}


def measure(args):
    from django.db import connection

    unit, admin = workflow(args.cases, args.payments, args.first_year, args.last_year - args.first_year + 1)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    n = counts()
    RESULTS["counts"] = n
    print(f"\nmeasure at {n['declarations']:,} declarations, {n['lines']:,} goods lines ({n['first']} … "
          f"{n['last']}); load average {load_avg()}", flush=True)
    search(args)
    enterprise_page(args, admin)
    forms(args, unit, admin)
    scoring(args)
    alert_scan(args)
    report_sizes(args.target_lines)
    print(f"\nload average at the end {load_avg()}")


if __name__ == "__main__":
    main()
