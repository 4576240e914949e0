"""The import engine: stream a file, validate every row, stage, then merge all-or-nothing.

1. **Load and validate.** On PostgreSQL, for the STQ layout (the national feed), the file's bytes go straight to
   ``COPY … (FORMAT csv)`` into a text staging table and every row is checked in set-based SQL, then the valid rows
   are cast into the typed staging table — no per-row Python (``sql_validation``). Elsewhere (SQLite: the demo, and
   the public-dataset adapter, which maps each row in Python) the CSV is **streamed** with the ``csv`` module,
   mapped onto the STQ layout (``layouts``) and validated row by row (``RowValidator``: the same rules); valid rows
   go to the staging table in chunks of ``CHUNK`` rows. Either way the job's ``rows_done`` is updated after each
   chunk (committed, so the UI and the API see the progress) and row errors stream to the errors CSV.
2. **Validate in SQL** what needs the whole file: duplicate goods lines (same number, revision and line number),
   and declarations already loaded **at the same revision with different goods lines** (``revision_conflict``:
   a declaration number + revision is one document; a change must come as an amendment, a higher revision).
3. If any row is in error, or on a dry run, stop: nothing is merged. Otherwise **merge in one transaction**,
   holding a PostgreSQL advisory lock (``advisory_lock("declarations.merge")``) so that concurrent imports merge
   one after the other:
   keep the highest revision of each declaration found in the file (the header table, built before); archive the
   revisions it replaces into ``DeclarationRevision`` (header + lines as JSON); delete their lines; write the
   headers (a new declaration, or a higher revision of a stored one; the same or an older revision is a no-op);
   insert the goods lines of the declarations written and their unit prices (``peer_prices``: the peer medians'
   table); count their traded origins (``origins``: the replaced lines uncounted first); refresh the activity
   profile. On PostgreSQL the ids are
   assigned up front, the goods lines arrive as binary COPY streamed from a second connection and the profile
   aggregates are computed on a third, both reading only committed staging tables (``_merge_postgres``); on
   SQLite, an upsert and the ORM recompute of the touched profile months (``_merge_generic``).
Partitioned history (PostgreSQL, ``partitions``): before the merge transaction, the partitions of the file's months
are made if missing (their own short transaction); the stored declarations are found through the number registry
(``DeclarationNumber``: an amendment may change the date), and every read of the stored headers and lines is bounded
by the file's dates and its stored numbers' (``Stage.span``), so only those months' partitions are read. A number
whose month was archived is refused (``archived``).
Re-importing a file with the same SHA-256 is refused earlier (see ``services``), and re-importing the same content
under another checksum changes nothing, by the rules above.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date

from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone

from stq.core import locks
from stq.core.locks import advisory_lock

from . import activity, origins, partitions, peer_prices, sql_validation
from .layouts import COLUMNS, MESSAGES, READERS, STAGE_COLUMNS
from .models import (
    Declaration,
    DeclarationLine,
    DeclarationNumber,
    DeclarationRevision,
    ImportFormat,
    ImportJob,
    ImportStatus,
)
from .signals import import_succeeded

CHUNK = 20_000
MAX_ERROR_ROWS = 100_000  # rows written to the errors CSV (all are counted)
SQL_VALIDATION = True  # PostgreSQL + STQ layout: COPY the raw CSV and validate in SQL (tests switch it off)
WORK_MEM = "256MB"  # PostgreSQL work_mem during an import (see _session_work_mem)
PARALLEL_MERGE = True  # PostgreSQL: the merge streams the lines from a 2nd connection, aggregates on a 3rd

_PG_TYPES = {
    "row_no": "integer", "base_number": "varchar(11)", "revision": "smallint", "registered_on": "date",
    "channel": "smallint", "line_no": "smallint", "exchange_rate": "numeric(14,4)", "invoice_value": "numeric(20,2)",
    "quantity": "numeric(18,3)", "unit_price": "numeric(20,4)", "import_duty_rate": "numeric(7,3)",
    "vat_rate": "numeric(7,3)", "excise_rate": "numeric(7,3)", "customs_value": "bigint",
    "line_customs_value": "bigint", "import_duty": "bigint", "vat": "bigint", "excise": "bigint",
    "environmental_tax": "bigint", "trade_remedy_tax": "bigint",
}
HEADER_FIELDS = ["registered_on", "customs_office", "procedure_type", "flow", "channel", "declarant_tax_code",
                 "importer_exporter_tax_code", "partner_name", "partner_country", "transport_mode", "incoterms",
                 "currency", "exchange_rate", "invoice_value", "customs_value"]
_COMPARED_LINE_FIELDS = ["hs_code", "import_duty", "vat", "excise", "environmental_tax", "trade_remedy_tax"]
LINE_FIELDS = ["line_no", "hs_code", "description", "origin_country", "quantity", "unit", "unit_price",
               "import_duty_rate", "import_duty", "vat_rate", "vat", "excise_rate", "excise", "environmental_tax",
               "trade_remedy_tax", "inspection_result"]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def count_rows(fileobj, digest=None) -> int:
    """Data rows (newlines minus the header), counted in binary blocks from the current position; `digest` (a
    ``hashlib`` object) is fed the same blocks, so the checksum costs no second read."""
    n = 0
    last = b"\n"
    while block := fileobj.read(1 << 20):
        if digest is not None:
            digest.update(block)
        n += block.count(b"\n")
        last = block[-1:]
    return max(0, n - 1 + (last != b"\n"))


class ErrorSink:
    """Row errors streamed to a temporary CSV file."""

    def __init__(self):
        self.count = 0
        self._tmp = tempfile.NamedTemporaryFile("w+", newline="", encoding="utf-8", suffix=".csv", delete=False)
        self._writer = csv.writer(self._tmp)
        self._writer.writerow(["row", "number", "line_no", "field", "code", "message"])

    def add(self, row_no, number, line_no, field, code):
        self.count += 1
        if self.count <= MAX_ERROR_ROWS:
            self._writer.writerow([row_no, number, line_no, field, code, str(MESSAGES[code])])

    def add_unlisted(self, n: int):
        """Count ``n`` errors that are not written to the CSV (beyond the listed rows)."""
        self.count += max(0, n)

    def attach(self, job: ImportJob):
        self._tmp.flush()
        self._tmp.seek(0)
        if self.count:
            job.errors_file.save("errors.csv", File(self._tmp), save=False)

    def close(self):
        self._tmp.close()
        os.unlink(self._tmp.name)


class Stage:
    """The staging table of one job (a plain table, so chunk commits show progress; dropped at the end)."""

    def __init__(self, job_id: int):
        self.name = f"declarations_stage_{job_id}"
        self.hdr = f"{self.name}_h"  # one row per declaration: its highest revision in the file (build_header)
        self.merged = f"{self.name}_m"  # the header rows the merge writes, with their declaration ids (PostgreSQL)
        self.agg = f"{self.name}_a"  # their activity-profile aggregates (PostgreSQL, activity.staged_aggregates_sql)
        self.origin_counts = f"{self.name}_o"  # their traded-origin counts (PostgreSQL, origins.count_staged_sql)
        # the first and last registration dates of the file (build_header), widened to the stored dates of its
        # numbers (add_stored_dates: an amendment may change the date): every read of the stored declarations and
        # lines is bounded by them, so that the partitioned tables are pruned to those months
        self.span: tuple = (date.max, date.min)
        cols = ", ".join(f"{c} {_PG_TYPES.get(c, 'text')}" for c in STAGE_COLUMNS)
        unlogged = "UNLOGGED " if is_postgres() else ""
        with connection.cursor() as c:
            self.drop(c)
            c.execute(f"CREATE {unlogged}TABLE {self.name} ({cols})")

    def drop(self, cursor=None):
        def run(c):
            for table in (self.origin_counts, self.agg, self.merged, self.hdr, self.name):
                c.execute(f"DROP TABLE IF EXISTS {table}")
        if cursor is not None:
            run(cursor)
        else:
            with connection.cursor() as c:
                run(c)

    def write(self, rows: list[tuple]):
        if not rows:
            return
        with connection.cursor() as c:
            if is_postgres():
                with c.cursor.copy(f"COPY {self.name} ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(STAGE_COLUMNS))
                c.executemany(f"INSERT INTO {self.name} VALUES ({marks})", rows)

    def build_header(self):
        """The header table: per declaration (base number), the header fields of the lowest line of its highest
        revision in the file, that revision's total tax and line count, and whether any of its revisions repeats a
        line number (``dup``, for ``duplicates``). One sort of the staged lines (narrow: the header columns only),
        read by window functions that share it. Built outside the merge transaction (committed, so that a second
        connection can read it during the merge)."""
        unlogged = "UNLOGGED " if is_postgres() else ""
        hcols = ", ".join(HEADER_FIELDS)
        taxes = "import_duty + vat + excise + environmental_tax + trade_remedy_tax"
        # numbers are digits: byte order sorts them as the database collation does, without its cost (C.UTF-8 is not
        # "C" for PostgreSQL 15: every comparison would go through strcoll)
        key = 'base_number COLLATE "C"' if is_postgres() else "base_number"
        w = f"PARTITION BY {key} ORDER BY revision DESC, line_no"
        with connection.cursor() as c:
            c.execute(f"""
                CREATE {unlogged}TABLE {self.hdr} AS
                SELECT base_number, revision, {hcols}, total_tax, line_count, dup FROM (
                  SELECT y.*,
                         SUM(CASE WHEN revision = top THEN tax ELSE 0 END) OVER (PARTITION BY {key}) AS total_tax,
                         SUM(CASE WHEN revision = top THEN 1 ELSE 0 END) OVER (PARTITION BY {key}) AS line_count,
                         MAX(same) OVER (PARTITION BY {key}) AS dup
                  FROM (
                    SELECT base_number, revision, line_no, {hcols}, {taxes} AS tax,
                           ROW_NUMBER() OVER ({w}) AS rn, FIRST_VALUE(revision) OVER ({w}) AS top,
                           CASE WHEN LAG(revision) OVER ({w}) = revision AND LAG(line_no) OVER ({w}) = line_no
                                THEN 1 ELSE 0 END AS same
                    FROM {self.name}) y) x
                WHERE rn = 1""")
            c.execute(f"CREATE UNIQUE INDEX {self.hdr}_bn ON {self.hdr} (base_number)")
            if is_postgres():
                c.execute(f"ANALYZE {self.hdr}")
            c.execute(f"SELECT MIN(registered_on), MAX(registered_on) FROM {self.hdr}")
            first, last = c.fetchone()
            if first is not None:
                self.span = (_as_date(first), _as_date(last))

    def within(self, alias: str) -> str:
        """SQL: ``alias.registered_on`` within the file's dates (prunes the partitions of the stored tables)."""
        return partitions.within(alias, *self.span)

    def add_stored_dates(self):
        """Widen ``span`` to the registration dates of the file's numbers already stored (the registry,
        ``DeclarationNumber``: one index probe per number). Inside the merge transaction, the lock held."""
        R = DeclarationNumber._meta.db_table
        with connection.cursor() as c:
            c.execute(f"SELECT MIN(r.registered_on), MAX(r.registered_on) FROM {self.hdr} h "
                      f"JOIN {R} r ON r.base_number = h.base_number")
            first, last = c.fetchone()
        if first is not None:
            self.span = (min(self.span[0], _as_date(first)), max(self.span[1], _as_date(last)))

    def archived(self):
        """(first row, base number, revision) of every declaration of the file whose number is in the registry but
        whose header is no longer live: its month was archived (``partitions.archive``). The number stays taken (B7:
        one declaration per number); the file cannot bring it back."""
        R = DeclarationNumber._meta.db_table
        D = Declaration._meta.db_table
        with connection.cursor() as c:
            c.execute(f"""
                SELECT MIN(s.row_no), h.base_number, h.revision FROM {self.hdr} h
                JOIN {R} r ON r.base_number = h.base_number
                JOIN {self.name} s ON s.base_number = h.base_number
                WHERE NOT EXISTS (SELECT 1 FROM {D} d WHERE d.id = r.declaration_id
                                  AND d.registered_on = r.registered_on AND {self.within("d")})
                GROUP BY h.base_number, h.revision ORDER BY 1""")
            yield from c.fetchall()

    def duplicates(self):
        """(row, base number, revision, line number) of every goods line that repeats an earlier one (needs the
        header table: its ``dup`` flag says whether there is any)."""
        with connection.cursor() as c:
            c.execute(f"SELECT 1 FROM {self.hdr} WHERE dup = 1 LIMIT 1")
            if c.fetchone() is None:
                return
            c.execute(f"""
                SELECT row_no, base_number, revision, line_no FROM (
                  SELECT row_no, base_number, revision, line_no,
                         ROW_NUMBER() OVER (PARTITION BY base_number, revision, line_no ORDER BY row_no) AS rn
                  FROM {self.name}) x
                WHERE rn > 1 ORDER BY row_no""")
            yield from c.fetchall()

    def revision_conflicts(self):
        """(first row, base number, revision) of every declaration already stored at the revision the file carries,
        whose goods lines differ: another set of line numbers, or a line whose HS code, customs value or taxes
        differ. Identical content is not a conflict (re-importing it changes nothing)."""
        D = Declaration._meta.db_table
        L = DeclarationLine._meta.db_table
        same = " AND ".join(f"l.{f} = s.{f}" for f in _COMPARED_LINE_FIELDS)
        with connection.cursor() as c:
            c.execute(f"""
                SELECT MIN(s.row_no), s.base_number, s.revision FROM {self.name} s
                JOIN {D} d ON d.base_number = s.base_number AND d.revision = s.revision AND {self.within("d")}
                GROUP BY s.base_number, s.revision, d.id, d.registered_on
                HAVING COUNT(*) <> (SELECT COUNT(*) FROM {L} l WHERE l.declaration_id = d.id
                                    AND l.registered_on = d.registered_on AND {self.within("l")})
                    OR SUM(CASE WHEN EXISTS (SELECT 1 FROM {L} l WHERE l.declaration_id = d.id
                                             AND l.registered_on = d.registered_on AND {self.within("l")}
                                             AND l.line_no = s.line_no AND l.customs_value = s.line_customs_value
                                             AND {same}) THEN 0 ELSE 1 END) > 0
                ORDER BY 1""")
            yield from c.fetchall()


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def stream_and_stage(job: ImportJob, stage: Stage, errors: ErrorSink, progress: Callable | None) -> int:
    reader_fn = READERS[job.format]
    from .layouts import RowValidator

    validator = RowValidator()
    done = 0
    with job.file.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        rows = reader_fn(csv.reader(text))
        batch: list[tuple] = []
        try:
            for row_no, row in enumerate(rows, start=2):  # row 1 is the header
                values, problems = validator.validate(row)
                if problems:
                    for field, code in problems:
                        errors.add(row_no, row["number"], row["line_no"], field, code)
                else:
                    batch.append((row_no, *values))
                done += 1
                if len(batch) >= CHUNK or (done % CHUNK == 0):
                    stage.write(batch)
                    batch = []
                    _progress(job, done, progress)
        except ValueError as exc:
            if str(exc) != "bad_columns":
                raise
            errors.add(1, "", "", "", "bad_columns")
        except UnicodeDecodeError:
            errors.add(first_bad_utf8_line(job) or done + 2, "", "", "", "bad_encoding")
        except csv.Error:
            errors.add(done + 2, "", "", "", "bad_columns")
        stage.write(batch)
    return done


