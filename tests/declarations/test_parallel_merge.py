"""The PostgreSQL merge with work on other connections (the staging tables committed: real commits here).

A second connection builds the merged-declarations table and streams the goods lines into the merge transaction
as binary COPY; a third computes the activity-profile aggregates. Both must leave the import all-or-nothing."""

from datetime import date

import psycopg
import pytest
from django.db import connection

from stq.declarations import activity, importer, origins, peer_prices
from stq.declarations.models import (
    ActivityMonth,
    Declaration,
    DeclarationLine,
    DeclarationRevision,
    ImportJob,
    ImportStatus,
    OriginDay,
    PeerPrice,
)

from .helpers import TAX_A, TAX_B, do_import, row
from .test_activity import fixture_rows, snapshot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the parallel merge is PostgreSQL"),
]


def state():
    """Everything an import may change, as plain values."""
    return (
        sorted(Declaration.objects.values_list("base_number", "revision", "customs_value", "total_tax", "line_count",
                                               "importer_exporter_tax_code", "registered_on")),
        sorted(DeclarationLine.objects.values_list("declaration__base_number", "line_no", "hs_code", "customs_value",
                                                   "vat")),
        sorted(DeclarationRevision.objects.values_list("base_number", "revision")),
        snapshot(),
    )


def staging_tables() -> list[str]:
    with connection.cursor() as c:
        c.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'declarations\\_stage\\_%' "
                  "OR tablename LIKE 'declarations\\_raw\\_%'")
        return [r[0] for r in c.fetchall()]


def amendment_rows():
    """Replaces two declarations of the fixture (one moves to another enterprise and month) and adds one."""
    return [row(number="100000000011", registered_on="2025-05-20", importer_exporter_tax_code=TAX_B,
                customs_value="5", line_customs_value="5", hs_code="27101943"),
            row(number="100000000021", registered_on="2025-03-03", customs_value="9", line_customs_value="9"),
            row(number="100000000021", line_no="2", registered_on="2025-03-03", customs_value="9",
                line_customs_value="4", hs_code="03021100"),
            row(number="500000000010", registered_on="2025-03-04")]


def test_the_merge_runs_on_other_connections_and_the_profile_equals_a_full_recompute(monkeypatch):
    backends = []
    for cls, attr in ((importer.SideConnection, "close"), (importer.StagedAggregates, "wait")):
        original = getattr(cls, attr)

        def noting(self, *args, _original=original, _cls=cls):
            conn = getattr(self, "conn", None) or getattr(self, "_conn", None)
            backends.append((_cls.__name__, conn.info.backend_pid))
            return _original(self, *args)
        monkeypatch.setattr(cls, attr, noting)
    assert do_import(fixture_rows()).status == ImportStatus.SUCCEEDED
    job = do_import(amendment_rows(), name="amend.csv")
    assert job.status == ImportStatus.SUCCEEDED
    assert (job.declarations_new, job.declarations_replaced, job.lines_written) == (1, 2, 4)
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        own = c.fetchone()[0]
    assert {name for name, _ in backends} == {"SideConnection", "StagedAggregates"}
    assert own not in {pid for _, pid in backends}  # really other connections, twice per import
    assert len(backends) == 4
    # the lines reached their declarations (ids assigned up front; no foreign key in the database)
    assert not DeclarationLine.objects.exclude(declaration_id__in=Declaration.objects.values("id")).exists()
    moved = Declaration.objects.get(base_number="10000000001")
    assert (moved.revision, moved.importer_exporter_tax_code, moved.line_count) == (1, TAX_B, 1)
    assert list(moved.lines.values_list("line_no", "hs_code")) == [(1, "27101943")]
    two = Declaration.objects.get(base_number="10000000002")
    assert (two.revision, two.line_count, two.customs_value) == (1, 2, 9)
    assert sorted(two.lines.values_list("line_no", "customs_value")) == [(1, 9), (2, 4)]
    incremental = snapshot()
    activity.rebuild_all(orm=True)
    assert snapshot() == incremental
    assert ActivityMonth.objects.get(tax_code=TAX_B, month="2025-05-01").top_hs_chapters == {"27": 5}
    assert ActivityMonth.objects.filter(tax_code=TAX_A, month="2025-03-01", flow="I").get().declarations > 0
    assert staging_tables() == []


