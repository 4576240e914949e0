"""The partitioned history (issue 20, benchmarks/PARTITIONING.md), on PostgreSQL: the keys, the monthly partitions
made ahead and by the import, the number registry (B7), an amendment that changes month, and the plans of the main
query paths pruned to the partitions of the months asked."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from stq.declarations import origins, partitions, selectors
from stq.declarations.models import Declaration, DeclarationLine, DeclarationNumber, OriginDay, PeerPrice
from stq.risk import arrival, criteria, training
from stq.risk.models import DeclarationScore, ModelVersion

from .helpers import TAX_A, do_import, row

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the history is partitioned on PostgreSQL only"),
]
D, L, S = "declarations_declaration", "declarations_declarationline", "risk_declarationscore"


def months_file():
    """Two declarations a month, February to May 2025, two goods lines each."""
    return [row(number=f"1{m:02d}{k:08d}0", registered_on=f"2025-{m:02d}-1{k}", line_no=str(line),
                hs_code="85423100" if line == 1 else "03021100")
            for m in (2, 3, 4, 5) for k in (1, 2) for line in (1, 2)]


relations = partitions.plan_relations  # the tables a plan reads


def explain_sql(sql, args) -> set[str]:
    with connection.cursor() as c:
        c.execute(f"EXPLAIN (FORMAT JSON) {sql}", args)
        plan = c.fetchone()[0]
    return relations(plan if isinstance(plan, list) else json.loads(plan))


def explain_qs(qs) -> set[str]:
    return relations(json.loads(qs.explain(format="json")))


def of(table, *months):
    return {f"{table}_{m}" for m in months}


def test_tables_are_partitioned_by_month_with_the_date_in_every_key():
    with connection.cursor() as c:
        for table, key in ((D, ["id", "registered_on"]), (L, ["id", "registered_on"]),
                           (S, ["declaration_id", "registered_on"])):
            c.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [table])
            assert c.fetchone()[0] == "p", table
            c.execute("SELECT pg_get_partkeydef(%s::regclass)", [table])
            assert c.fetchone()[0] == "RANGE (registered_on)"
            c.execute("""SELECT array_agg(a.attname ORDER BY k.n) FROM pg_constraint p
                         CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY k(attnum, n)
                         JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = k.attnum
                         WHERE p.conrelid = %s::regclass AND p.contype = 'p'""", [table])
            assert c.fetchone()[0] == key, table
            c.execute("""SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass
                         AND contype = 'u'""", [table])
            assert all("registered_on" in d for (d,) in c.fetchall())
        c.execute("SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE 'decl_number_%%'", [D])
        assert c.fetchone()[0] == 3
        # the ids still come from one sequence
        c.execute("SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')", [D, L])
        assert all(c.fetchone())


def test_daily_job_makes_the_current_month_and_the_next_three_once():
    today = dt.date.today()
    call_command("ensure_partitions")
    with connection.cursor() as c:
        live = {(p.table, p.month) for p in partitions.attached(c)}
    for k in range(partitions.AHEAD + 1):
        month = partitions.add_months(today.replace(day=1), k)
        assert {(t, month) for t in partitions.TABLES} <= live
    assert partitions.ensure_ahead(today) == []


def test_import_makes_the_months_of_an_older_file_and_dates_the_lines():
    with connection.cursor() as c:
        c.execute("SELECT to_regclass('declarations_declaration_201903') IS NULL")
        assert c.fetchone()[0]
    job = do_import([row(number="190000000010", registered_on="2019-03-05"),
                     row(number="190000000010", registered_on="2019-03-05", line_no="2")])
    assert job.status == "succeeded", job.message
    with connection.cursor() as c:
        for table in partitions.TABLES:
            c.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{table}_201903"])
            assert c.fetchone()[0], table
        c.execute(f"SELECT COUNT(*) FROM {L}_201903")
        assert c.fetchone()[0] == 2
    assert set(DeclarationLine.objects.filter(declaration__base_number="19000000001")
               .values_list("registered_on", flat=True)) == {dt.date(2019, 3, 5)}
    reg = DeclarationNumber.objects.get(base_number="19000000001")
    assert reg.registered_on == dt.date(2019, 3, 5)
    assert reg.declaration_id == Declaration.objects.get(base_number="19000000001").pk


def test_registry_refuses_a_second_declaration_with_a_stored_number_b7():
    """B7: one declaration per number, in the database — a partitioned table cannot hold that unique key, the
    registry's primary key does, on every path that writes headers (here the ORM, past the importer)."""
    assert do_import([row()]).status == "succeeded"
    stored = Declaration.objects.get(base_number="10000000001")
    partitions.ensure_months(dt.date(2025, 4, 1), dt.date(2025, 4, 1))
    fields = {f.attname: getattr(stored, f.attname) for f in Declaration._meta.concrete_fields if f.attname != "id"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(**{**fields, "registered_on": dt.date(2025, 4, 2)})
    stored.delete()  # the trigger frees the number
    assert not DeclarationNumber.objects.filter(base_number="10000000001").exists()


def test_amendment_to_another_month_moves_the_header_its_lines_and_its_score():
    assert do_import([row(), row(line_no="2")]).status == "succeeded"
    stored = Declaration.objects.get(base_number="10000000001")
    version = ModelVersion.objects.create(number=1, source="x", training_from=dt.date(2025, 1, 1),
                                          training_to=dt.date(2025, 2, 1), artefact_path="x", artefact_sha256="0")
    DeclarationScore.objects.create(declaration_id=stored.pk, model=version, tax_code=TAX_A,
                                    registered_on=stored.registered_on, probability=0.5, score=0.5)
    job = do_import([row(number="100000000011", registered_on="2025-04-02")], name="amendment.csv")
    assert job.status == "succeeded" and job.declarations_replaced == 1, job.message
    decl = Declaration.objects.get(base_number="10000000001")
    assert (decl.revision, decl.registered_on) == (1, dt.date(2025, 4, 2))
    assert DeclarationNumber.objects.get(base_number="10000000001").registered_on == dt.date(2025, 4, 2)
    with connection.cursor() as c:
        c.execute(f"SELECT COUNT(*) FROM {L}_202503")
        assert c.fetchone()[0] == 0
        c.execute(f"SELECT COUNT(*) FROM {L}_202504 WHERE declaration_id = %s", [decl.pk])
        assert c.fetchone()[0] == 1
    assert [line.line_no for line in decl.goods_lines()] == [1]
    # the stored score follows (kept until the next scoring, as before), one row for the declaration
    assert list(DeclarationScore.objects.filter(declaration_id=decl.pk).values_list("registered_on", flat=True)) == [
        dt.date(2025, 4, 2)]


def test_main_query_paths_read_only_the_partitions_of_their_months(org):
    assert do_import(months_file()).status == "succeeded"
    months = ("202502", "202503", "202504", "202505")
    with connection.cursor() as c:
        c.execute(f"ANALYZE {D}; ANALYZE {L}")
    everything = of(D, *months) | of(L, *months)

    # declaration search: tax code and a date range, with the HS filter on the lines
    qs = selectors.declaration_search(org.risk_manager, tax_code=TAX_A, date_from=dt.date(2025, 3, 1),
                                      date_to=dt.date(2025, 4, 30), hs="8542")
    assert len(qs) == 4
    seen = explain_qs(qs)
    assert seen & everything == of(D, "202503", "202504") | of(L, "202503", "202504")

    # the detail page: the number through the registry, then its lines
    qs = selectors.by_number(Declaration.objects.all(), "103000000010")
    decl = qs.get()
    assert explain_qs(qs) & everything == of(D, "202503")
    assert explain_qs(decl.goods_lines()) == of(L, "202503")

    # model scoring: the read of one window (headers and lines)
    where, args = training.window_where(dt.date(2025, 4, 1), dt.date(2025, 5, 1))
    assert explain_sql(training._lines_sql(where), args) == of(D, "202504") | of(L, "202504")

    # the criteria run (unit price below the peers' median, 30 days back)
    kind = criteria.get_kind("price_below_peer_median")
    sql, args = kind.sql(kind.validate({"ratio": 0.5, "min_peers": 5, "lookback_days": 30}), dt.date(2025, 5, 31),
                         None)
    assert explain_sql(sql, args) & everything == of(D, "202505") | of(L, "202505")

    # risk on arrival: the declarations of an import job, bounded by the job's dates
    assert selectors.import_span([decl.import_job_id]) == (dt.date(2025, 2, 11), dt.date(2025, 5, 12))
    where, args = arrival.jobs_where([decl.import_job_id])
    assert explain_sql(training._lines_sql(where), args) == everything
    assert do_import([row(number="106000000010", registered_on="2025-06-03")], name="june.csv").status == "succeeded"
    june = Declaration.objects.get(base_number="10600000001").import_job_id
    assert explain_sql(training._lines_sql(arrival.jobs_where([june])[0]), arrival.jobs_where([june])[1]) == (
        of(D, "202506") | of(L, "202506"))

    # a declaration's stored score
    scores = DeclarationScore.objects.filter(declaration_id=decl.pk, registered_on=decl.registered_on)
    assert explain_qs(scores) == of(S, "202503")


@pytest.mark.django_db(transaction=True)
def test_archive_detaches_old_months_unless_an_open_case_names_them(org):
    """``archive_declarations --before`` moves the months' partitions of the three tables to the schema archive
    (DETACH … CONCURRENTLY: in autocommit), and is refused while an open audit case names one of their
    declarations; an archived number stays taken."""
    from django.core.management.base import CommandError

    from tests.audits.factories import opened

    try:
        rows = [row(number="123000000010", registered_on="2023-01-10"), row(number="123000000020",
                                                                            registered_on="2023-02-10")]
        assert do_import(rows).status == "succeeded"
        case = opened(org, proposal_kw={"declaration_numbers": ["123000000010"],
                                        "period_from": dt.date(2023, 1, 1)})
        with pytest.raises(CommandError, match=case.number):
            call_command("archive_declarations", "--before", "2023-02")
        assert partitions.is_partitioned() and Declaration.objects.filter(base_number="12300000001").exists()
        type(case).objects.filter(pk=case.pk).update(state="closed")
        assert PeerPrice.objects.filter(registered_on__lt=dt.date(2023, 2, 1)).exists()
        assert OriginDay.objects.filter(registered_on__lt=dt.date(2023, 2, 1)).exists()
        call_command("archive_declarations", "--before", "2023-02")
        # the archived lines' prices leave the peer medians, their traded origins the new-origin history; the live
        # month's stay: both tables still hold exactly the live lines'
        assert not PeerPrice.objects.filter(registered_on__lt=dt.date(2023, 2, 1)).exists()
        assert PeerPrice.objects.filter(registered_on=dt.date(2023, 2, 10)).exists()
        kept = sorted(OriginDay.objects.values_list("tax_code", "hs6", "origin_country", "registered_on", "lines"))
        assert kept and origins.rebuild() == len(kept)
        assert sorted(OriginDay.objects.values_list("tax_code", "hs6", "origin_country", "registered_on",
                                                    "lines")) == kept
        with connection.cursor() as c:
            c.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                      "WHERE n.nspname = 'archive' AND c.relname LIKE '%%_202301'")
            assert {r[0] for r in c.fetchall()} == {f"{t}_202301" for t in partitions.TABLES}
            c.execute("SELECT COUNT(*) FROM archive.declarations_declaration_202301")
            assert c.fetchone()[0] == 1
            live = {(p.table, p.month) for p in partitions.attached(c)}
        assert not any(month < dt.date(2023, 2, 1) for _table, month in live)
        assert list(Declaration.objects.values_list("base_number", flat=True)) == ["12300000002"]
        # the number stays taken: the file cannot bring the declaration back
        job = do_import([row(number="123000000011", registered_on="2023-01-10")], name="again.csv")
        assert job.status == "failed" and job.errors_count == 1
        with pytest.raises(CommandError, match="YYYY-MM"):
            call_command("archive_declarations", "--before", "2023-13")
    finally:
        with connection.cursor() as c:
            c.execute("DROP SCHEMA IF EXISTS archive CASCADE")


def test_the_import_writes_the_peer_prices_from_its_staging_tables_not_from_the_partitions_it_just_filled():
    """A month's partition filled in the import's transaction has no statistics: read back from it, the peer prices
    were planned as a nested loop over the file's declarations, quadratic (16 min for a month file of 140,000
    declarations, HISTORY.md). They are read from the staging tables, and equal the prices recomputed."""
    from django.test.utils import CaptureQueriesContext

    from stq.declarations import peer_prices

    with CaptureQueriesContext(connection) as ctx:
        assert do_import(months_file()).status == "succeeded"
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(f"INSERT INTO {PeerPrice._meta.db_table}")]
    assert len(writes) == 1
    assert f"FROM {L}" not in writes[0] and f"JOIN {D}" not in writes[0]
    kept = sorted(PeerPrice.objects.values_list("declaration_id", "hs_code", "registered_on", "price"))
    assert len(kept) == 16
    peer_prices.rebuild()
    assert sorted(PeerPrice.objects.values_list("declaration_id", "hs_code", "registered_on", "price")) == kept
