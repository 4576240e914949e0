"""Batch evaluation of the criteria: one ``DELETE`` + one ``INSERT … SELECT`` per criterion, set-based."""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from stq.declarations.models import Declaration

from .criteria import get_kind
from .models import CriteriaRun, Criterion, CriterionHit

H = CriterionHit._meta.db_table


STALE_SHARE = 0.1  # the share of a table's rows changed since its last ANALYZE that makes its statistics stale


def refresh_statistics(*, stale_only: bool = False) -> list[str]:
    """Fresh planner statistics of the declaration tables before a batch run (PostgreSQL): right after a large
    import they are stale, and a plan built on "2 rows" for 1 M lines can be catastrophically slow. Returns the
    tables analysed. ``stale_only`` (risk on arrival's rounds, every few seconds): only the tables never analysed
    or with at least ``STALE_SHARE`` of their rows changed since (autovacuum's own threshold, reached now rather
    than at its next pass) — a small batch changes no plan, and the ANALYZE of every table took 1.5–2 s a round."""
    if connection.vendor != "postgresql":
        return []
    from stq.declarations.models import ActivityMonth, DeclarationLine, OriginDay, PeerPrice

    tables = [Declaration._meta.db_table, DeclarationLine._meta.db_table, ActivityMonth._meta.db_table,
              PeerPrice._meta.db_table, OriginDay._meta.db_table]
    with connection.cursor() as cursor:
        if stale_only:
            # a partitioned table (the declarations and their lines, by month on PostgreSQL) has no rows of its
            # own: its monthly partitions are the tables whose statistics go stale
            cursor.execute(
                "SELECT c.relname FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
                "WHERE (c.relname = ANY(%s) OR c.oid IN (SELECT i.inhrelid FROM pg_inherits i "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY(%s))) AND c.relkind = 'r' "
                "AND (s.relid IS NULL OR (s.last_analyze IS NULL AND s.last_autoanalyze IS NULL) "
                "OR s.n_mod_since_analyze >= %s * GREATEST(s.n_live_tup, c.reltuples, 1))",
                [tables, tables, STALE_SHARE])
            tables = sorted(r[0] for r in cursor.fetchall())
        if tables:
            cursor.execute("ANALYZE " + ", ".join(tables))
    return tables


def refresh_visibility() -> list[str]:
    """VACUUM the tables that risk on arrival reads from their indexes alone — the peer prices (``PeerPrice``: a
    round's medians) and the traded origins (``OriginDay``: its new-origin probes) — when ``STALE_SHARE`` of their
    rows were written since their last vacuum (PostgreSQL, outside a transaction). An index-only scan visits the
    table for every row of a page not marked all-visible, and only a vacuum marks them: autovacuum, when it runs,
    waits for 20 % of the table (and the benchmark machine runs without it). A vacuum skips the pages already
    marked: its cost is the rows written since. A round's medians at 411,000 prices: 1.0 s before, 0.2 s after.
    Returns the tables vacuumed."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return []
    from stq.declarations.models import OriginDay, PeerPrice

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
                       "AND n_ins_since_vacuum + n_dead_tup >= %s * GREATEST(n_live_tup, 1)",
                       [[PeerPrice._meta.db_table, OriginDay._meta.db_table], STALE_SHARE])
        tables = sorted(r[0] for r in cursor.fetchall())
        if tables:
            cursor.execute("VACUUM " + ", ".join(tables))
    return tables


def data_as_of() -> dt.date:
    """The reference day of a run: the latest registration date in the data (today when there is none)."""
    latest = Declaration.objects.aggregate(m=Max("registered_on"))["m"]
    return latest or timezone.localdate()


def criteria_in_force(day: dt.date | None = None):
    day = day or timezone.localdate()
    return [c for c in Criterion.objects.filter(active=True).select_related("risk_area") if c.is_valid_on(day)]


def hits_query(criterion: Criterion, as_of: dt.date, scope_job: int | None = None) -> tuple[str, list]:
    kind = get_kind(criterion.kind)
    params = kind.validate(criterion.params)
    return kind.sql(params, as_of, scope_job)


def run_criteria(criteria=None, *, as_of: dt.date | None = None, trigger: str = "manual") -> CriteriaRun:
    """Evaluate `criteria` (default: all in force today) over all declarations and replace their hits."""
    started = time.monotonic()
    refresh_statistics()
    as_of = as_of or data_as_of()
    criteria = list(criteria) if criteria is not None else criteria_in_force()
    run = CriteriaRun.objects.create(as_of=as_of, trigger=trigger, criteria=len(criteria))
    total = 0
    for criterion in criteria:
        sql, args = hits_query(criterion, as_of)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {H} WHERE criterion_id = %s", [criterion.pk])
            cursor.execute(
                f"INSERT INTO {H} (criterion_id, run_id, tax_code, declaration_id, registered_on, value, reference) "
                f"SELECT %s, %s, q.tax_code, q.declaration_id, q.registered_on, q.value, q.reference FROM ({sql}) q",
                [criterion.pk, run.pk, *args],
            )
            counts = CriterionHit.objects.filter(criterion=criterion).aggregate(
                hits=Count("id"), enterprises=Count("tax_code", distinct=True))
            Criterion.objects.filter(pk=criterion.pk).update(
                hit_count=counts["hits"], enterprise_count=counts["enterprises"], last_run_at=timezone.now())
        total += counts["hits"]
    run.hits = total
    run.finished_at = timezone.now()
    run.seconds = time.monotonic() - started
    run.save(update_fields=["hits", "finished_at", "seconds"])
    return run


def preview_hits(criterion: Criterion, *, as_of: dt.date | None = None, scope_job: int | None = None,
                 limit: int = 50) -> list[dict]:
    """The rows the criterion would hit now, without storing them (for the criterion page and alerts)."""
    sql, args = hits_query(criterion, as_of or data_as_of(), scope_job)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT q.declaration_id, q.tax_code, q.registered_on, q.value, q.reference "
                       f"FROM ({sql}) q ORDER BY q.tax_code, q.declaration_id LIMIT %s", [*args, limit])
        rows = [dict(zip(("declaration_id", "tax_code", "registered_on", "value", "reference"), r, strict=True))
                for r in cursor.fetchall()]
    numbers = {d.pk: d.number for d in Declaration.objects.filter(
        pk__in={r["declaration_id"] for r in rows if r["declaration_id"]}).only("base_number", "revision")}
    for r in rows:
        r["declaration_number"] = numbers.get(r["declaration_id"])
    return rows
