"""Import throughput on PostgreSQL: generate N goods lines (default 2,000,000) and import them end to end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stq_bench_decl python benchmarks/declarations_import.py [N]

Prints lines/s (end to end: checksum, copy into media, count, COPY of the raw CSV + validation in SQL, duplicate
and same-revision checks, merge, activity refresh), the peak RSS of the process, the load average before and after
(the machine is shared), the CPU seconds spent by this process and by its PostgreSQL backend during the import
(parallel workers not included), and every SQL statement that took more than a second. The risk app's alert scan,
which a finished import enqueues as a background task, is disconnected (not part of the import). Keeps the
database for the two other benchmarks (`--drop` drops it).
"""

import os
import resource
import sys
import tempfile
import time

from _decl_bench import drop, setup


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a local PostgreSQL backend."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def log_slow_statements(execute, sql, params, many, context):
    t0 = time.monotonic()
    try:
        return execute(sql, params, many, context)
    finally:
        if (d := time.monotonic() - t0) > 1:
            print(f"  {d:6.1f}s  {' '.join(sql.split())[:100]}", flush=True)


if __name__ == "__main__":
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 2_000_000))
    setup()
    from django.core.files import File
    from django.db import connection

    from stq.declarations.signals import import_succeeded

    # the risk app's alert scan of a finished import runs afterwards in a background task: not part of the import
    import_succeeded.disconnect(dispatch_uid="stq.risk.import_finished")

    from stq.declarations.demo import demo_tax_codes, write_csv
    from stq.declarations.importer import run_import
    from stq.declarations.services import import_job_create

    path = tempfile.mktemp(suffix=".csv")
    t = time.monotonic()
    write_csv(path, n, tax_codes=demo_tax_codes(20_000), year=2025, seed=1)
    print(f"generated {n:,} lines ({os.path.getsize(path) / 1e6:,.0f} MB) in {time.monotonic() - t:.1f}s")
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        pid = c.fetchone()[0]
    load_before = os.getloadavg()
    cpu0, db0 = own_cpu(), backend_cpu(pid)
    connection.execute_wrappers.append(log_slow_statements)
    t = time.monotonic()
    with open(path, "rb") as fh:
        job = import_job_create(actor=None, file=File(fh, name="bench.csv"), enqueue=False)
    job = run_import(job)
    elapsed = time.monotonic() - t
    cpu, db = own_cpu() - cpu0, backend_cpu(pid) - db0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"import: {job.status}, {job.rows_done:,} lines, {job.declarations_new:,} declarations in {elapsed:.1f}s "
          f"= {job.rows_done / elapsed:,.0f} lines/s; peak RSS {rss:.0f} MB")
    print(f"CPU: this process {cpu:.1f}s, its PostgreSQL backend {db:.1f}s; load average (1 min) "
          f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after")
    os.unlink(path)
    if "--drop" in sys.argv:
        drop()