def test_traded_origins_and_peer_prices_streamed_from_the_other_connections_equal_a_recompute(monkeypatch):
    """The lines, their peer prices and their new traded-origin keys are streamed from the side connection (the
    origins counted on the third, with whether each key is stored); a stored key is added to, also one whose row
    the same merge's amendment removed."""
    copied = []
    real = importer.SideConnection.copy_into

    def noting(self, cursor, select_sql, target):
        copied.append(target.split(" ")[0])
        return real(self, cursor, select_sql, target)
    monkeypatch.setattr(importer.SideConnection, "copy_into", noting)
    assert do_import(fixture_rows()).status == ImportStatus.SUCCEEDED
    rows = [*amendment_rows(),
            row(number="600000000010", registered_on="2025-02-11"),  # the key of declaration 1, amended away here
            row(number="600000000020", registered_on="2025-01-13")]  # the key of declaration 3, which stays
    assert do_import(rows, name="amend.csv").status == ImportStatus.SUCCEEDED
    tables = [DeclarationLine._meta.db_table, PeerPrice._meta.db_table, OriginDay._meta.db_table]
    assert copied == tables * 2

    def kept():
        return (sorted(OriginDay.objects.values_list("tax_code", "hs6", "origin_country", "registered_on", "lines")),
                sorted(PeerPrice.objects.values_list("declaration_id", "hs_code", "origin_country", "unit",
                                                     "registered_on", "price")))
    imported = kept()
    origins.rebuild()
    peer_prices.rebuild()
    assert kept() == imported
    counts = {row[:4]: row[4] for row in imported[0]}
    assert counts[(TAX_A, "854231", "CN", date(2025, 1, 13))] == 2
    assert counts[(TAX_A, "854231", "CN", date(2025, 2, 11))] == 1
    assert (TAX_A, "540752", "CN", date(2025, 2, 11)) not in counts
    assert counts[(TAX_B, "271019", "CN", date(2025, 5, 20))] == 1
    assert staging_tables() == []


def _fail_aggregates(monkeypatch):
    real = activity.staged_aggregates_sql

    def failing(agg, merged, stage):  # the same statement, made to fail in the database (division by zero)
        return real(agg, merged, stage).replace("COUNT(*) AS n", "COUNT(*) / (COUNT(*) - COUNT(*)) AS n", 1)
    monkeypatch.setattr(activity, "staged_aggregates_sql", failing)


def _fail_after(monkeypatch, owner, name):
    real = getattr(owner, name)

    def then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError(f"injected failure after {name}")
    monkeypatch.setattr(owner, name, then_fail)


@pytest.mark.parametrize("where", ["aggregates connection", "after the lines were copied",
                                   "after the profile was updated"])
def test_nothing_of_the_file_is_visible_when_any_part_of_the_merge_fails(monkeypatch, where):
    assert do_import(fixture_rows()).status == ImportStatus.SUCCEEDED
    before = state()
    if where == "aggregates connection":
        _fail_aggregates(monkeypatch)
    elif where == "after the lines were copied":
        _fail_after(monkeypatch, importer.SideConnection, "copy_into")
    else:
        _fail_after(monkeypatch, importer.activity, "recompute_replaced_pairs")
    with pytest.raises((RuntimeError, psycopg.errors.DivisionByZero)):
        do_import(amendment_rows(), name="amend.csv")
    failed = ImportJob.objects.get(original_name="amend.csv")
    assert failed.status == ImportStatus.CRASHED
    assert ("division by zero" if where == "aggregates connection" else "injected failure") in failed.message
    assert state() == before  # no declaration, line, archived revision or profile change of the failed file
    assert staging_tables() == []
    monkeypatch.undo()
    assert do_import(amendment_rows(), name="again.csv").status == ImportStatus.SUCCEEDED  # the lock was released
    assert Declaration.objects.get(base_number="10000000001").revision == 1

