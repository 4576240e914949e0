"""Concurrent imports are serialised around the merge (PostgreSQL advisory lock), on real commits."""

import threading

import pytest
from django.db import connection, connections, transaction

from stq.declarations import activity, importer
from stq.declarations.models import ActivityMonth, Declaration, DeclarationRevision, ImportStatus

from .helpers import TAX_A, do_import, row

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL"),
]


def in_thread(fn, results, key):
    def run():
        try:
            results[key] = fn()
        except Exception as exc:  # reported by the test
            results[key] = exc
        finally:
            connections.close_all()
    t = threading.Thread(target=run)
    t.start()
    return t


def amendment(base: str, revision: int, value: int, name: str):
    """Replaces declaration ``base`` (TAX_A, March 2025) and adds one declaration in the same month."""
    rows = [row(number=f"{base}{revision}", customs_value=str(value), line_customs_value=str(value)),
            row(number=f"{base[:-2]}9{base[-1]}0", customs_value=str(value))]
    return lambda: do_import(rows, name=name)


def profile_snapshot():
    return sorted(ActivityMonth.objects.values_list("tax_code", "month", "flow", "declarations", "lines", "value"))


def test_an_import_waits_for_the_merge_lock():
    do_import([row()])
    results = {}
    with transaction.atomic():
        importer.merge_lock()  # another merge in progress
        t = in_thread(amendment("10000000001", 1, 500, "a.csv"), results, "a")
        t.join(timeout=3)
        assert t.is_alive(), "the import merged while another merge held the lock"
    t.join(timeout=30)
    assert results["a"].status == ImportStatus.SUCCEEDED
    assert Declaration.objects.get(base_number="10000000001").revision == 1


def test_two_concurrent_imports_replacing_the_same_pair_both_succeed(monkeypatch):
    """Two files amending two different declarations of the same enterprise and month: they lock no common
    declaration, but both recompute the same profile row."""
    do_import([row(), row(line_no="2"), row(number="100000000020")])
    # Both merges meet after noting the replaced pairs, unless one waits for the other's lock (the barrier then
    # times out and the first goes on alone): without the lock they recompute the same pair at the same time.
    barrier = threading.Barrier(2, timeout=2)
    note = activity.note_replaced_pairs

    def note_then_meet(*args):
        note(*args)
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass

    monkeypatch.setattr(activity, "note_replaced_pairs", note_then_meet)
    results = {}
    threads = [in_thread(amendment("10000000001", 1, 500, "a.csv"), results, "a"),
               in_thread(amendment("10000000002", 2, 700, "b.csv"), results, "b")]
    for t in threads:
        t.join(timeout=60)
    assert {k: getattr(v, "status", v) for k, v in results.items()} == {"a": "succeeded", "b": "succeeded"}
    assert list(Declaration.objects.order_by("base_number").values_list("base_number", "revision")) == [
        ("10000000001", 1), ("10000000002", 2), ("10000000091", 0), ("10000000092", 0)]
    assert DeclarationRevision.objects.count() == 2
    assert ActivityMonth.objects.get(tax_code=TAX_A, flow="I").declarations == 4
    incremental = profile_snapshot()
    activity.rebuild_all()
    assert incremental == profile_snapshot()
