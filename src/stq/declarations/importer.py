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
   holding a PostgreSQL advisory lock (``MERGE_LOCK``) so that concurrent imports merge one after the other:
   keep the highest revision of each declaration found in the file; archive the revisions it replaces into
   ``DeclarationRevision`` (header + lines as JSON); delete their lines; upsert the headers
   (``INSERT … SELECT … ON CONFLICT (base_number) DO UPDATE … WHERE revision < excluded.revision``, so the same
   or an older revision is a no-op); insert the lines of the declarations this job inserted or replaced (plain
   ``INSERT``: they have none yet, and the lock keeps other imports out); refresh the activity profile
   (on PostgreSQL additively in SQL, see ``activity.refresh_merged``; on SQLite the touched pairs are recomputed).
Re-importing a file with the same SHA-256 is refused earlier (see ``services``), and re-importing the same content
under another checksum changes nothing, by the rules above.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
from collections.abc import Callable

from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone

from . import activity, sql_validation
from .layouts import COLUMNS, MESSAGES, READERS, STAGE_COLUMNS
from .models import Declaration, DeclarationLine, DeclarationRevision, ImportFormat, ImportJob, ImportStatus
from .signals import import_succeeded

CHUNK = 20_000
MAX_ERROR_ROWS = 100_000  # rows written to the errors CSV (all are counted)
SQL_VALIDATION = True  # PostgreSQL + STQ layout: COPY the raw CSV and validate in SQL (tests switch it off)
WORK_MEM = "256MB"  # PostgreSQL work_mem during an import (see _session_work_mem)
MERGE_LOCK = 0x5354_5144_4543  # pg_advisory_xact_lock key held by the conflict check + merge ("STQDEC")

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


