"""Monthly partitions of the declaration history (PostgreSQL; issue 20, ``benchmarks/PARTITIONING.md``).

The headers, the goods lines and the stored scores are partitioned by ``registered_on``, one partition a month,
named ``<table>_YYYYMM`` (migration ``declarations/0006``). There is no default partition: a row of a month without
a partition is refused, so the partitions are made ahead — the daily job (``manage.py ensure_partitions``) makes the
current month and the next ``AHEAD`` months, and the importer makes the months an older file reaches
(``ensure_months``), each in its own short transaction before the merge. Old months leave the live tables with
``manage.py archive_declarations --before YYYY-MM`` (``archive``). On SQLite (the demo) the tables are plain and
every function here is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction

# parents, in the order a month is detached (the headers last: what reads a line or a score joins its header)
TABLES = ("declarations_declarationline", "risk_declarationscore", "declarations_declaration")
SCORES = "risk_declarationscore"  # the risk app's stored scores (one per declaration, its date copied)
AHEAD = 3  # months made ahead of the current one
ARCHIVE_SCHEMA = "archive"


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, n: int) -> date:
    k = day.year * 12 + day.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s to `last`'s, both included."""
    out, m = [], month_start(first)
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out


def partition_name(table: str, month: date) -> str:
    return f"{table}_{month:%Y%m}"


def within(alias: str, first: date, last: date) -> str:
    """SQL: ``alias.registered_on`` between two dates, as literals — the condition a query needs on *each*
    partitioned table it reads for the planner to prune (a join on the date alone does not prune at plan time)."""
    return f"{alias}.registered_on BETWEEN '{first.isoformat()}' AND '{last.isoformat()}'"


def plan_nodes(plan):
    """Every node of an ``EXPLAIN (FORMAT JSON)`` plan (the statement's list, or its top node), depth first."""
    stack = [plan[0]["Plan"] if isinstance(plan, list) else plan]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("Plans", []))


def plan_relations(plan) -> set[str]:
    """The tables (partitions included) an ``EXPLAIN (FORMAT JSON)`` plan reads: what shows that a query prunes."""
    return {node["Relation Name"] for node in plan_nodes(plan) if "Relation Name" in node}


def is_partitioned(table: str = "declarations_declaration", cursor=None) -> bool:
    if connection.vendor != "postgresql":
        return False
    sql = "SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)"
    if cursor is not None:
        cursor.execute(sql, [table])
        row = cursor.fetchone()
    else:
        with connection.cursor() as c:
            c.execute(sql, [table])
            row = c.fetchone()
    return bool(row and row[0])


@dataclass(frozen=True)
class Partition:
    table: str  # the parent
    name: str
    month: date  # its first day (the lower bound)


def attached(cursor) -> list[Partition]:
    """The live monthly partitions of the three parents (their lower bound read from the catalogue)."""
    cursor.execute("""
        SELECT p.relname, c.relname, pg_get_expr(c.relpartbound, c.oid)
        FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE p.relname = ANY(%s) AND n.nspname = current_schema() AND NOT i.inhdetachpending
        ORDER BY 1, 2""", [list(TABLES)])
    out = []
    for parent, name, bound in cursor.fetchall():
        # "FOR VALUES FROM ('2025-03-01') TO ('2025-04-01')"
        lower = bound.split("'")[1]
        out.append(Partition(parent, name, date.fromisoformat(lower)))
    return out


def ensure_months(first: date, last: date) -> list[str]:
    """Create the missing partitions of the months from `first` to `last` for the three tables, in one short
    transaction of its own (creating a partition locks its parent briefly); returns the names created. A no-op
    on plain tables. Must not run inside an outer transaction that goes on to write (the lock would be held)."""
    if not is_partitioned():
        return []
    created = []
    with transaction.atomic(), connection.cursor() as c:
        have = {(p.table, p.month) for p in attached(c)}
        for month in months_between(first, last):
            for table in TABLES:
                if (table, month) in have:
                    continue
                name = partition_name(table, month)
                c.execute(f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF "{table}" '
                          f"FOR VALUES FROM ('{month:%Y-%m-%d}') TO ('{add_months(month, 1):%Y-%m-%d}')")
                created.append(name)
    return created


def ensure_ahead(today: date, ahead: int = AHEAD) -> list[str]:
    """The daily job: the current month and the next `ahead` months."""
    return ensure_months(month_start(today), add_months(today, ahead))


class ArchiveRefused(Exception):
    pass


def pending_detaches(cursor) -> list[tuple[str, str]]:
    """(parent, partition) of every detach left half-done (``DETACH … CONCURRENTLY`` interrupted)."""
    cursor.execute("""
        SELECT p.relname, c.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_class c ON c.oid = i.inhrelid WHERE p.relname = ANY(%s) AND i.inhdetachpending""", [list(TABLES)])
    return cursor.fetchall()


def archive(before: date, guard=None, log=None) -> list[str]:
    """Detach the partitions of every month before `before` from the three tables and move them to the schema
    ``archive`` (kept and queryable, out of every plan of the live tables). ``DETACH PARTITION … CONCURRENTLY``
    does not block the reads and writes of the other months; it cannot run inside a transaction, so this must be
    called in autocommit mode. `guard(before)` returns what forbids it ((case, declaration) pairs of open audit
    cases: ``audits.selectors.open_cases_naming_months``); any → ``ArchiveRefused``, nothing detached. The number
    registry keeps the archived numbers (one declaration per number, B7). Returns the partitions moved."""
    if not is_partitioned():
        raise ArchiveRefused("The declaration tables are not partitioned (PostgreSQL only).")
    if connection.in_atomic_block:
        raise ArchiveRefused("DETACH PARTITION … CONCURRENTLY cannot run inside a transaction.")
    blockers = list(guard(before)) if guard else []
    if blockers:
        shown = ", ".join(f"{case}: {number}" for case, number in blockers[:10])
        raise ArchiveRefused(f"Open audit cases name declarations of these months ({shown}"
                             f"{', …' if len(blockers) > 10 else ''}).")
    moved = []
    with connection.cursor() as c:
        c.execute(f"CREATE SCHEMA IF NOT EXISTS {ARCHIVE_SCHEMA}")
        for parent, name in pending_detaches(c):  # an interrupted run: finish it first
            c.execute(f'ALTER TABLE "{parent}" DETACH PARTITION "{name}" FINALIZE')
            c.execute(f'ALTER TABLE "{name}" SET SCHEMA {ARCHIVE_SCHEMA}')
            moved.append(name)
        old = [p for p in attached(c) if p.month < before]
        order = {t: i for i, t in enumerate(TABLES)}
        for p in sorted(old, key=lambda p: (p.month, order[p.table])):
            c.execute(f'ALTER TABLE "{p.table}" DETACH PARTITION "{p.name}" CONCURRENTLY')
            c.execute(f'ALTER TABLE "{p.name}" SET SCHEMA {ARCHIVE_SCHEMA}')
            moved.append(p.name)
            if log:
                log(p.name)
    from . import origins, peer_prices

    peer_prices.delete_before(before)  # the archived lines' prices leave the peer medians with them
    origins.delete_before(before)  # and their traded origins the new-origin history
    return moved