def first_bad_utf8_line(job: ImportJob) -> int | None:
    """The number of the file's first line that is not UTF-8 (the CSV readers only say "somewhere in this block")."""
    with job.file.open("rb") as raw:
        for line_no, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return line_no
    return None


def _progress(job, done, progress):
    job.rows_done = done
    ImportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=max(job.rows_total, done))
    if progress:
        progress(job)


def copy_and_validate_sql(job: ImportJob, stage: Stage, errors: ErrorSink, progress: Callable | None) -> int:
    """The PostgreSQL path for the STQ layout (see ``sql_validation``); returns the number of data rows."""
    with job.file.open("rb") as raw:
        try:
            header, _ = sql_validation.read_header(raw)
        except UnicodeDecodeError:
            errors.add(1, "", "", "", "bad_encoding")
            return 0
        if set(COLUMNS) - {h.strip() for h in header}:
            errors.add(1, "", "", "", "bad_columns")
            return 0
        table = sql_validation.RawTable(job.pk, header)
        try:
            try:
                done = sql_validation.copy_raw(table, raw, lambda n: _progress(job, n, progress))
            except sql_validation.CopyFailed as exc:
                bad_line = first_bad_utf8_line(job)
                if bad_line is not None:
                    errors.add(bad_line, "", "", "", "bad_encoding")
                else:
                    errors.add(exc.row_no, "", "", "", "bad_columns")
                return exc.row_no - 1
            staged, checks = sql_validation.stage_valid_rows(table, stage.name, STAGE_COLUMNS, _PG_TYPES, done)
            if staged < done:
                total, listed = sql_validation.row_errors(table, checks, MAX_ERROR_ROWS)
                for err in listed:
                    errors.add(*err)
                errors.add_unlisted(total - len(listed))
        finally:
            table.drop()
    return done


