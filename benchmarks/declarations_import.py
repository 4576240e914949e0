"""Import throughput on PostgreSQL: generate N goods lines (default 2,000,000) and import them end to end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stq_bench_decl python benchmarks/declarations_import.py [N]

Prints lines/s (end to end: checksum, copy into media, count, stream + validate + COPY, duplicate check, merge,
activity refresh) and the peak RSS of the process. Keeps the database for the two other benchmarks
(`--drop` drops it).
"""

import resource
import sys
import tempfile
import time

from _decl_bench import drop, setup

if __name__ == "__main__":
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 2_000_000))
    setup()
    from django.core.files import File

    from stq.declarations.demo import demo_tax_codes, write_csv
    from stq.declarations.importer import run_import
    from stq.declarations.services import import_job_create

    path = tempfile.mktemp(suffix=".csv")
    t = time.monotonic()
    write_csv(path, n, tax_codes=demo_tax_codes(20_000), year=2025, seed=1)
    print(f"generated {n:,} lines in {time.monotonic() - t:.1f}s")
    t = time.monotonic()
    with open(path, "rb") as fh:
        job = import_job_create(actor=None, file=File(fh, name="bench.csv"), enqueue=False)
    job = run_import(job)
    elapsed = time.monotonic() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"import: {job.status}, {job.rows_done:,} lines, {job.declarations_new:,} declarations in {elapsed:.1f}s "
          f"= {job.rows_done / elapsed:,.0f} lines/s; peak RSS {rss:.0f} MB")
    if "--drop" in sys.argv:
        drop()
