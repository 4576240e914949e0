"""Activity-profile refresh after an import of 100,000 lines (on the database the import benchmark filled).

Then (``--amend``) an import of 10,000 lines that are revision 1 of declarations already loaded (the first ones of
the import benchmark's file): the pairs of replaced revisions are recomputed exactly, the rest is added.
"""

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

    original_merged = activity.refresh_merged

    def timed_merged(cursor, job_id, hdr_table):  # the PostgreSQL path: additive refresh in SQL
        t = time.monotonic()
        rows = original_merged(cursor, job_id, hdr_table)
        secs = time.monotonic() - t
        cursor.execute(f"SELECT COUNT(DISTINCT (importer_exporter_tax_code, date_trunc('month', registered_on))) "
                       f"FROM {hdr_table}")
        timings.append((secs, rows, cursor.fetchone()[0]))
        return rows

    importer.activity.refresh = timed
    importer.activity.refresh_merged = timed_merged
    from stq.declarations.models import ImportJob

    start = 500_000_000 + 1_000_000 * ImportJob.objects.count()  # new declaration numbers on every run
    path = tempfile.mktemp(suffix=".csv")
    write_csv(path, n, tax_codes=demo_tax_codes(20_000), year=2025, seed=99, start_number=start)
    t = time.monotonic()
    with open(path, "rb") as fh:
        job = import_job_create(actor=None, file=File(fh, name="profile.csv"), enqueue=False)
    job = importer.run_import(job)
    total = time.monotonic() - t
    secs, rows, pairs = timings[0]
    print(f"import of {job.rows_done:,} lines: {total:.1f}s; profile refresh {secs:.2f}s "
          f"({pairs:,} (enterprise, month) pairs, {rows:,} rows)")

    if "--amend" in sys.argv:
        import csv

        src = tempfile.mktemp(suffix=".csv")
        write_csv(src, 10_000, tax_codes=demo_tax_codes(20_000), year=2025, seed=1)  # as the import benchmark's
        amended = tempfile.mktemp(suffix=".csv")
        with open(src, newline="") as fi, open(amended, "w", newline="") as fo:
            r, w = csv.reader(fi), csv.writer(fo)
            w.writerow(next(r))
            for cells in r:
                cells[0] = cells[0][:11] + "1"
                w.writerow(cells)
        timings.clear()
        t = time.monotonic()
        with open(amended, "rb") as fh:
            job = import_job_create(actor=None, file=File(fh, name="amend.csv"), enqueue=False)
        job = importer.run_import(job)
        total = time.monotonic() - t
        print(f"amendment import of {job.rows_done:,} lines ({job.declarations_replaced:,} revisions replaced): "
              f"{total:.1f}s; profile refresh {timings[0][0]:.2f}s")
