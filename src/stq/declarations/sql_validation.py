"""PostgreSQL fast path of the import (STQ layout): no per-row Python.

1. ``copy_raw`` sends the file's bytes, in chunks cut at record boundaries, to ``COPY … FROM STDIN (FORMAT csv)``
   into an UNLOGGED staging table whose columns are all ``text`` (PostgreSQL's own CSV parser; ``row_no`` is an
   identity column, so it follows the file order). Each chunk is one statement (committed outside a transaction),
   and the job's ``rows_done`` is updated after each, so the UI and the API show the progress.
2. ``stage_valid_rows`` checks every row in **set-based SQL** with the same rules as ``layouts.RowValidator``
   (the Python path, kept for SQLite and for the public-dataset adapter) and casts the valid rows into the typed
   staging table of ``importer.Stage`` in one ``CREATE TABLE … AS SELECT`` (which PostgreSQL runs with parallel
   workers). A second, trimmed pass runs only when some row failed: cells with surrounding spaces or numeric
   blanks, which the Python path reads trimmed / as 0. The per-row checks are cheap string functions
   (``length``, ``translate``); the checks that need a computation — the tax-code check digit (a weighted sum
   ``mod 11``, as ``stdnum.vn.mst``), calendar dates, country codes — run once per **distinct** value (one
   ``GROUP BY GROUPING SETS`` scan) and the rows then only compare against the (usually empty) list of bad values.
3. ``row_errors`` lists the (row, field, code) of the invalid rows, in the order the Python path reports them; it
   runs only when some row was left out by step 2.
"""

from __future__ import annotations

import csv
import re

from django.db import connection, transaction

from .countries import ISO_ALPHA2
from .layouts import COLUMNS, DEC_FIELDS, INT_FIELDS, MAX_LEN

COPY_CHUNK_BYTES = 16 << 20
DIGITS = "'0123456789'"
_WS = r"E' \t\r\n\f\v'"
TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_NUMERIC = set(INT_FIELDS) | set(DEC_FIELDS)
_COPY_LINE = re.compile(r"line (\d+)")


class CopyFailed(Exception):
    """The CSV could not be parsed (wrong number of cells, unterminated quote, not UTF-8) at ``row_no``."""

    def __init__(self, row_no: int, detail: str):
        super().__init__(detail)
        self.row_no = row_no


class RawTable:
    """The text staging table of one job: ``row_no`` + one ``text`` column per header cell."""

    def __init__(self, job_id: int, header: list[str]):
        self.name = f"declarations_raw_{job_id}"
        self.width = len(header)
        names = [h.strip() for h in header]
        # the first column of that name wins (as in the Python path)
        self.col = {c: f"c{names.index(c)}" for c in COLUMNS}
        cols = ", ".join(f"c{i} text" for i in range(self.width))
        with connection.cursor() as c:
            c.execute(f"DROP TABLE IF EXISTS {self.name}")
            c.execute(f"CREATE UNLOGGED TABLE {self.name} (row_no bigint GENERATED ALWAYS AS IDENTITY, {cols})")

    def drop(self):
        with connection.cursor() as c:
            c.execute(f"DROP TABLE IF EXISTS {self.name}")


def read_header(raw) -> tuple[list[str], int]:
    """The header cells and the byte offset where the data starts (the header is one physical line)."""
    first = raw.readline()
    offset = len(first)
    text = first.decode("utf-8-sig")
    cells = next(csv.reader([text]), [])
    return cells, offset


def record_chunks(raw, size: int | None = None):
    """Blocks of about ``size`` bytes that end on a record boundary: a newline preceded by an even number of
    double quotes since the start of the block (a newline inside a quoted cell is not a boundary)."""
    size = size or COPY_CHUNK_BYTES
    carry = b""
    while True:
        block = raw.read(size)
        if not block:
            if carry:
                yield carry
            return
        buf = carry + block
        cut = buf.rfind(b"\n")
        while cut >= 0 and buf.count(b'"', 0, cut) % 2:
            cut = buf.rfind(b"\n", 0, cut)
        if cut < 0:
            carry = buf
            continue
        yield buf[:cut + 1]
        carry = buf[cut + 1:]


