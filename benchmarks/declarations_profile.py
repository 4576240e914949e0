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

    # the PostgreSQL path: the aggregates are computed on another connection during the merge (timed apart), the
    # merge transaction adds them and recomputes the replaced pairs exactly (timed together as "profile refresh")
    original_apply, original_recompute = activity.apply_staged, activity.recompute_replaced_pairs
    original_run = importer.StagedAggregates._run
    pending = {}

    def timed_apply(cursor, agg_table):
        pending["t"] = time.monotonic()
        pending["rows"] = original_apply(cursor, agg_table)
        cursor.execute(f"SELECT COUNT(DISTINCT (tc, m)) FROM {agg_table}")
        pending["pairs"] = cursor.fetchone()[0]
        return pending["rows"]

    def timed_recompute(cursor):
        rows = original_recompute(cursor)
        timings.append((time.monotonic() - pending["t"], pending["rows"] + rows, pending["pairs"]))
        return rows

    def timed_run(self):
        t = time.monotonic()
        original_run(self)
        pending["aggregates"] = time.monotonic() - t

    importer.activity.refresh = timed
    importer.activity.apply_staged = timed_apply
    importer.activity.recompute_replaced_pairs = timed_recompute
    importer.StagedAggregates._run = timed_run
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
    print(f"import of {job.rows_done:,} lines: {total:.1f}s; profile refresh {secs:.2f}s in the merge transaction "
          f"({pairs:,} (enterprise, month) pairs, {rows:,} rows); aggregates on the other connection, during the "
          f"merge: {pending.get('aggregates', 0):.2f}s")

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
              f"{total:.1f}s; profile refresh {timings[0][0]:.2f}s in the merge transaction; aggregates on the "
              f"other connection {pending.get('aggregates', 0):.2f}s")
