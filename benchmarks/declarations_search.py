"""Declaration search by tax code and date range: p50/p95 over 200 random queries on the loaded database."""

import random
import statistics
import time

from _decl_bench import setup

if __name__ == "__main__":
    setup()
    from django.db import connection

    from stq.declarations.models import Declaration, DeclarationLine
    from stq.declarations.selectors import declaration_search

    class Anyone:
        is_authenticated = True
        is_active = True

    import stq.declarations.selectors as sel

    sel.may = lambda user, action: True
    with connection.cursor() as c:
        c.execute("ANALYZE declarations_declaration")
    lines = DeclarationLine.objects.count()
    decls = Declaration.objects.count()
    codes = list(Declaration.objects.values_list("importer_exporter_tax_code", flat=True).distinct()[:5000])
    rng = random.Random(3)
    import datetime as dt

    times = []
    for _ in range(200):
        start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 300))
        qs = declaration_search(Anyone(), tax_code=rng.choice(codes), date_from=start,
                                date_to=start + dt.timedelta(days=60))
        t = time.perf_counter()
        list(qs[:50])
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"{decls:,} declarations / {lines:,} lines: search p50 {statistics.median(times):.1f} ms, "
          f"p95 {times[int(len(times) * 0.95)]:.1f} ms")