def copy_raw(table: RawTable, raw, on_progress) -> int:
    """COPY the rest of the open binary file into ``table``; ``on_progress(rows)`` after each chunk."""
    import psycopg

    done = 0
    cols = ", ".join(f"c{i}" for i in range(table.width))
    for chunk in record_chunks(raw):
        try:
            with transaction.atomic(), connection.cursor() as c:
                with c.cursor.copy(f"COPY {table.name} ({cols}) FROM STDIN (FORMAT csv, ENCODING 'UTF8')") as copy:
                    copy.write(chunk)
                done += c.cursor.rowcount
        except (psycopg.errors.BadCopyFileFormat, psycopg.errors.CharacterNotInRepertoire,
                psycopg.errors.UntranslatableCharacter) as exc:
            match = _COPY_LINE.search(getattr(exc.diag, "context", "") or "")
            line = int(match.group(1)) if match else 1
            raise CopyFailed(done + line + 1, str(exc).splitlines()[0]) from exc
        on_progress(done)
    return done


# --- the checks ----------------------------------------------------------------------------------------------------

def _int_ok(v: str) -> str:
    return f"(length({v}) BETWEEN 1 AND 18 AND translate({v}, {DIGITS}, '') = '')"


def _dec_ok(v: str) -> str:
    return (f"(CASE translate({v}, {DIGITS}, '') WHEN '' THEN length({v}) BETWEEN 1 AND 18 "
            f"WHEN '.' THEN strpos({v}, '.') BETWEEN 2 AND 19 AND length({v}) - strpos({v}, '.') BETWEEN 1 AND 6 "
            "ELSE false END)")


def _quote_list(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values))


def _not_in(v: str, bad: list[str]) -> str:
    return f"{v} NOT IN ({_quote_list(bad)})" if bad else "true"


def tax_code_ok_sql(v: str) -> str:
    """SQL boolean: ``v`` is a valid Vietnamese tax code (stdnum.vn.mst: 10 or 13 digits, digits 3–9 not all
    zero, a 13-digit branch suffix not 000, 10th digit = 10 − (Σ weight × digit mod 11), a sum ≡ 0 being invalid)."""
    total = " + ".join(f"{w} * substr({v}, {i + 1}, 1)::int" for i, w in enumerate(TAX_WEIGHTS))
    return (f"(CASE WHEN length({v}) IN (10, 13) AND translate({v}, {DIGITS}, '') = '' "
            f"AND substr({v}, 3, 7) <> '0000000' AND NOT (length({v}) = 13 AND right({v}, 3) = '000') "
            f"THEN ({total}) % 11 <> 0 AND substr({v}, 10, 1)::int = 10 - ({total}) % 11 ELSE false END)")


def date_ok_sql(v: str) -> str:
    """SQL boolean: ``v`` is a calendar date written YYYY-MM-DD (years 0001–9999, as Python's fromisoformat)."""
    return (f"(CASE WHEN length({v}) = 10 AND substr({v}, 5, 1) = '-' AND substr({v}, 8, 1) = '-' "
            f"AND translate({v}, {DIGITS}, '') = '--' AND left({v}, 4) <> '0000' "
            f"AND substr({v}, 6, 2)::int BETWEEN 1 AND 12 THEN substr({v}, 9, 2)::int BETWEEN 1 AND "
            f"extract(day from make_date(left({v}, 4)::int, substr({v}, 6, 2)::int, 1) "
            "+ interval '1 month - 1 day')::int ELSE false END)")


COUNTRIES_ALL = ISO_ALPHA2 | {"ZZ"}