def count_rows(fileobj) -> int:
    """Data rows (newlines minus the header), counted in binary blocks."""
    n = 0
    last = b"\n"
    while block := fileobj.read(1 << 20):
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
        self.hdr = f"{self.name}_h"
        cols = ", ".join(f"{c} {_PG_TYPES.get(c, 'text')}" for c in STAGE_COLUMNS)
        unlogged = "UNLOGGED " if is_postgres() else ""
        with connection.cursor() as c:
            self.drop(c)
            c.execute(f"CREATE {unlogged}TABLE {self.name} ({cols})")

    def drop(self, cursor=None):
        def run(c):
            c.execute(f"DROP TABLE IF EXISTS {self.hdr}")
            c.execute(f"DROP TABLE IF EXISTS {self.name}")
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

    def duplicates(self):
        with connection.cursor() as c:
            c.execute(f"SELECT 1 FROM {self.name} GROUP BY base_number, revision, line_no HAVING COUNT(*) > 1 "
                      "LIMIT 1")  # a cheap (parallel) look first: most files have none
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
                JOIN {D} d ON d.base_number = s.base_number AND d.revision = s.revision
                GROUP BY s.base_number, s.revision, d.id
                HAVING COUNT(*) <> (SELECT COUNT(*) FROM {L} l WHERE l.declaration_id = d.id)
                    OR SUM(CASE WHEN EXISTS (SELECT 1 FROM {L} l WHERE l.declaration_id = d.id
                                             AND l.line_no = s.line_no AND l.customs_value = s.line_customs_value
                                             AND {same}) THEN 0 ELSE 1 END) > 0
                ORDER BY 1""")
            yield from c.fetchall()


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
        except (UnicodeDecodeError, csv.Error):
            errors.add(done + 2, "", "", "", "bad_columns")
        stage.write(batch)
    return done


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
            header = []
        if set(COLUMNS) - {h.strip() for h in header}:
            errors.add(1, "", "", "", "bad_columns")
            return 0
        table = sql_validation.RawTable(job.pk, header)
        try:
            try:
                done = sql_validation.copy_raw(table, raw, lambda n: _progress(job, n, progress))
            except sql_validation.CopyFailed as exc:
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
    """Run one import job to its end (called by the background task and by the management command)."""
    job.status = ImportStatus.RUNNING
    job.started_at = timezone.now()
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
        for row_no, base, revision, line_no in stage.duplicates():
            errors.add(row_no, f"{base}{revision}", line_no, "line_no", "duplicate_line")
        job.rows_done = job.rows_total = done
        with transaction.atomic():
            merge_lock()
            for row_no, base, revision in stage.revision_conflicts():
                errors.add(row_no, f"{base}{revision}", "", "number", "revision_conflict")
            if errors.count:
                job.status = ImportStatus.FAILED
            elif job.dry_run:
                job.status = ImportStatus.VALIDATED
            else:
                merge(job, stage)
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
        with connection.cursor() as c:
            c.execute("SELECT pg_advisory_xact_lock(%s)", [MERGE_LOCK])


def merge(job: ImportJob, stage: Stage) -> None:
    D = Declaration._meta.db_table
    L = DeclarationLine._meta.db_table
    R = DeclarationRevision._meta.db_table
    s, h = stage.name, stage.hdr
    unlogged = "UNLOGGED " if is_postgres() else ""
    hcols = ", ".join(HEADER_FIELDS)
    with connection.cursor() as c:
        c.execute(f"""
            CREATE {unlogged}TABLE {h} AS
            SELECT base_number, revision, {hcols}, total_tax, line_count FROM (
              SELECT s.*, ROW_NUMBER() OVER (PARTITION BY base_number ORDER BY revision DESC, line_no) AS rn,
                     SUM(import_duty + vat + excise + environmental_tax + trade_remedy_tax)
                       OVER (PARTITION BY base_number, revision) AS total_tax,
                     COUNT(*) OVER (PARTITION BY base_number, revision) AS line_count
              FROM {s} s) x
            WHERE rn = 1""")
        c.execute(f"CREATE UNIQUE INDEX {h}_bn ON {h} (base_number)")
        if is_postgres():  # the profile is refreshed additively; note the pairs whose old revision goes away
            activity.note_replaced_pairs(c, h)
        else:  # (tax code, date) of every declaration touched, before and after: the profile months to refresh
            c.execute(f"""SELECT DISTINCT importer_exporter_tax_code, registered_on FROM {h}
                          UNION SELECT d.importer_exporter_tax_code, d.registered_on FROM {D} d
                          JOIN {h} ON {h}.base_number = d.base_number WHERE d.revision < {h}.revision""")
            touched = activity.months_of(c.fetchall())
        c.execute(f"SELECT COUNT(*) FROM {h} LEFT JOIN {D} d ON d.base_number = {h}.base_number WHERE d.id IS NULL")
        job.declarations_new = c.fetchone()[0]
        replaced_sql = (f"SELECT d.id FROM {D} d JOIN {h} ON {h}.base_number = d.base_number "
                        f"WHERE d.revision < {h}.revision")
        if is_postgres():
            c.execute(f"""
                INSERT INTO {R} (base_number, revision, header, lines, replaced_at, replaced_by_job_id)
                SELECT d.base_number, d.revision, to_jsonb(d),
                       COALESCE((SELECT jsonb_agg(to_jsonb(l) ORDER BY l.line_no) FROM {L} l
                                 WHERE l.declaration_id = d.id), '[]'::jsonb), now(), %s
                FROM {D} d WHERE d.id IN ({replaced_sql})""", [job.pk])
            job.declarations_replaced = c.rowcount
        else:
            c.execute(replaced_sql)
            ids = [r[0] for r in c.fetchall()]
            job.declarations_replaced = len(ids)
            _archive_with_orm(ids, job)
        c.execute(f"DELETE FROM {L} WHERE declaration_id IN ({replaced_sql})")
        updates = ", ".join(f"{f} = excluded.{f}" for f in
                            ["revision", *HEADER_FIELDS, "total_tax", "line_count", "import_job_id"])
        c.execute(f"""
            INSERT INTO {D} (base_number, revision, {hcols}, total_tax, line_count, import_job_id)
            SELECT base_number, revision, {hcols}, total_tax, line_count, %s FROM {h} WHERE true
            ON CONFLICT (base_number) DO UPDATE SET {updates} WHERE {D}.revision < excluded.revision""", [job.pk])
        lcols = ", ".join(LINE_FIELDS)
        c.execute(f"""
            INSERT INTO {L} (declaration_id, customs_value, {lcols})
            SELECT d.id, s.line_customs_value, {", ".join("s." + f for f in LINE_FIELDS)}
            FROM {s} s JOIN {D} d ON d.base_number = s.base_number AND d.revision = s.revision
                                   AND d.import_job_id = %s""", [job.pk])  # new or replaced just now: no lines yet
        job.lines_written = max(c.rowcount, 0)
        if is_postgres():
            activity.refresh_merged(c, job.pk, h)
    if not is_postgres():
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
