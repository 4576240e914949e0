"""The peer prices (``PeerPrice``): every import goods line's unit price, kept by the import for the peer medians.

Risk on arrival compares each new import line's unit price with the median of its peers (same HS code, origin and
unit) over a period (``risk.criteria``, ``price_below_peer_median``). Recomputed from the lines, that median sorts
a year of lines joined with their declarations at every round, whatever the size of the batch. This table holds
the same prices (flow I, quantity and customs value above 0; ``customs_value / quantity`` in DOUBLE PRECISION, as
the recomputed query computes them) with their group and date, in the order of an index: a group's size in a
period and its middle price are read from that index alone, for the groups of the batch only.

The import writes it in the merge transaction that writes the lines (``write_staged`` on PostgreSQL, ``write_for``
elsewhere: the prices of the declarations it wrote, after deleting those of a replaced revision), so it always holds
exactly the stored lines' prices. ``rebuild`` recomputes it whole (after a bulk load outside the import).

It is bounded: the daily job (``manage.py assess_risk``, ``risk.tasks.assess_risk_task``) calls ``prune``, which
deletes the prices registered more than ``KEEP_DAYS`` before the newest declaration — the period the peer medians
of risk on arrival read (the alerts' 365 days, the criterion's default) and a month to spare. A query reads the
table only for a period that ``covers`` says was never pruned; a longer period (a criterion looking back up to
five years) recomputes its medians from the lines, as before the table existed.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Max

from .models import Declaration, DeclarationLine, PeerPrice

P = PeerPrice._meta.db_table
D = Declaration._meta.db_table
L = DeclarationLine._meta.db_table
FLOAT = "DOUBLE PRECISION"
PRICE_SQL = f"CAST(l.customs_value AS {FLOAT}) / CAST(l.quantity AS {FLOAT})"
_COLS = "declaration_id, hs_code, origin_country, unit, registered_on, price"


def _select(where: str) -> str:
    """The peer-price rows of the lines of the declarations ``d`` selected by ``where``."""
    return (f"SELECT l.declaration_id, l.hs_code, l.origin_country, l.unit, d.registered_on, {PRICE_SQL} "
            f"FROM {L} l JOIN {D} d ON d.id = l.declaration_id AND d.registered_on = l.registered_on "
            f"WHERE d.flow = 'I' AND l.quantity > 0 AND l.customs_value > 0 AND {where}")


def delete_for(cursor, ids_sql: str, args=()) -> None:
    """Delete the prices of the declarations whose ids ``ids_sql`` selects (before their lines are replaced)."""
    cursor.execute(f"DELETE FROM {P} WHERE declaration_id IN ({ids_sql})", list(args))


def write_for(cursor, ids_sql: str, args=()) -> int:
    """Insert the prices of the stored lines of the declarations whose ids ``ids_sql`` selects (just written)."""
    cursor.execute(f"INSERT INTO {P} ({_COLS}) {_select(f'd.id IN ({ids_sql})')}", list(args))
    return max(cursor.rowcount, 0)


def write_staged(cursor, lines: str, merged: str, copy=None) -> int:
    """Insert the prices of the lines a merge has just written, read from its staging tables (``lines`` joined to
    ``merged`` on number and revision, as the merge writes them) rather than from the partitions they went to: a
    month's partition filled in the same transaction has no statistics yet (never analyzed), and the planner,
    counting one declaration there, joined it to the file's declarations in a nested loop — quadratic in the file
    (60 s for a month file of 35,000 declarations, 16 min for 140,000; HISTORY.md). ``copy(select_sql, target)``:
    the importer's side connection runs the join and streams the rows as binary ``COPY`` (batched inserts, the join
    off the merge's connection); returns the rows written. (Sorted there in the index's order, they cost this
    connection a third less, but the sort delays the stream and costs the other connection as much: DECLARATIONS.md.)"""
    price = f"CAST(s.line_customs_value AS {FLOAT}) / CAST(s.quantity AS {FLOAT})"
    select = (f"SELECT m.id, s.hs_code, s.origin_country, s.unit, m.registered_on, {price} FROM {lines} s "
              f"JOIN {merged} m ON m.base_number = s.base_number AND m.revision = s.revision "
              f"WHERE m.flow = 'I' AND s.quantity > 0 AND s.line_customs_value > 0")
    if copy is not None:
        return copy(select, f"{P} ({_COLS})")
    cursor.execute(f"INSERT INTO {P} ({_COLS}) {select}")
    return max(cursor.rowcount, 0)


def rebuild() -> int:
    """Recompute the whole table from the stored lines; returns the rows written."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {P}")
        cursor.execute(f"INSERT INTO {P} ({_COLS}) {_select('1 = 1')}")
        return max(cursor.rowcount, 0)


KEEP_DAYS = 400  # the 365 days of the alerts and of the criterion's default period, and a month to spare


def newest_date() -> dt.date | None:
    """The newest registration date stored (the ``decl_date`` index), the reference of the kept period."""
    return Declaration.objects.aggregate(m=Max("registered_on"))["m"]


def covers(since: dt.date) -> bool:
    """True when no price registered on or after ``since`` was ever pruned: ``prune`` only deletes prices older
    than ``KEEP_DAYS`` before the newest date at its time, which is never later than the newest date now."""
    newest = newest_date()
    return newest is None or since >= newest - dt.timedelta(days=KEEP_DAYS)


def prune() -> int:
    """Delete the prices registered more than ``KEEP_DAYS`` before the newest date; returns the rows deleted."""
    newest = newest_date()
    return 0 if newest is None else delete_before(newest - dt.timedelta(days=KEEP_DAYS))


def delete_before(day: dt.date) -> int:
    """Delete the prices registered before ``day`` (their months archived: ``partitions.archive``), so the peer
    medians read from the table stay those of the live lines."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {P} WHERE registered_on < %s", [day])
        return max(cursor.rowcount, 0)
