"""The traded origins (``OriginDay``): per enterprise, (HS-6 code, origin) pair and day, its goods lines, kept by the
import for the ``new_origin`` alert of risk on arrival.

That alert (``risk.alerts``) asks, for each import goods line of a batch, whether the enterprise declared the same
HS-6 code from the same origin on a day before the batch's first day, and whether it had at least 20 goods lines
before that day (an established enterprise). "Before" means in the stored history as it is when the alert is
computed: the live goods lines (any flow) of the current revisions — a replaced revision's lines do not count (the
amendment corrected them), nor do the lines of an archived month (``partitions.archive``: out of every live
query). Recomputed from the lines, that reads every earlier line of each batch enterprise, whatever the size of
the batch. This table holds the same facts in the order of an index: one row per (tax code, HS-6, origin, day)
with its line count, so both questions are index probes of the batch's pairs and enterprises (a pair's first day
seen is its smallest day).

The import keeps it in the merge transaction that writes the lines: ``subtract`` the lines of the revisions it
replaces (before they are deleted: a row whose count reaches 0 goes), ``add`` the lines it writes. ``archive``
deletes the archived months' days (``delete_before``). ``rebuild`` recomputes it whole (after a bulk load outside
the import). The count (not only a first date) is what lets a replaced line leave exactly, without reading the
enterprise's other lines.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from .models import Declaration, DeclarationLine, OriginDay

O = OriginDay._meta.db_table  # noqa: E741
D = Declaration._meta.db_table
L = DeclarationLine._meta.db_table
KEY = "tax_code, hs6, origin_country, registered_on"


def _counts(lines_sql: str) -> str:
    """The rows (key, line count) of the lines ``lines_sql`` selects as (tax_code, hs_code, origin_country,
    registered_on). (The ``WHERE``: SQLite parses an upsert's ``INSERT … SELECT`` only with one.)"""
    return (f"SELECT tax_code, SUBSTR(hs_code, 1, 6) AS hs6, origin_country, registered_on, COUNT(*) AS n "
            f"FROM ({lines_sql}) x WHERE 1 = 1 GROUP BY tax_code, SUBSTR(hs_code, 1, 6), origin_country, "
            f"registered_on")


def stored_lines(where: str) -> str:
    """SQL: the stored goods lines (tax code, HS code, origin, date) of the declarations ``d`` that ``where``
    selects (it should bound ``d.registered_on`` and ``l.registered_on``: the partitions read)."""
    return (f"SELECT d.importer_exporter_tax_code AS tax_code, l.hs_code, l.origin_country, l.registered_on "
            f"FROM {L} l JOIN {D} d ON d.id = l.declaration_id AND d.registered_on = l.registered_on WHERE {where}")


def add(cursor, lines_sql: str, args=()) -> None:
    """Count the lines ``lines_sql`` selects (tax_code, hs_code, origin_country, registered_on), just written."""
    cursor.execute(f"INSERT INTO {O} ({KEY}, lines) {_counts(lines_sql)} "
                   f"ON CONFLICT ({KEY}) DO UPDATE SET lines = {O}.lines + excluded.lines", list(args))


def count_staged_sql(table: str, lines_sql: str) -> str:
    """``CREATE TABLE table AS`` the counts of the lines ``lines_sql`` selects (a merge's staged lines, about to be
    written), each with ``stored``: whether its key is in the table as committed. Run by the importer on another
    connection while the merge writes (``importer.StagedAggregates``: one index probe per key, off the merge's
    connection); ``add_counted`` then writes them in the merge transaction. Unlogged: a staging table."""
    unlogged = "UNLOGGED " if connection.vendor == "postgresql" else ""
    stored = (f"EXISTS (SELECT 1 FROM {O} o WHERE o.tax_code = c.tax_code AND o.hs6 = c.hs6 "
              f"AND o.origin_country = c.origin_country AND o.registered_on = c.registered_on)")
    # in the order of the table's unique index, so that add_counted inserts the new keys in turn: unordered (the
    # hashed groups), their COPY cost the merge's connection 8.3 CPU-s for 2 M lines, against 2.8–3.4 in order
    return (f"CREATE {unlogged}TABLE {table} AS SELECT c.*, {stored} AS stored FROM ({_counts(lines_sql)}) c "
            f"ORDER BY {KEY}")


def add_counted(cursor, table: str, copy=None) -> None:
    """Count the lines just written, from their counts staged by ``count_staged_sql`` (in the merge transaction,
    the merge lock held). The keys that were not stored are new rows: a plain insert (as binary ``COPY`` through
    ``copy(select_sql, target)`` when given: batched, with no conflict check), since only imports add keys and they
    merge one at a time (a ``subtract`` of this merge only deletes or lowers rows; ``rebuild``, run by hand after a
    bulk load, is not meant to run beside an import: a key it added meanwhile would make this merge fail on the
    unique key and roll back, never count wrong). The stored ones are added to their rows (an upsert: ``subtract``
    may have deleted the row meanwhile)."""
    new = f"SELECT {KEY}, CAST(n AS integer) FROM {table} WHERE NOT stored"
    if copy is not None:
        copy(new, f"{O} ({KEY}, lines)")
    else:
        cursor.execute(f"INSERT INTO {O} ({KEY}, lines) {new}")
    cursor.execute(f"INSERT INTO {O} ({KEY}, lines) SELECT {KEY}, n FROM {table} WHERE stored "
                   f"ON CONFLICT ({KEY}) DO UPDATE SET lines = {O}.lines + excluded.lines")


def subtract(cursor, lines_sql: str, args=()) -> None:
    """Uncount the stored lines ``lines_sql`` selects, before they are deleted: the rows they are all of go, the
    others count fewer lines."""
    counts = _counts(lines_sql)
    cursor.execute(f"DELETE FROM {O} WHERE ({KEY}, lines) IN (SELECT {KEY}, n FROM ({counts}) c)", list(args))
    cursor.execute(f"UPDATE {O} SET lines = {O}.lines - c.n FROM ({counts}) c "
                   f"WHERE {O}.tax_code = c.tax_code AND {O}.hs6 = c.hs6 AND {O}.origin_country = c.origin_country "
                   f"AND {O}.registered_on = c.registered_on", list(args))


def rebuild() -> int:
    """Recompute the whole table from the stored lines; returns the rows written."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {O}")
        cursor.execute(f"INSERT INTO {O} ({KEY}, lines) {_counts(stored_lines('1 = 1'))}")
        return max(cursor.rowcount, 0)


def delete_before(day: dt.date) -> int:
    """Delete the days before ``day`` (their months archived: ``partitions.archive``), so the pairs seen are
    those of the live lines."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {O} WHERE registered_on < %s", [day])
        return max(cursor.rowcount, 0)