def _select(table: RawTable, trimmed: bool) -> str:
    """The raw rows under the layout's column names. ``trimmed``: every cell trimmed and numeric blanks read as 0,
    as the Python path reads them, computed once per row (``OFFSET 0`` keeps the sub-select from being flattened
    into the outer expressions). Otherwise the cells as they are (text blanks as ''), which every check rejects
    when they carry surrounding spaces or a numeric blank: such rows simply take the trimmed pass."""
    cols = []
    for c in COLUMNS:
        raw = table.col[c]
        if not trimmed:
            cols.append(f"{raw} AS {c}" if c in _NUMERIC else f"COALESCE({raw}, '') AS {c}")
            continue
        t = f"btrim(COALESCE({raw}, ''), {_WS})"
        cols.append(f"COALESCE(NULLIF({t}, ''), '0') AS {c}" if c in _NUMERIC else f"{t} AS {c}")
    offset = " OFFSET 0" if trimmed else ""
    return f"(SELECT row_no + 1 AS row_no, {', '.join(cols)} FROM {table.name}{offset}) t"


def bad_values(table: RawTable, trimmed: bool = False) -> dict[str, list[str]]:
    """Distinct dates, tax codes and countries that fail their check, in one scan of the raw table."""
    keys = ["registered_on", "declarant_tax_code", "importer_exporter_tax_code", "origin_country",
            "partner_country"]
    checks = {"registered_on": date_ok_sql("v"), "declarant_tax_code": tax_code_ok_sql("v"),
              "importer_exporter_tax_code": tax_code_ok_sql("v"),
              "origin_country": f"v IN ({_quote_list(COUNTRIES_ALL)})",
              "partner_country": f"(v = '' OR v IN ({_quote_list(COUNTRIES_ALL)}))"}
    grouped = ", ".join(f"({k})" for k in keys)
    which = " ".join(f"WHEN GROUPING({k}) = 0 THEN '{k}'" for k in keys)
    value = "COALESCE(" + ", ".join(keys) + ")"
    cases = " ".join(f"WHEN '{k}' THEN {checks[k]}" for k in keys)
    sql = f"""
        SELECT k, v FROM (
          SELECT CASE {which} END AS k, {value} AS v
          FROM {_select(table, trimmed)} GROUP BY GROUPING SETS ({grouped})) g
        WHERE NOT (CASE k {cases} END)"""
    out: dict[str, list[str]] = {k: [] for k in keys}
    with connection.cursor() as c:
        c.execute(sql)
        for k, v in c.fetchall():
            out[k].append(v)
    out["tax_code"] = sorted(set(out.pop("declarant_tax_code")) | set(out.pop("importer_exporter_tax_code")))
    out["country"] = sorted(set(out.pop("origin_country")) | set(out.pop("partner_country")))
    return out