def run_import(job: ImportJob, *, progress: Callable | None = None) -> ImportJob:
    """Run one import job to its end (called by the background task and by the management command). While it
    runs, this connection holds the job's session lock (``job_lock``): a job left "running" whose lock nobody
    holds has lost its worker (``services.sweep_abandoned_imports``)."""
    locks.hold(*job_lock(job.pk))
    try:
        return _run_import(job, progress)
    finally:
        locks.release(*job_lock(job.pk))


def job_lock(job_id: int) -> tuple[str, int]:
    """The advisory lock held by the process running import job `job_id`, for as long as it runs."""
    return "declarations.import", job_id


def _run_import(job: ImportJob, progress: Callable | None) -> ImportJob:
    job.status = ImportStatus.RUNNING
    job.started_at = timezone.now()
    if not job.rows_total:  # counted with the checksum when the job was created (services.import_job_create)
        with job.file.open("rb") as raw:
            job.rows_total = count_rows(raw)
    job.save(update_fields=["status", "started_at", "rows_total"])
    errors = ErrorSink()
    stage = Stage(job.pk)
    _session_work_mem(WORK_MEM)
    try:
        t0 = time.monotonic()
        if SQL_VALIDATION and is_postgres() and job.format == ImportFormat.STQ:
            done = copy_and_validate_sql(job, stage, errors, progress)
        else:
            done = stream_and_stage(job, stage, errors, progress)
        stage.build_header()
        for row_no, base, revision, line_no in stage.duplicates():
            errors.add(row_no, f"{base}{revision}", line_no, "line_no", "duplicate_line")
        job.rows_done = job.rows_total = done
        parallel = PARALLEL_MERGE and not connection.in_atomic_block  # else the stage is not committed
        if not errors.count and not job.dry_run and stage.span[0] <= stage.span[1]:
            partitions.ensure_months(*stage.span)  # the months an older file reaches (its own short transaction)
        with transaction.atomic():
            merge_lock()
            stage.add_stored_dates()
            for row_no, base, revision in stage.archived():
                errors.add(row_no, f"{base}{revision}", "", "number", "archived")
            for row_no, base, revision in stage.revision_conflicts():
                errors.add(row_no, f"{base}{revision}", "", "number", "revision_conflict")
            if errors.count:
                job.status = ImportStatus.FAILED
            elif job.dry_run:
                job.status = ImportStatus.VALIDATED
            else:
                merge(job, stage, parallel)
                job.status = ImportStatus.SUCCEEDED
        job.errors_count = errors.count
        errors.attach(job)
        job.message = f"{time.monotonic() - t0:.1f}s"
    except Exception as exc:
        job.status = ImportStatus.CRASHED
        job.message = f"{type(exc).__name__}: {exc}"[:2000]
        job.finished_at = timezone.now()
        job.save()
        raise
    finally:
        errors.close()
        stage.drop()
        _session_work_mem(None)
    job.finished_at = timezone.now()
    job.save()
    if job.status == ImportStatus.SUCCEEDED:
        import_succeeded.send(sender=ImportJob, job=job)
    return job


