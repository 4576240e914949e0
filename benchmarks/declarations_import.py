"""Import throughput on PostgreSQL: generate N goods lines (default 2,000,000) and import them end to end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stq_bench_decl python benchmarks/declarations_import.py [N]
        [--file PATH]   import this file (e.g. one generated earlier with the same generator) instead of generating
        [--drop]        drop the database at the end (else it is kept for the two other benchmarks)

The database is dropped and recreated first (an import into a database already holding the file would measure a
no-op). Prints lines/s (end to end: checksum, copy into media, count, COPY of the raw CSV + validation in SQL,
duplicate and same-revision checks, merge, activity refresh, commit), the peak RSS of the process, the load average
before and after (the machine is shared), the WAL the server wrote meanwhile and its checkpoints (the whole
server: other databases' writes count too), and the CPU seconds spent by this process and by the PostgreSQL backends
of the import: the import's own connection, and the two other connections of the merge (the side connection that
streams the goods lines, the aggregates of the activity profile); parallel query workers are not included. Then the
time of every step over 0.5 s, in order: SQL statements, the COPY streams, the commit. The risk app's alert scan,
which a finished import enqueues as a background task, is disconnected (not part of the import).
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


STEPS = []  # (seconds, main backend CPU seconds, label)


def step(label, fn, pid):
    t0, c0 = time.monotonic(), backend_cpu(pid)
    try:
        return fn()
    finally:
        if (d := time.monotonic() - t0) > 0.5:
            STEPS.append((d, backend_cpu(pid) - c0, label))


def main():
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 2_000_000))
    given = sys.argv[sys.argv.index("--file") + 1] if "--file" in sys.argv else None
    drop()
    setup()
    from django.core.files import File
    from django.db import connection

    from stq.declarations import importer, sql_validation
    from stq.declarations.signals import import_succeeded

    # the risk app's alert scan of a finished import runs afterwards in a background task: not part of the import
    import_succeeded.disconnect(dispatch_uid="stq.risk.import_finished")

    from stq.declarations.demo import demo_tax_codes, write_csv
    from stq.declarations.services import import_job_create

    if given:
        path = given
        print(f"file {path} ({os.path.getsize(path) / 1e6:,.0f} MB)")
    else:
        path = tempfile.mktemp(suffix=".csv")
        t = time.monotonic()
        write_csv(path, n, tax_codes=demo_tax_codes(20_000), year=2025, seed=1)
        print(f"generated {n:,} lines ({os.path.getsize(path) / 1e6:,.0f} MB) in {time.monotonic() - t:.1f}s")
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        pid = c.fetchone()[0]

    def log_statements(execute, sql, params, many, context):
        return step(" ".join(sql.split())[:100], lambda: execute(sql, params, many, context), pid)
    connection.execute_wrappers.append(log_statements)
    commit = connection.commit
    connection.commit = lambda: step("COMMIT", commit, pid)
    copy_raw = sql_validation.copy_raw
    sql_validation.copy_raw = lambda *a: step("COPY the raw CSV (all chunks)", lambda: copy_raw(*a), pid)
    copy_into = importer.SideConnection.copy_into
    importer.SideConnection.copy_into = lambda self, cursor, select, target: step(
        f"COPY {target.split(' ')[0]} FROM STDIN (binary, streamed from the side connection)",
        lambda: copy_into(self, cursor, select, target), pid)
    others = []  # CPU seconds of the other connections, read just before they close

    close = importer.SideConnection.close

    def side_close(self):
        others.append(("side connection", backend_cpu(self.conn.info.backend_pid), None))
        close(self)
    importer.SideConnection.close = side_close
    run = importer.StagedAggregates._run

    def aggregates_run(self):
        t0 = time.monotonic()
        run(self)
        others.append(("profile aggregates", backend_cpu(self._conn.info.backend_pid), time.monotonic() - t0))
    importer.StagedAggregates._run = aggregates_run

    def server_counters():
        with connection.cursor() as c:
            c.execute("SELECT pg_current_wal_lsn(), checkpoints_req + checkpoints_timed FROM pg_stat_bgwriter")
            return c.fetchone()

    wal0, checkpoints0 = server_counters()
    load_before = os.getloadavg()
    cpu0, db0 = own_cpu(), backend_cpu(pid)
    t = time.monotonic()
    with open(path, "rb") as fh:
        job = step("checksum + copy into media (import_job_create)",
                   lambda: import_job_create(actor=None, file=File(fh, name="bench.csv"), enqueue=False), pid)
    job = importer.run_import(job)
    elapsed = time.monotonic() - t
    cpu, db = own_cpu() - cpu0, backend_cpu(pid) - db0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"import: {job.status}, {job.rows_done:,} lines, {job.declarations_new:,} declarations in {elapsed:.1f}s "
          f"= {job.rows_done / elapsed:,.0f} lines/s; peak RSS {rss:.0f} MB")
    side = " + ".join(f"{name} {secs:.1f}s" + (f" (ran {wall:.1f}s)" if wall else "") for name, secs, wall in others)
    print(f"CPU: this process {cpu:.1f}s, its PostgreSQL backend {db:.1f}s, the merge's other backends: {side} "
          f"= {db + sum(s for _, s, _ in others):.1f}s in all (parallel workers not included)")
    load_after = os.getloadavg()
    wal1, checkpoints1 = server_counters()
    with connection.cursor() as c:
        c.execute("SELECT pg_wal_lsn_diff(%s, %s), current_setting('max_wal_size')", [wal1, wal0])
        wal, max_wal = c.fetchone()
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after; WAL written by the server "
          f"meanwhile {float(wal) / 1e6:,.0f} MB, checkpoints {checkpoints1 - checkpoints0} (max_wal_size {max_wal})")
    print("steps over 0.5 s (wall s, CPU s of the import's backend):")
    for d, c, label in STEPS:
        print(f"  {d:6.1f}s {c:6.1f}  {label}")
    job.file.delete(save=False)  # the copy in media (413 MB for 2 M lines), one per run otherwise
    if not given:
        os.unlink(path)
    if "--drop" in sys.argv:
        drop()


if __name__ == "__main__":
    main()
