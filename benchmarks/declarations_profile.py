"""Activity-profile refresh after an import of 100,000 lines (on the database the import benchmark filled)."""

import sys
import tempfile
import time

from _decl_bench import setup

if __name__ == "__main__":
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 100_000))
    setup()
    from django.core.files import File

    from stq.declarations import activity, importer
    from stq.declarations.demo import demo_tax_codes, write_csv
    from stq.declarations.services import import_job_create

    timings = []
    original = activity.refresh

    def timed(touched):
        t = time.monotonic()
        rows = original(touched)
        timings.append((time.monotonic() - t, rows, sum(len(v) for v in touched.values())))
        return rows

    importer.activity.refresh = timed
    path = tempfile.mktemp(suffix=".csv")
    write_csv(path, n, tax_codes=demo_tax_codes(20_000), year=2025, seed=99, start_number=500_000_000)
    t = time.monotonic()
    with open(path, "rb") as fh:
        job = import_job_create(actor=None, file=File(fh, name="profile.csv"), enqueue=False)
    job = importer.run_import(job)
    total = time.monotonic() - t
    secs, rows, pairs = timings[0]
    print(f"import of {job.rows_done:,} lines: {total:.1f}s; profile refresh {secs:.2f}s "
          f"({pairs:,} (enterprise, month) pairs, {rows:,} rows)")