def _session_work_mem(value: str | None) -> None:
    """Sorts and hashes of a whole file (the window over the staged lines, the duplicate check) fit in memory
    instead of spilling to disk; reset afterwards (the worker's connection is reused)."""
    if is_postgres():
        with connection.cursor() as c:
            c.execute(f"SET work_mem = '{value}'" if value else "RESET work_mem")


def merge_lock() -> None:
    """Serialise the conflict check and the merge of concurrent imports (PostgreSQL; held until the transaction
    ends). Two merges touching the same declarations or profile months would otherwise race (e.g. both recompute
    the same replaced (tax code, month) pair and collide on its unique key). SQLite serialises writers itself."""
    if is_postgres():
        advisory_lock("declarations.merge")


def merge(job: ImportJob, stage: Stage, parallel: bool = False) -> None:
    """Merge the staged file (inside the merge transaction, the lock held). ``parallel``: the staging tables are
    committed, so a second connection may read them (PostgreSQL)."""
    if is_postgres():
        _merge_postgres(job, stage, parallel)
    else:
        _merge_generic(job, stage)


def _merge_postgres(job: ImportJob, stage: Stage, parallel: bool) -> None:
    """Declaration ids are assigned up front (``stage.merged``: the header rows this merge writes, with the existing
    id for a replaced revision, the identity sequence's next value for a new declaration), so each table is written
    by one plain statement and the goods lines come from the staging tables only (no join with the growing
    declarations table).

    ``parallel`` (the staging tables are committed): the work that needs no uncommitted row of this transaction runs
    on other connections, on the machine's other core, while this one writes. A second connection
    (``SideConnection``) builds ``stage.merged`` and then streams the goods lines to this connection as binary
    ``COPY`` (which inserts in batches, unlike ``INSERT … SELECT``), then their peer prices the same way; a third
    (``StagedAggregates``) counts their traded origins (with whether each key is stored: the new ones are then
    copied in with no conflict check) and computes the activity-profile aggregates of the merged declarations,
    which this transaction then adds to the profile. Both
    start after this transaction took the merge lock, so they see the declarations as they were before this merge
    (nothing of it is committed, and no other merge can commit meanwhile), and both only write staging tables:
    nothing of the file is visible before this transaction commits, and if either fails, it rolls back."""
    D = Declaration._meta.db_table
    L = DeclarationLine._meta.db_table
    R = DeclarationRevision._meta.db_table
    R_ = DeclarationNumber._meta.db_table
    s, h, m = stage.name, stage.hdr, stage.merged
    hcols = ", ".join(HEADER_FIELDS)
    side = SideConnection() if parallel else None
    aggregates = None
    try:
        with connection.cursor() as c:
            c.execute("SELECT pg_get_serial_sequence(%s, 'id')", [D])
            sequence = c.fetchone()[0]
            # stored declarations are found through the number registry (their date may differ from the file's:
            # an amendment may change it; stored_on is the partition the stored revision is in)
            merged_sql = f"""
                CREATE UNLOGGED TABLE {m} AS
                SELECT h.*, CASE WHEN r.base_number IS NULL THEN nextval('{sequence}') ELSE d.id END AS id,
                       r.base_number IS NULL AS new, d.registered_on AS stored_on
                FROM {h} h LEFT JOIN {R_} r ON r.base_number = h.base_number
                LEFT JOIN {D} d ON d.id = r.declaration_id AND d.registered_on = r.registered_on AND {stage.within("d")}
                WHERE r.base_number IS NULL OR d.revision < h.revision"""
            for sql in (merged_sql, f"ANALYZE {m}"):
                (side or c).execute(sql)
            aggregates = StagedAggregates(stage, parallel)
            # the profile pairs whose old revision goes away, before the writes
            activity.note_replaced_pairs(c, h, stage.span)
            c.execute(f"SELECT COUNT(*) FILTER (WHERE new) FROM {m}")
            job.declarations_new = c.fetchone()[0]
            c.execute(f"""
                INSERT INTO {R} (base_number, revision, header, lines, replaced_at, replaced_by_job_id)
                SELECT d.base_number, d.revision, to_jsonb(d),
                       COALESCE((SELECT jsonb_agg(to_jsonb(l) ORDER BY l.line_no) FROM {L} l
                                 WHERE l.declaration_id = d.id AND l.registered_on = d.registered_on
                                   AND {stage.within("l")}), '[]'::jsonb), now(), %s
                FROM {D} d WHERE {stage.within("d")}
                  AND (d.id, d.registered_on) IN (SELECT id, stored_on FROM {m} WHERE NOT new)""", [job.pk])
            job.declarations_replaced = c.rowcount
            if job.declarations_replaced:
                origins.subtract(c, origins.stored_lines(  # the traded origins of the lines that go
                    f"""{stage.within("d")} AND {stage.within("l")}
                        AND (d.id, d.registered_on) IN (SELECT id, stored_on FROM {m} WHERE NOT new)"""))
                c.execute(f"""DELETE FROM {L} l WHERE {stage.within("l")} AND (l.declaration_id, l.registered_on)
                              IN (SELECT id, stored_on FROM {m} WHERE NOT new)""")
                peer_prices.delete_for(c, f"SELECT id FROM {m} WHERE NOT new")
                updates = ", ".join(f"{f} = m.{f}" for f in ["revision", *HEADER_FIELDS, "total_tax", "line_count"])
                c.execute(f"""UPDATE {D} d SET {updates}, import_job_id = %s FROM {m} m
                              WHERE d.id = m.id AND d.registered_on = m.stored_on AND {stage.within("d")}
                                AND NOT m.new""", [job.pk])
                # an amendment that changes the date moves the declaration's stored score along (kept until the
                # next scoring, as before): its key holds the date, so a new score must not land beside it
                c.execute(f"""UPDATE {partitions.SCORES} s SET registered_on = m.registered_on FROM {m} m
                              WHERE s.declaration_id = m.id AND s.registered_on = m.stored_on
                                AND {stage.within("s")} AND NOT m.new AND m.registered_on <> m.stored_on""")
            dcols = f"id, base_number, revision, {hcols}, total_tax, line_count, import_job_id"
            new = (f"SELECT id, base_number, revision, {hcols}, total_tax::bigint, line_count::integer, "
                   f"{int(job.pk)}::bigint FROM {m} WHERE new")
            c.execute(f"INSERT INTO {D} ({dcols}) {new}")  # (as binary COPY from the side connection: no faster)
            lcols = f"declaration_id, registered_on, customs_value, {', '.join(LINE_FIELDS)}"
            lines = f"""SELECT m.id, m.registered_on, s.line_customs_value, {", ".join("s." + f for f in LINE_FIELDS)}
                        FROM {s} s JOIN {m} m ON m.base_number = s.base_number AND m.revision = s.revision"""
            copy = (lambda select, target: side.copy_into(c, select, target)) if side is not None else None
            if copy is not None:
                job.lines_written = copy(lines, f"{L} ({lcols})")
            else:
                c.execute(f"INSERT INTO {L} ({lcols}) {lines}")
                job.lines_written = max(c.rowcount, 0)
            peer_prices.write_staged(c, s, m, copy)  # the prices of the lines just written
            aggregates.wait()
            origins.add_counted(c, stage.origin_counts, copy)  # their traded origins, counted alongside
            c.execute(f"ANALYZE {activity.REPLACED_PAIRS}")
            activity.apply_staged(c, stage.agg)
            activity.recompute_replaced_pairs(c)
    finally:
        if aggregates is not None:
            aggregates.stop()
        if side is not None:
            side.close()