def field_checks(bad: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    """(field, SQL "ok" expression, SQL error code expression) in the order ``RowValidator`` reports them."""
    checks = [
        ("number", f"(length(number) = 12 AND translate(number, {DIGITS}, '') = '')", "'bad_number'"),
        ("registered_on", _not_in("registered_on", bad["registered_on"]), "'bad_date'"),
        ("flow", "flow IN ('I', 'E')", "'bad_flow'"),
        ("channel", "channel IN ('1', '2', '3')", "'bad_channel'"),
        ("declarant_tax_code", _not_in("declarant_tax_code", bad["tax_code"]), "'bad_tax_code'"),
        ("importer_exporter_tax_code", _not_in("importer_exporter_tax_code", bad["tax_code"]), "'bad_tax_code'"),
        ("hs_code", f"(length(hs_code) = 8 AND translate(hs_code, {DIGITS}, '') = '')", "'bad_hs_code'"),
        ("origin_country", _not_in("origin_country", bad["country"]), "'unknown_country'"),
        ("partner_country", _not_in("partner_country", bad["country"]), "'unknown_country'"),
        ("line_no", f"(length(line_no) BETWEEN 1 AND 3 AND translate(line_no, {DIGITS}, '') = '' "
                    "AND ltrim(line_no, '0') <> '')", "'bad_line_no'"),
    ]
    for field in INT_FIELDS:
        negative = f"CASE WHEN left({field}, 1) = '-' AND {_int_ok(f'substr({field}, 2)')} THEN 'negative_value' "
        checks.append((field, _int_ok(field), negative + "ELSE 'bad_value' END"))
    for field in DEC_FIELDS:
        negative = f"CASE WHEN left({field}, 1) = '-' AND {_dec_ok(f'substr({field}, 2)')} THEN 'negative_value' "
        checks.append((field, _dec_ok(field), negative + "ELSE 'bad_value' END"))
    for field, size in MAX_LEN.items():
        checks.append((field, f"length({field}) <= {size}", "'too_long'"))
    return checks


def _cast(column: str, pg_type: str, trimmed: bool) -> str:
    if column == "base_number":
        return "left(number, 11)"
    if column == "revision":
        return "substr(number, 12, 1)::smallint"
    if pg_type != "text":
        return f"{column}::{pg_type}"
    return column if trimmed else f"btrim({column}, {_WS})"


def _ok(checks) -> str:
    return " AND ".join(expr for _, expr, _ in checks)


def stage_valid_rows(table: RawTable, stage_name: str, stage_columns: list[str], pg_types: dict[str, str],
                     rows: int) -> tuple[int, list | None]:
    """Cast the rows that pass every check into the typed staging table. Returns (rows staged, the checks of the
    trimmed pass, or None when every row passed the first one).

    First pass: the cells as they are (the common case: a clean export), checked and cast in one
    ``INSERT … SELECT``. Only if some row failed, a second pass reads the cells trimmed, as the Python path does,
    stages the rows that pass then, and the checks are returned for ``row_errors``."""
    def select(trimmed, checks, extra=""):
        cols = ", ".join(f"{_cast(c, pg_types.get(c, 'text'), trimmed)} AS {c}" for c in stage_columns)
        return f"SELECT {cols} FROM {_select(table, trimmed)} WHERE {_ok(checks)}{extra}"

    def insert(trimmed, checks, extra=""):
        with connection.cursor() as c:
            c.execute(f"INSERT INTO {stage_name} ({', '.join(stage_columns)}) {select(trimmed, checks, extra)}")
            return c.rowcount

    # CREATE TABLE … AS (unlike INSERT … SELECT) lets PostgreSQL check and cast with parallel workers
    with connection.cursor() as c:
        c.execute(f"DROP TABLE {stage_name}")
        c.execute(f"CREATE UNLOGGED TABLE {stage_name} AS "
                  f"{select(False, field_checks(bad_values(table, trimmed=False)))}")
        staged = c.rowcount
    if staged == rows:
        return staged, None
    checks = field_checks(bad_values(table, trimmed=True))
    staged += insert(True, checks, f" AND NOT EXISTS (SELECT 1 FROM {stage_name} s WHERE s.row_no = t.row_no)")
    return staged, checks


def row_errors(table: RawTable, checks, limit: int):
    """(number of failed checks, [(row_no, number, line_no, field, code), …] for the first ``limit`` invalid
    rows, by row then in the validator's order)."""
    codes = ", ".join(f"CASE WHEN {expr} THEN NULL ELSE '{field}:' || {code} END" for field, expr, code in checks)
    errors_sql = f"SELECT row_no, number, line_no, array_remove(ARRAY[{codes}], NULL) AS e " \
                 f"FROM {_select(table, True)} WHERE NOT ({_ok(checks)})"
    with connection.cursor() as c:
        c.execute(f"SELECT COALESCE(SUM(cardinality(e)), 0) FROM ({errors_sql}) x")
        total = c.fetchone()[0]
        c.execute(f"{errors_sql} ORDER BY row_no LIMIT {int(limit)}")
        listed = [(row_no, number, line_no, *err.split(":", 1))
                  for row_no, number, line_no, errors in c.fetchall() for err in errors]
    return total, listed
