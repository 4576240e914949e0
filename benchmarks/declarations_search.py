"""Declaration search by tax code and date range: p50/p95 over 200 random queries.

    python benchmarks/declarations_search.py            # on the database the import benchmark filled
    python benchmarks/declarations_search.py --10m [N]  # generate N goods lines (default 10,000,000) in SQL into a
                                                        # separate database, measure, then drop that database

The ``--10m`` mode fills the real tables (created by the migrations) of ``stq_bench_decl10m`` with
``INSERT … SELECT … FROM generate_series`` (3 lines per declaration, 100,000 importers/exporters with a skewed
activity — the biggest files ≈ 10,000 declarations a year —, 2,000 declarants, dates spread at random over 2025, so
matching rows are scattered over the heap), then ANALYZE. Queries go through ``selectors.declaration_search``, the
selector the API and the page use; "page" = the first 50 rows, "page + count" = what the API's paginator runs.
"""

import datetime as dt
import os
import random
import statistics
import sys
import time

import _decl_bench

GENERATE = """
INSERT INTO declarations_declaration (base_number, revision, registered_on, customs_office, procedure_type, flow,
  channel, declarant_tax_code, importer_exporter_tax_code, partner_name, partner_country, transport_mode, incoterms,
  currency, exchange_rate, invoice_value, customs_value, total_tax, line_count)
SELECT lpad(g::text, 11, '0'), 0, date '2025-01-01' + (hashint4(g) & 2147483647) % 365, '01B1',
       (ARRAY['A11', 'A12', 'E31', 'B11'])[1 + g % 4], CASE WHEN g % 3 = 0 THEN 'E' ELSE 'I' END, 1 + g % 3,
       CASE WHEN g % 10 < 3 THEN t.tc ELSE '03' || lpad((g % 2000)::text, 8, '0') END, t.tc,
       'Partner ' || (g % 5000), 'CN', '2', 'CIF', 'USD', 25400, 100, (g % 100000) * 1000, (g % 100000) * 100, 3
FROM generate_series(1, {n}) g,
     LATERAL (SELECT '01' || lpad(floor(100000 * power((hashint4(g * 7 + 1) & 2147483647) / 2147483648.0, 2))::int
                                  ::text, 8, '0') AS tc) t
"""
GENERATE_LINES = """
INSERT INTO declarations_declarationline (declaration_id, line_no, hs_code, description, origin_country, quantity,
  unit, unit_price, customs_value, import_duty_rate, import_duty, vat_rate, vat, excise_rate, excise,
  environmental_tax, trade_remedy_tax, inspection_result, registered_on)
SELECT d.id, l, lpad(((d.id * 31 + l) % 97000000 + 1000000)::text, 8, '0'), 'goods', 'CN', 10, 'PCE', 10,
       d.customs_value / 3, 0, 0, 10, d.customs_value / 30, 0, 0, 0, 0, '', d.registered_on
FROM declarations_declaration d CROSS JOIN generate_series(1, 3) l
"""


def generate(lines: int) -> None:
    from django.db import connection

    from stq.declarations import partitions

    t = time.monotonic()
    partitions.ensure_months(dt.date(2025, 1, 1), dt.date(2025, 12, 31))  # the months the dates below reach
    with connection.cursor() as c:
        c.execute("SET synchronous_commit = off")
        c.execute("SET maintenance_work_mem = '512MB'")
        # the number registry too: TRUNCATE fires no delete trigger
        c.execute("TRUNCATE declarations_declarationline, declarations_declaration, declarations_declarationnumber")
        c.execute(GENERATE.replace("{n}", str(lines // 3)))
        c.execute(GENERATE_LINES)
        c.execute("ANALYZE declarations_declaration")
        c.execute("ANALYZE declarations_declarationline")
        c.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = c.fetchone()[0]
    print(f"generated {lines:,} lines in SQL in {time.monotonic() - t:.0f}s (database {size})")


def measure(label, codes, search, rng, with_count, *, year=2025):
    """200 searches (tax code + 60 days from a random day of `year`); prints and returns p50 / p95 / max in ms."""
    from stq.declarations.selectors import declaration_search

    times = []
    for _ in range(200):
        start = dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
        qs = declaration_search(search.user, tax_code=rng.choice(codes), date_from=start,
                                date_to=start + dt.timedelta(days=60))
        t = time.perf_counter()
        list(qs[:50])
        if with_count:
            qs.count()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"  {label}: p50 {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms, "
          f"max {times[-1]:.1f} ms")
    return {"p50": statistics.median(times), "p95": times[int(len(times) * 0.95)], "max": times[-1]}


if __name__ == "__main__":
    big = "--10m" in sys.argv
    if big:
        n = int(next((a for a in sys.argv[1:] if a.isdigit()), 10_000_000))
        _decl_bench.BENCH_URL = os.environ.get("DECL_SEARCH_URL", "postgres://postgres@127.0.0.1:5432/stq_bench_decl10m")
    _decl_bench.setup()
    from django.db import connection

    import stq.declarations.selectors as sel
    from stq.declarations.models import Declaration, DeclarationLine

    class Anyone:
        is_authenticated = True
        is_active = True

    class Search:
        user = Anyone()

    sel.may = lambda user, action: True
    try:
        if big:
            generate(n)
        with connection.cursor() as c:
            c.execute("ANALYZE declarations_declaration")
        lines = DeclarationLine.objects.count()
        decls = Declaration.objects.count()
        rng = random.Random(3)
        uniform = list(Declaration.objects.values_list("importer_exporter_tax_code", flat=True).distinct()
                       .order_by()[:100_000])
        with connection.cursor() as c:  # tax codes weighted by activity: the code of random declarations
            c.execute("SELECT importer_exporter_tax_code FROM declarations_declaration TABLESAMPLE SYSTEM (1) "
                      "LIMIT 5000")
            weighted = [r[0] for r in c.fetchall()]
        print(f"{decls:,} declarations / {lines:,} lines; 200 queries each, tax code + 60-day range:")
        measure("enterprises uniform, page of 50", uniform, Search, rng, False)
        measure("enterprises uniform, page + count", uniform, Search, rng, True)
        measure("weighted by activity, page of 50", weighted, Search, rng, False)
        measure("weighted by activity, page + count", weighted, Search, rng, True)
    finally:
        if big:
            connection.close()
            _decl_bench.drop()
            print("benchmark database dropped")
