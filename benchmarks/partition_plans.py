"""Plans of the main query paths on the partitioned declaration history (issue 20 item 1, PARTITIONING.md).

Loads `years` years of generated declarations (one file a year, `lines` goods lines each, through the real
importer) into a separate database, then prints, for each path, the partitions its plan reads and the time of
``EXPLAIN ANALYZE``; the scoring read is also run as it was before the lines carried their date (the range on the
headers only), to show what the lines' condition saves.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stq_plans .venv/bin/python benchmarks/partition_plans.py \\
        [--years 5] [--lines 60000] [--keep]
The database named by DATABASE_URL is dropped and recreated (default stq_bench_plans).
"""

import json
import os
import re
import sys
import tempfile
import time
from collections import defaultdict

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stq_bench_plans")
import _decl_bench  # noqa: E402

_decl_bench.BENCH_URL = os.environ["DATABASE_URL"]


def arg(name, default):
    return int(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def explain(sql, args=()):
    from django.db import connection

    with connection.cursor() as c:
        c.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", list(args))
        plan = c.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    from stq.declarations.partitions import plan_relations

    return plan_relations(plan), plan[0]["Execution Time"]


def summary(relations) -> str:
    """{table: months} in a short form: declarations_declarationline_202503 → lines 2025-03."""
    short = {"declarations_declaration": "headers", "declarations_declarationline": "lines",
             "risk_declarationscore": "scores"}
    months = defaultdict(list)
    for name in relations:
        m = re.fullmatch(r"(.+)_(\d{4})(\d{2})", name)
        if m and m.group(1) in short:
            months[short[m.group(1)]].append(f"{m.group(2)}-{m.group(3)}")
        elif name in short:
            months[short[name]].append("(not partitioned)")
    out = []
    for table, ms in sorted(months.items()):
        ms.sort()
        out.append(f"{table}: {len(ms)} ({ms[0]}{' … ' + ms[-1] if len(ms) > 1 else ''})")
    return "; ".join(out) or "—"


def qs_sql(qs):
    sql, params = qs.query.sql_with_params()
    return sql, params


def main():
    years, lines = arg("--years", 5), arg("--lines", 60_000)
    _decl_bench.drop()
    _decl_bench.setup()
    import datetime as dt

    from django.core.files import File
    from django.db import connection

    from stq.declarations import importer, partitions, selectors
    from stq.declarations.demo import demo_tax_codes, write_csv
    from stq.declarations.models import Declaration
    from stq.declarations.services import import_job_create
    from stq.declarations.signals import import_succeeded
    from stq.risk import arrival, criteria, training
    from stq.risk.models import DeclarationScore

    import_succeeded.disconnect(dispatch_uid="stq.risk.import_finished")
    selectors.may = lambda user, permission: True  # the search selector's permission check: no users here
    print(f"load average {os.getloadavg()[0]:.1f}; partitioned: {partitions.is_partitioned()}")
    last_year = 2025
    jobs = []
    for year in range(last_year - years + 1, last_year + 1):
        path = tempfile.mktemp(suffix=".csv")
        write_csv(path, lines, tax_codes=demo_tax_codes(5_000), year=year, seed=year,
                  start_number=(year - 2000) * 1_000_000)
        t = time.monotonic()
        with open(path, "rb") as fh:
            job = import_job_create(actor=None, file=File(fh, name=f"{year}.csv"), fmt="stq", dry_run=False,
                                    enqueue=False)
        job = importer.run_import(job)
        os.unlink(path)
        jobs.append(job)
        print(f"import {year}: {job.status}, {job.lines_written:,} lines in {time.monotonic() - t:.1f} s")
    with connection.cursor() as c:
        c.execute("ANALYZE")
        c.execute("SELECT COUNT(*) FROM declarations_declaration")
        n_decl = c.fetchone()[0]
        c.execute("SELECT COUNT(*) FROM declarations_declarationline")
        n_lines = c.fetchone()[0]
        live = partitions.attached(c)
    print(f"{n_decl:,} declarations, {n_lines:,} goods lines, {len(live)} partitions "
          f"({len(live) // 3} months × 3 tables); load average {os.getloadavg()[0]:.1f}\n")

    tax = Declaration.objects.filter(registered_on__year=last_year).values_list(
        "importer_exporter_tax_code", flat=True).first()
    some = Declaration.objects.filter(registered_on__year=last_year, registered_on__month=3).first()
    paths = []
    qs = selectors.declaration_search(None, tax_code=tax or "", date_from=dt.date(last_year, 3, 1),
                                      date_to=dt.date(last_year, 4, 30), hs="85")
    paths.append(("declaration search: tax code + 2 months + HS prefix", *qs_sql(qs)))
    qs = selectors.by_number(Declaration.objects.all(), some.number)
    paths.append(("detail page: header by number (through the registry)", *qs_sql(qs)))
    paths.append(("detail page: its goods lines", *qs_sql(some.goods_lines())))
    where, args = training.window_where(dt.date(last_year, 3, 1), dt.date(last_year, 4, 1))
    paths.append(("model scoring: read of one 31-day window", training._lines_sql(where), args))
    paths.append(("  the same, as before (range on the headers only)",
                  training._lines_sql("WHERE d.registered_on >= %s AND d.registered_on < %s"
                                      ).replace(" AND d.registered_on = l.registered_on", ""), args[:2]))
    kind = criteria.get_kind("price_below_peer_median")
    sql, args = kind.sql(kind.validate({"ratio": 0.5, "min_peers": 5, "lookback_days": 90}),
                         dt.date(last_year, 12, 31), None)
    paths.append(("criteria run: price below the peers' median, 90 days", sql, args))
    paths.append(("risk on arrival: the lines of the last import job", training._lines_sql(
        arrival.jobs_where([jobs[-1].pk])[0]), arrival.jobs_where([jobs[-1].pk])[1]))
    qs = DeclarationScore.objects.filter(registered_on__gte=dt.date(last_year, 7, 1)).values("tax_code")
    paths.append(("enterprise scores since 1 July", *qs_sql(qs)))
    qs = DeclarationScore.objects.filter(declaration_id=some.pk, registered_on=some.registered_on)
    paths.append(("score of a declaration", *qs_sql(qs)))
    print("| path | partitions read | EXPLAIN ANALYZE |\n|---|---|---|")
    for label, sql, args in paths:
        relations, ms = explain(sql, args)
        print(f"| {label} | {summary(relations)} | {ms:.1f} ms |")
    print(f"\nload average {os.getloadavg()[0]:.1f}")
    if "--keep" not in sys.argv:
        connection.close()
        _decl_bench.drop()


if __name__ == "__main__":
    main()
