"""Import throughput on PostgreSQL: generate N goods lines (default 2,000,000) and import them end to end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stq_bench_decl python benchmarks/declarations_import.py [N]
        [--file PATH]   import this file (e.g. one generated earlier with the same generator) instead of generating
        [--runs R]      import the file R times (default 3), each into a freshly recreated database
        [--drop]        drop the database at the end (else it is kept for the two other benchmarks)

Each run drops and recreates the database first (an import into a database already holding the file would measure
a no-op), imports the file, then measures **the limit in the same run**: a raw ``COPY`` of the same file, streamed
from this process in 1 MB chunks as the import streams it, into a plain (logged) table of text columns with no
index, committed — what PostgreSQL alone takes to take in those bytes. Each run prints the load average before it,
both rates and their ratio ("N % of raw COPY"); the end prints the minimum / median / maximum of each over the runs.

Per run, prints lines/s (end to end: checksum, copy into media, count, COPY of the raw CSV + validation in SQL,
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
import statistics
import sys
import tempfile
import time

from _decl_bench import drop, setup


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a local PostgreSQL backend (0 for one that is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:  # the migrations of a run's fresh database, before its backend is known
        return 0.0
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


PID = [0]  # the import's backend, set at the start of each run


def raw_copy(path: str, width: int) -> tuple[int, float]:
    """The limit: COPY the file as it is (header skipped) into a plain all-text table; returns (rows, seconds)."""
    from django.db import connection

    cols = ", ".join(f"c{i} text" for i in range(width))
    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_raw_copy")
        c.execute(f"CREATE TABLE bench_raw_copy ({cols})")
    t = time.monotonic()
    with connection.cursor() as c, open(path, "rb") as fh:
        with c.cursor.copy("COPY bench_raw_copy FROM STDIN (FORMAT csv, HEADER true, ENCODING 'UTF8')") as copy:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        rows = c.cursor.rowcount
    seconds = time.monotonic() - t  # autocommit: the COPY is committed when it returns
    with connection.cursor() as c:
        c.execute("DROP TABLE bench_raw_copy")
    return rows, seconds


def main():
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 2_000_000))
    given = sys.argv[sys.argv.index("--file") + 1] if "--file" in sys.argv else None
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
    drop()
    setup()
    from stq.declarations import importer, sql_validation
    from stq.declarations.signals import import_succeeded

    # the risk app's alert scan of a finished import runs afterwards in a background task: not part of the import
    import_succeeded.disconnect(dispatch_uid="stq.risk.import_finished")

    from django.db import connection

    from stq.declarations.demo import demo_tax_codes, write_csv

    if given:
        path = given
        print(f"file {path} ({os.path.getsize(path) / 1e6:,.0f} MB)")
    else:
        path = tempfile.mktemp(suffix=".csv")
        t = time.monotonic()
        write_csv(path, n, tax_codes=demo_tax_codes(20_000), year=2025, seed=1)
        print(f"generated {n:,} lines ({os.path.getsize(path) / 1e6:,.0f} MB) in {time.monotonic() - t:.1f}s")
    with open(path, encoding="utf-8") as fh:
        width = len(fh.readline().split(","))

    def log_statements(execute, sql, params, many, context):
        return step(" ".join(sql.split())[:100], lambda: execute(sql, params, many, context), PID[0])
    connection.execute_wrappers.append(log_statements)
    copy_raw = sql_validation.copy_raw
    sql_validation.copy_raw = lambda *a: step("COPY the raw CSV (all chunks)", lambda: copy_raw(*a), PID[0])
    copy_into = importer.SideConnection.copy_into
    importer.SideConnection.copy_into = lambda self, cursor, select, target: step(
        f"COPY {target.split(' ')[0]} FROM STDIN (binary, streamed from the side connection)",
        lambda: copy_into(self, cursor, select, target), PID[0])
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
        others.append(("third connection (traded-origin counts, profile aggregates)",
                       backend_cpu(self._conn.info.backend_pid), time.monotonic() - t0))
    importer.StagedAggregates._run = aggregates_run

    results = []  # (import lines/s, raw COPY lines/s)
    for i in range(runs):
        if i:  # a fresh database for each run
            connection.close()
            drop()
            setup()
        STEPS.clear()
        others.clear()
        print(f"\n--- run {i + 1} of {runs}")
        rate = import_once(path, others)
        load = os.getloadavg()
        cpu0 = backend_cpu(PID[0])
        rows, seconds = raw_copy(path, width)
        limit = rows / seconds
        print(f"limit, same run: raw COPY of the same file into a plain all-text table: {rows:,} lines in "
              f"{seconds:.1f}s = {limit:,.0f} lines/s, its backend {backend_cpu(PID[0]) - cpu0:.1f} CPU-s (load "
              f"average before it {load[0]:.2f}); import = {100 * rate / limit:.1f} % of raw COPY")
        results.append((rate, limit))

    def spread(values, fmt):
        return (f"min {fmt(min(values))} / median {fmt(statistics.median(values))} / max {fmt(max(values))}")
    print(f"\n{runs} runs: import {spread([r for r, _ in results], lambda v: f'{v:,.0f}')} lines/s; "
          f"raw COPY {spread([c for _, c in results], lambda v: f'{v:,.0f}')} lines/s; "
          f"ratio {spread([100 * r / c for r, c in results], lambda v: f'{v:.1f} %')} of raw COPY")
    if not given:
        os.unlink(path)
    if "--drop" in sys.argv:
        connection.close()
        drop()


def import_once(path: str, others: list) -> float:
    """Import the file end to end into the (fresh) database; prints the run's figures, returns its lines/s."""
    from django.core.files import File
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    from stq.declarations import importer
    from stq.declarations.services import import_job_create

    connection.ensure_connection()
    pid = PID[0] = connection.connection.info.backend_pid
    wrapper = connections[DEFAULT_DB_ALIAS]
    commit = type(wrapper).commit
    wrapper.commit = lambda: step("COMMIT", lambda: commit(wrapper), pid)

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
    del wrapper.commit
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = job.rows_done / elapsed
    print(f"import: {job.status}, {job.rows_done:,} lines, {job.declarations_new:,} declarations in {elapsed:.1f}s "
          f"= {rate:,.0f} lines/s; peak RSS {rss:.0f} MB")
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
    return rate


if __name__ == "__main__":
    main()
