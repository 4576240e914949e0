"""A round of risk on arrival vacuums the tables it reads from their indexes alone (``runner.refresh_visibility``),
so that their index-only scans do not visit the table for the rows written since the last vacuum."""

import pytest
from django.db import connection, transaction

from stq.risk.runner import refresh_visibility
from stq.risk.signals import scanned_on_arrival
from tests.declarations.helpers import do_import
from tests.risk import helpers as h

TABLES = ["declarations_originday", "declarations_peerprice"]


def heap_fetches() -> int:
    """The table visits of the index-only count of one peer group's prices (the medians' read)."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        try:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) SELECT COUNT(*) FROM declarations_peerprice "
                           "WHERE hs_code = '85423100' AND origin_country = 'CN' AND unit = 'PCE' "
                           "AND registered_on >= '2025-01-01'")
            plan = cursor.fetchone()[0]
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_bitmapscan")

    def walk(node):
        if node.get("Node Type") == "Index Only Scan":
            return node["Heap Fetches"]
        return sum(walk(child) for child in node.get("Plans", []))
    return walk((plan[0] if isinstance(plan, list) else plan)["Plan"])


def flush_statistics():
    """This session's table counters to the shared statistics (PostgreSQL 15 flushes them at most every second)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT 1")


@pytest.mark.django_db(transaction=True)
def test_a_round_vacuums_the_tables_it_reads_from_their_indexes_alone():
    with scanned_on_arrival():  # an import whose scan is left to risk on arrival (the broker consumer)
        assert do_import(h.fixture_rows()).status == "succeeded"
    flush_statistics()
    assert heap_fetches() > 0  # the new rows' pages are not marked all-visible
    with transaction.atomic():
        assert refresh_visibility() == []  # VACUUM cannot run inside a transaction: left to the next round
    assert refresh_visibility() == TABLES
    assert heap_fetches() == 0
    flush_statistics()
    assert refresh_visibility() == []  # nothing written since
