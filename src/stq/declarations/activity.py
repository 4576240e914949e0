"""The enterprise activity profile (A1 "overall picture"): one ``ActivityMonth`` row per (tax code, month, flow).

The chapter, origin and procedure-type columns hold **full maps** (``{"85": value, …}``, ``{"A11": count, …}``),
not a top-N, so that they can be summed.

On PostgreSQL the refresh after an import is **additive, in SQL**: the declarations an import merges are aggregated
per (tax code, month, flow) from its staging tables (``staged_aggregates_sql``; on another connection while the
merge writes, see ``importer.StagedAggregates``) and added to the existing rows in the merge transaction
(``apply_staged``: ``INSERT … ON CONFLICT DO UPDATE SET declarations = a.declarations + excluded.declarations, …``;
the maps are summed key-wise by the SQL function ``decl_jsonb_sum``, migration 0002). Only the (tax code, month)
pairs of a declaration whose revision was replaced (old and new tax code/month: the old contribution must go) are
recomputed exactly from the declarations (``note_replaced_pairs`` before the writes, ``recompute_replaced_pairs``
after).

On SQLite (demo, tests) the touched (tax code, month) pairs are recomputed with the ORM (``refresh``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Substr

from . import partitions
from .models import ActivityMonth, Channel, Declaration, DeclarationLine

TAX_CHUNK = 900
WHOLE_MONTH_ABOVE = 900


def month_start(day) -> dt.date:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months_of(pairs) -> dict[dt.date, set[str]]:
    """{month: {tax codes}} from (tax code, date) pairs."""
    out: dict[dt.date, set[str]] = defaultdict(set)
    for tax_code, day in pairs:
        out[month_start(day)].add(tax_code)
    return out


def refresh(touched: dict[dt.date, set[str]]) -> int:
    """Recompute the profile rows of the touched (month, tax codes); returns the number of rows written."""
    written = 0
    for month, tax_codes in sorted(touched.items()):
        if len(tax_codes) > WHOLE_MONTH_ABOVE:  # cheaper to recompute the whole month (one range scan)
            written += _refresh_chunk(month, None)
            continue
        codes = sorted(tax_codes)
        for i in range(0, len(codes), TAX_CHUNK):
            written += _refresh_chunk(month, codes[i:i + TAX_CHUNK])
    return written


def _refresh_chunk(month: dt.date, codes: list[str] | None) -> int:
    """Recompute (month, codes); codes None = every enterprise of the month."""
    period = Q(registered_on__gte=month, registered_on__lt=next_month(month))
    existing = ActivityMonth.objects.filter(month=month)
    if codes is not None:
        period &= Q(importer_exporter_tax_code__in=codes)
        existing = existing.filter(tax_code__in=codes)
    existing.delete()
    decls = Declaration.objects.filter(period)
    rows = {}
    for r in decls.values("importer_exporter_tax_code", "flow").annotate(
        n=Count("id"), lines=Sum("line_count"), value=Sum("customs_value"), taxes=Sum("total_tax"),
        green=Count("id", filter=Q(channel=Channel.GREEN)), yellow=Count("id", filter=Q(channel=Channel.YELLOW)),
        red=Count("id", filter=Q(channel=Channel.RED)), first=Min("registered_on"), last=Max("registered_on"),
    ).order_by():
        key = (r["importer_exporter_tax_code"], r["flow"])
        rows[key] = ActivityMonth(
            tax_code=key[0], month=month, flow=key[1], declarations=r["n"], lines=r["lines"] or 0,
            value=r["value"] or 0, taxes=r["taxes"] or 0, channel_green=r["green"], channel_yellow=r["yellow"],
            channel_red=r["red"], first_on=r["first"], last_on=r["last"], procedure_types={},
        )
    if not rows:
        return 0
    for r in decls.values("importer_exporter_tax_code", "flow", "procedure_type").annotate(n=Count("id")).order_by():
        rows[(r["importer_exporter_tax_code"], r["flow"])].procedure_types[r["procedure_type"]] = r["n"]
    lines = DeclarationLine.objects.filter(registered_on__gte=month, registered_on__lt=next_month(month),
                                           **{f"declaration__{k}": v for k, v in period.children})
    maps = {"top_hs_chapters": lines.annotate(key=Substr("hs_code", 1, 2)), "top_origins": lines.annotate(
        key=Substr("origin_country", 1, 2))}
    for attr, qs in maps.items():
        for row in rows.values():
            setattr(row, attr, {})
        for r in qs.values("declaration__importer_exporter_tax_code", "declaration__flow", "key").annotate(
            v=Sum("customs_value")
        ).order_by():
            key = (r["declaration__importer_exporter_tax_code"], r["declaration__flow"])
            getattr(rows[key], attr)[r["key"]] = r["v"] or 0
    ActivityMonth.objects.bulk_create(rows.values(), batch_size=2000)
    return len(rows)


def rebuild_all(*, orm: bool = False) -> int:
    """Recompute every profile row from scratch (after a bulk load outside the import, e.g. the demo)."""
    if connection.vendor == "postgresql" and not orm:
        with connection.cursor() as c:
            c.execute(f"DELETE FROM {A}")
            c.execute(_insert_sql(f"SELECT {_DECL_COLS} FROM {D} d"))
            return c.rowcount
    pairs = Declaration.objects.values_list("importer_exporter_tax_code", "registered_on").distinct().order_by()
    ActivityMonth.objects.all().delete()
    return refresh(months_of(pairs.iterator(chunk_size=10_000)))


# --- PostgreSQL: additive refresh in SQL ------------------------------------------------------------------------

A = ActivityMonth._meta.db_table
D = Declaration._meta.db_table
L = DeclarationLine._meta.db_table
MONTH_SQL = "(d.registered_on - (EXTRACT(DAY FROM d.registered_on)::int - 1))"
_DECL_COLS = (f"d.id, d.importer_exporter_tax_code AS tc, {MONTH_SQL} AS m, d.flow, d.line_count, d.customs_value, "
              "d.total_tax, d.channel, d.procedure_type, d.registered_on")
_SUMMED = ["declarations", "lines", "value", "taxes", "channel_green", "channel_yellow", "channel_red"]
_MAPS = ["procedure_types", "top_hs_chapters", "top_origins"]


def _aggregate_sql(decls_sql: str, lines_sql: str | None = None, span: tuple | None = None) -> str:
    """``WITH … SELECT`` the profile aggregates (columns ``_AGG_COLS``) of the declarations selected by ``decls_sql``
    (alias ``d``: tc, m, flow, line_count, customs_value, total_tax, channel, procedure_type, registered_on, and the
    key ``lines_sql`` joins on; ``_DECL_COLS`` for stored declarations). ``lines_sql``: their goods lines (columns
    tc, m, flow, hs_code, origin_country, customs_value), by default joined from the lines table by declaration id
    and date, within ``span`` (first, last date: the lines' partitions to read) when given."""
    within = f" AND {partitions.within('l', *span)}" if span else ""
    lines_sql = lines_sql or f"""SELECT d.tc, d.m, d.flow, l.hs_code, l.origin_country, l.customs_value
                                 FROM d JOIN {L} l ON l.declaration_id = d.id
                                                  AND l.registered_on = d.registered_on{within}"""
    return f"""
        WITH d AS MATERIALIZED ({decls_sql}),
        base AS (SELECT tc, m, flow, COUNT(*) AS n, SUM(line_count) AS lines, SUM(customs_value) AS value,
                        SUM(total_tax) AS taxes, COUNT(*) FILTER (WHERE channel = 1) AS g,
                        COUNT(*) FILTER (WHERE channel = 2) AS y, COUNT(*) FILTER (WHERE channel = 3) AS r,
                        MIN(registered_on) AS f, MAX(registered_on) AS l
                 FROM d GROUP BY tc, m, flow),
        pt AS (SELECT tc, m, flow, jsonb_object_agg(k, v) AS j FROM (
                 SELECT tc, m, flow, procedure_type AS k, COUNT(*) AS v FROM d GROUP BY 1, 2, 3, 4) x
               GROUP BY tc, m, flow),
        ln AS MATERIALIZED ({lines_sql}),
        hs AS (SELECT tc, m, flow, jsonb_object_agg(k, v) AS j FROM (
                 SELECT tc, m, flow, SUBSTR(hs_code, 1, 2) AS k, SUM(customs_value) AS v FROM ln GROUP BY 1, 2, 3, 4) x
               GROUP BY tc, m, flow),
        og AS (SELECT tc, m, flow, jsonb_object_agg(k, v) AS j FROM (
                 SELECT tc, m, flow, SUBSTR(origin_country, 1, 2) AS k, SUM(customs_value) AS v FROM ln
                 GROUP BY 1, 2, 3, 4) x
               GROUP BY tc, m, flow)
        SELECT base.tc, base.m, base.flow, n, COALESCE(lines, 0) AS lines, COALESCE(value, 0) AS value,
               COALESCE(taxes, 0) AS taxes, g, y, r, COALESCE(pt.j, '{{}}'::jsonb) AS pt,
               COALESCE(hs.j, '{{}}'::jsonb) AS hs, COALESCE(og.j, '{{}}'::jsonb) AS og, f, l
        FROM base LEFT JOIN pt USING (tc, m, flow) LEFT JOIN hs USING (tc, m, flow) LEFT JOIN og USING (tc, m, flow)"""


_AGG_COLS = "tc, m, flow, n, lines, value, taxes, g, y, r, pt, hs, og, f, l"
_INSERT_COLS = f"tax_code, month, flow, {', '.join(_SUMMED)}, {', '.join(_MAPS)}, first_on, last_on"


def _additive_conflict() -> str:
    sets = [f"{c} = {A}.{c} + excluded.{c}" for c in _SUMMED]
    sets += [f"{c} = decl_jsonb_sum({A}.{c}, excluded.{c})" for c in _MAPS]
    sets += [f"first_on = LEAST({A}.first_on, excluded.first_on)",
             f"last_on = GREATEST({A}.last_on, excluded.last_on)"]
    return f"ON CONFLICT (tax_code, month, flow) DO UPDATE SET {', '.join(sets)}"


def _insert_sql(decls_sql: str, span: tuple | None = None) -> str:
    """INSERT the aggregates of the declarations selected by ``decls_sql`` (columns ``_DECL_COLS``; within ``span``,
    if given) into the profile; the rows must not exist (full rebuild, or pairs deleted first)."""
    return f"INSERT INTO {A} ({_INSERT_COLS}) {_aggregate_sql(decls_sql, span=span)}"


def staged_aggregates_sql(agg_table: str, merged_table: str, stage_table: str) -> str:
    """``CREATE TABLE agg_table AS`` the profile aggregates of the declarations an import is about to merge, read
    from its staging tables only: ``merged_table`` (one row per declaration the merge writes: header fields, total
    tax, line count, at the revision it brings) and the staged goods lines of that revision. The importer runs it on
    another connection while its merge transaction writes, or in that transaction before the writes."""
    m, s = merged_table, stage_table
    decls = f"""
        SELECT m.base_number, m.revision, m.importer_exporter_tax_code COLLATE "C" AS tc,
               (m.registered_on - (EXTRACT(DAY FROM m.registered_on)::int - 1)) AS m, m.flow, m.line_count,
               m.customs_value, m.total_tax, m.channel, m.procedure_type, m.registered_on
        FROM {m} m"""
    lines = f"""SELECT d.tc, d.m, d.flow, s.hs_code, s.origin_country, s.line_customs_value AS customs_value
                FROM d JOIN {s} s ON s.base_number = d.base_number AND s.revision = d.revision"""
    # tax codes are digits: byte order, not the database collation's strcoll, for the sorts of the aggregation
    return f"CREATE UNLOGGED TABLE {agg_table} AS {_aggregate_sql(decls, lines)}"


def apply_staged(cursor, agg_table: str) -> int:
    """Add the staged aggregates (``staged_aggregates_sql``) to the profile, except in the replaced pairs noted by
    ``note_replaced_pairs`` (recomputed exactly by ``recompute_replaced_pairs``). Inside the merge transaction."""
    p = REPLACED_PAIRS
    cursor.execute(f"""
        INSERT INTO {A} ({_INSERT_COLS}) SELECT {_AGG_COLS} FROM {agg_table} a
        WHERE NOT EXISTS (SELECT 1 FROM {p} WHERE {p}.tc = a.tc AND {p}.m = a.m)
        {_additive_conflict()}""")
    return cursor.rowcount


REPLACED_PAIRS = "decl_replaced_pairs"


def note_replaced_pairs(cursor, hdr_table: str, span: tuple) -> None:
    """Before the merge: the (tax code, month) pairs of every declaration whose revision the import replaces, old
    and new values (temporary table, dropped at commit). Call inside the merge transaction. ``span``: the first and
    last dates of the file and of its stored numbers (``Stage.add_stored_dates``: only those months' partitions
    are read)."""
    h = hdr_table
    stored = f"{h}.base_number = d.base_number AND {partitions.within('d', *span)}"
    cursor.execute(f"DROP TABLE IF EXISTS {REPLACED_PAIRS}")
    cursor.execute(f"""
        CREATE TEMP TABLE {REPLACED_PAIRS} ON COMMIT DROP AS
        SELECT DISTINCT tc, m FROM (
          SELECT d.importer_exporter_tax_code AS tc, {MONTH_SQL} AS m FROM {D} d
            JOIN {h} ON {stored} WHERE d.revision < {h}.revision
          UNION ALL
          SELECT {h}.importer_exporter_tax_code, ({h}.registered_on - (EXTRACT(DAY FROM {h}.registered_on)::int - 1))
            FROM {D} d JOIN {h} ON {stored} WHERE d.revision < {h}.revision) x""")
    cursor.execute(f"ALTER TABLE {REPLACED_PAIRS} ADD PRIMARY KEY (tc, m)")


def recompute_replaced_pairs(cursor) -> int:
    """After the merge: recompute exactly the profile rows of the pairs noted by ``note_replaced_pairs``."""
    p = REPLACED_PAIRS
    cursor.execute(f"SELECT MIN(m), MAX(m) FROM {p}")
    first, last = cursor.fetchone()
    if first is None:
        cursor.execute(f"DROP TABLE {p}")
        return 0
    span = (first, next_month(last) - dt.timedelta(days=1))
    cursor.execute(f"DELETE FROM {A} a USING {p} WHERE a.tax_code = {p}.tc AND a.month = {p}.m")
    cursor.execute(_insert_sql(f"""
        SELECT {_DECL_COLS} FROM {p} JOIN {D} d ON d.importer_exporter_tax_code = {p}.tc
          AND d.registered_on >= {p}.m AND d.registered_on < ({p}.m + INTERVAL '1 month')::date
        WHERE {partitions.within('d', *span)}""", span))
    written = cursor.rowcount
    cursor.execute(f"DROP TABLE {p}")
    return written
