"""Enterprise search latency on 100,000 enterprises (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stq_bench_enterprises \
        .venv/bin/python benchmarks/enterprise_search.py [--count 100000] [--queries 200]

Creates (or reuses) the schema in the database named by DATABASE_URL (the database must exist), fills it with
the demo generator (`stq.enterprises.demo.generate_enterprises`, deterministic) when it holds fewer enterprises
than asked, then runs mixed queries through the same selector and page the UI uses (count + first page of 25):
tax-code prefixes (4–10 digits) and accent-free name fragments (one or two words, upper/lower case).
Prints median and p95 in milliseconds, per kind and overall.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stq.settings")
os.environ.setdefault("STQ_SECRET_KEY", "benchmark-only-not-secret")  # production settings, DEBUG off


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from stq.enterprises.demo import bulk_insert, generate_enterprises
    from stq.enterprises.models import Enterprise
    from stq.enterprises.selectors import search_enterprises
    from stq.enterprises.text import normalize_name

    call_command("migrate", verbosity=0)
    have = Enterprise.objects.count()
    if have < args.count:
        t0 = time.perf_counter()
        existing = set(Enterprise.objects.values_list("tax_code", flat=True))
        todo = [e for e in generate_enterprises(args.count, seed=99) if e.tax_code not in existing]
        bulk_insert(todo, batch_size=5000)
        print(f"generated {len(todo)} enterprises in {time.perf_counter() - t0:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE enterprises_enterprise")
    total = Enterprise.objects.count()

    rnd = random.Random(1)
    sample = list(Enterprise.objects.order_by("?").values_list("tax_code", "name")[: args.queries])
    queries = []
    for i, (code, name) in enumerate(sample):
        if i % 2 == 0:
            queries.append(("tax code prefix", code[: rnd.randint(4, 10)]))
        else:
            words = normalize_name(name).split()
            start = rnd.randrange(max(1, len(words) - 1))
            frag = " ".join(words[start:start + rnd.choice([1, 2])])
            queries.append(("name fragment", frag.upper() if rnd.random() < 0.3 else frag))

    timings: dict[str, list[float]] = {}
    for kind, query in queries:
        t0 = time.perf_counter()
        qs = search_enterprises(query)
        qs.count()
        list(qs[:25])
        timings.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)

    def line(label, values):
        values = sorted(values)
        p95 = values[max(0, int(round(0.95 * len(values))) - 1)]
        return f"{label:<18} n={len(values):<4} median {statistics.median(values):8.1f} ms   p95 {p95:8.1f} ms"

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; enterprises: {total}")
    for kind, values in timings.items():
        print(line(kind, values))
    print(line("all", [v for values in timings.values() for v in values]))


if __name__ == "__main__":
    main()