class SideConnection:
    """A second connection to the same database (autocommit) for the merge's work that needs no uncommitted row."""

    PIPE_BYTES = 1 << 20

    def __init__(self):
        self.conn = connection.Database.connect(**connection.get_connection_params(), autocommit=True)
        self.conn.execute(f"SET work_mem = '{WORK_MEM}'")

    def execute(self, sql: str):
        self.conn.execute(sql)

    def copy_into(self, cursor, select_sql: str, target: str) -> int:
        """Stream the rows of ``select_sql`` (run here) into ``target`` (a table and its columns) on ``cursor``'s
        connection, as binary COPY; memory stays bounded (``PIPE_BYTES`` buffered). Returns the rows copied."""
        raw = cursor.cursor
        with self.conn.cursor() as sc, sc.copy(f"COPY ({select_sql}) TO STDOUT (FORMAT binary)") as src, \
                raw.copy(f"COPY {target} FROM STDIN (FORMAT binary)") as dst:
            buf = bytearray()
            for data in src:
                buf += data
                if len(buf) >= self.PIPE_BYTES:
                    dst.write(buf)
                    buf = bytearray()
            if buf:
                dst.write(buf)
        return max(raw.rowcount, 0)

    def close(self):
        self.conn.close()


class StagedAggregates:
    """The traded-origin counts of the lines the merge writes (``origins.count_staged_sql`` into
    ``stage.origin_counts``), then their activity-profile aggregates (``activity.staged_aggregates_sql`` into
    ``stage.agg``): on its own connection, in a thread, while the merge writes (``parallel``), or at once on this
    connection (inside an outer transaction — a test, a caller's ``atomic`` — the staging tables are not committed,
    so another connection cannot see them). Its results are staging tables: nothing of the file becomes visible
    through them. If it fails, ``wait`` raises and the merge transaction rolls back; if the merge fails first,
    ``stop`` cancels it."""

    def __init__(self, stage: Stage, parallel: bool):
        s, m = stage.name, stage.merged
        lines = f"""SELECT m.importer_exporter_tax_code AS tax_code, s.hs_code, s.origin_country, m.registered_on
                    FROM {s} s JOIN {m} m ON m.base_number = s.base_number AND m.revision = s.revision"""
        # the staged lines' statistics (a table made by CREATE TABLE … AS has none): with them the planner hashes
        # the groups of both statements instead of sorting them (500,000 lines: 5.6 → 4.3 CPU-s, for 0.13)
        self.statements = [f"ANALYZE {s} (base_number, revision)",
                           origins.count_staged_sql(stage.origin_counts, lines),
                           activity.staged_aggregates_sql(stage.agg, m, s)]
        self.error: BaseException | None = None
        self._conn = self._thread = None
        if not parallel:
            with connection.cursor() as c:
                for sql in self.statements:
                    c.execute(sql)
            return
        self._conn = connection.Database.connect(**connection.get_connection_params(), autocommit=True)
        self._thread = threading.Thread(target=self._run, name="stq-import-aggregates", daemon=True)
        self._thread.start()

    def _run(self):
        try:
            with self._conn.cursor() as c:
                c.execute(f"SET work_mem = '{WORK_MEM}'")
                c.execute("SET enable_mergejoin = off")  # its own connection: hash joins, not sorts of 2 M lines
                for sql in self.statements:
                    c.execute(sql)
        except BaseException as exc:  # re-raised by wait() in the importing thread
            self.error = exc

    def wait(self):
        if self._thread is not None:
            self._thread.join()
        if self.error is not None:
            raise self.error

    def stop(self):
        if self._thread is not None and self._thread.is_alive():
            self._conn.cancel()
            self._thread.join()
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _merge_generic(job: ImportJob, stage: Stage) -> None:
    """SQLite (demo, tests): the same rules with an upsert, and the ORM recompute of the profile."""
    D = Declaration._meta.db_table
    L = DeclarationLine._meta.db_table
    s, h = stage.name, stage.hdr
    hcols = ", ".join(HEADER_FIELDS)
    with connection.cursor() as c:
        # (tax code, date) of every declaration touched, before and after: the profile months to refresh
        c.execute(f"""SELECT DISTINCT importer_exporter_tax_code, registered_on FROM {h}
                      UNION SELECT d.importer_exporter_tax_code, d.registered_on FROM {D} d
                      JOIN {h} ON {h}.base_number = d.base_number WHERE d.revision < {h}.revision""")
        touched = activity.months_of(c.fetchall())
        c.execute(f"SELECT COUNT(*) FROM {h} LEFT JOIN {D} d ON d.base_number = {h}.base_number WHERE d.id IS NULL")
        job.declarations_new = c.fetchone()[0]
        replaced_sql = (f"SELECT d.id FROM {D} d JOIN {h} ON {h}.base_number = d.base_number "
                        f"WHERE d.revision < {h}.revision")
        c.execute(replaced_sql)
        ids = [r[0] for r in c.fetchall()]
        job.declarations_replaced = len(ids)
        _archive_with_orm(ids, job)
        origins.subtract(c, origins.stored_lines(f"d.id IN ({replaced_sql})"))
        c.execute(f"DELETE FROM {L} WHERE declaration_id IN ({replaced_sql})")
        # a higher revision of a stored declaration, then the new ones (the number registry, kept by triggers,
        # refuses a number stored twice)
        updates = ", ".join(f"{f} = {h}.{f}" for f in ["revision", *HEADER_FIELDS, "total_tax", "line_count"])
        c.execute(f"""UPDATE {D} SET {updates}, import_job_id = %s FROM {h}
                      WHERE {h}.base_number = {D}.base_number AND {D}.revision < {h}.revision""", [job.pk])
        c.execute(f"""
            INSERT INTO {D} (base_number, revision, {hcols}, total_tax, line_count, import_job_id)
            SELECT base_number, revision, {hcols}, total_tax, line_count, %s FROM {h}
            WHERE NOT EXISTS (SELECT 1 FROM {D} d WHERE d.base_number = {h}.base_number)""", [job.pk])
        lcols = ", ".join(LINE_FIELDS)
        c.execute(f"""
            INSERT INTO {L} (declaration_id, registered_on, customs_value, {lcols})
            SELECT d.id, d.registered_on, s.line_customs_value, {", ".join("s." + f for f in LINE_FIELDS)}
            FROM {s} s JOIN {D} d ON d.base_number = s.base_number AND d.revision = s.revision
                                   AND d.import_job_id = %s""", [job.pk])  # new or replaced just now: no lines yet
        job.lines_written = max(c.rowcount, 0)
        written = f"SELECT id FROM {D} WHERE import_job_id = %s"  # new or replaced just now
        peer_prices.delete_for(c, written, [job.pk])
        peer_prices.write_for(c, written, [job.pk])
        origins.add(c, origins.stored_lines("d.import_job_id = %s"), [job.pk])
    activity.refresh(touched)


def _archive_with_orm(ids: list[int], job: ImportJob) -> None:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    def plain(d):
        return json.loads(json.dumps(d, cls=DjangoJSONEncoder))

    lines: dict[int, list] = {}
    for line in DeclarationLine.objects.filter(declaration_id__in=ids).order_by("line_no").values():
        lines.setdefault(line["declaration_id"], []).append(plain(line))
    DeclarationRevision.objects.bulk_create(
        DeclarationRevision(base_number=d["base_number"], revision=d["revision"], header=plain(d),
                            lines=lines.get(d["id"], []), replaced_by_job=job)
        for d in Declaration.objects.filter(id__in=ids).values()
    )
