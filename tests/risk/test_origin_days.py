"""The new-origin alerts of risk on arrival, read from the traded origins the import keeps
(``stq.declarations.origins``), are those recomputed from the stored history, on the same data: amendments
included (a replaced revision's pairs leave with its lines, a date moved by an amendment moves its day), export
lines counting as history, a pair seen only on the batch's own day still new."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Max, Min

from stq.declarations import origins
from stq.declarations.models import Declaration, OriginDay
from stq.enterprises.models import Enterprise
from stq.risk import alerts
from stq.risk.alerts import scan_imports
from stq.risk.models import Alert, AlertKind
from tests.declarations.helpers import do_import
from tests.risk import helpers as h

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 11, 10)
ESTABLISHED, SMALL, OTHER = h.PEERS[0], h.PEERS[1], h.PEERS[2]


def amended(rows, **over):
    """The next revision of the declaration of `rows` (its number's last digit + 1), fields replaced."""
    number = rows[0]["number"][:11] + str(int(rows[0]["number"][11]) + 1)
    return [{**r, "number": number, **over} for r in rows]


def table():
    return sorted(OriginDay.objects.values_list("tax_code", "hs6", "origin_country", "registered_on", "lines"))


@pytest.fixture
def imports(org):
    history = []
    for month in range(1, 11):  # established: 20 lines before 12 May, and 15 (OTHER)
        history += h.decl(ESTABLISHED, dt.date(2025, month, 5), [("85423100", "CN", 100, 10_000_000)] * 4)
        history += h.decl(OTHER, dt.date(2025, month, 5), [("85423100", "CN", 100, 10_000_000)] * 3)
    history += h.decl(ESTABLISHED, dt.date(2025, 4, 8), [("62034200", "VN", 10, 5_000_000)], flow="E")
    only_jp = h.decl(ESTABLISHED, dt.date(2025, 5, 12), [("72085100", "JP", 10, 50_000_000)])
    moved = h.decl(ESTABLISHED, dt.date(2025, 3, 12), [("39012000", "SA", 10, 8_000_000)])
    twice = h.decl(OTHER, dt.date(2025, 6, 3), [("52051200", "US", 10, 2_000_000)] * 2)
    history += only_jp + moved + twice
    for month in range(1, 6):  # 5 lines: not established
        history += h.decl(SMALL, dt.date(2025, month, 7), [("85423100", "CN", 100, 10_000_000)])
    assert do_import(history, name="history.csv").status == "succeeded"
    for tax in h.PEERS:
        Enterprise.objects.get_or_create(tax_code=tax, defaults={"name": f"DN {tax}", "managing_unit": org.kv01pt})
    switched = h.decl(ESTABLISHED, DAY, [("85423100", "MY", 100, 10_000_000)])
    parts = [
        # a seen pair, a new one, a pair seen on an export line; an enterprise without 20 earlier lines
        [*h.decl(ESTABLISHED, DAY, [("85423100", "CN", 100, 10_000_000), ("62034200", "VN", 10, 5_000_000),
                                    ("84713020", "CN", 5, 40_000_000)]),
         *switched, *h.decl(SMALL, DAY, [("85423100", "MY", 100, 10_000_000)]),
         *h.decl(OTHER, DAY, [("84713020", "TH", 5, 40_000_000)])],
        # amendments of the history: the only JP line becomes KR; a declaration moves to after the day; one of two
        # US lines becomes IN (the pair keeps one line)
        [*amended(only_jp, origin_country="KR"), *amended(moved, registered_on="2025-11-20"),
         *[{**r, "origin_country": "IN" if r["line_no"] == "1" else "US"} for r in amended(twice)]],
        # the JP pair is no longer seen, KR is; SA moved after the day; a pair first seen earlier on the day
        [*h.decl(ESTABLISHED, DAY, [("72085100", "JP", 10, 50_000_000), ("72085100", "KR", 10, 50_000_000),
                                    ("39012000", "SA", 10, 8_000_000)]),
         *h.decl(OTHER, DAY, [("84713020", "TH", 5, 40_000_000), ("52051200", "US", 10, 2_000_000),
                              ("52051200", "IN", 10, 2_000_000)]),
         *amended(switched, origin_country="CN")],  # the new origin of the first batch, corrected
    ]
    return h.import_batches(parts)


def new_origins(jobs, from_table, monkeypatch):
    """The alerts of one round of risk on arrival for `jobs` (rolled back), exactly, and each job's new-origin
    findings ({(job, tax code): pairs}, before an open alert of the day takes a later job's declarations)."""
    monkeypatch.setattr(alerts, "NEW_ORIGINS_FROM_TABLE", from_table)
    findings = {}
    for job in jobs:
        span = Declaration.objects.filter(import_job_id=job).aggregate(first=Min("registered_on"),
                                                                        last=Max("registered_on"))
        for tax, hit in alerts._new_origins([job], span["first"], span["last"]).get(job, {}).items():
            findings[(job, tax)] = (hit["pairs"], sorted(hit["ids"]))
    with transaction.atomic():
        scan_imports(jobs)
        found = sorted((a.kind, a.tax_code, tuple(a.declaration_numbers), repr(sorted(a.details.items())),
                        a.scan.import_job_id) for a in Alert.objects.select_related("scan"))
        transaction.set_rollback(True)
    return found, findings


def test_the_import_keeps_the_traded_origins_of_the_stored_lines(imports):
    kept = table()
    origins.rebuild()  # recomputed from the stored lines
    assert table() == kept
    mine = {(hs6, origin, day): n for tax, hs6, origin, day, n in kept if tax == ESTABLISHED}
    assert ("720851", "JP", dt.date(2025, 5, 12)) not in mine  # its only line was amended away
    assert mine[("720851", "KR", dt.date(2025, 5, 12))] == 1
    assert ("390120", "SA", dt.date(2025, 3, 12)) not in mine and mine[("390120", "SA", dt.date(2025, 11, 20))] == 1
    assert ("854231", "MY", DAY) not in mine and mine[("854231", "CN", DAY)] == 2  # the correction counted once
    assert mine[("620342", "VN", dt.date(2025, 4, 8))] == 1  # an export line
    other = {(hs6, origin, day): n for tax, hs6, origin, day, n in kept if tax == OTHER}
    assert other[("520512", "US", dt.date(2025, 6, 3))] == 1 and other[("520512", "IN", dt.date(2025, 6, 3))] == 1


def test_new_origin_alerts_from_the_table_are_those_recomputed_from_history(imports, monkeypatch):
    from_table, findings = new_origins(imports, True, monkeypatch)
    assert (from_table, findings) == new_origins(imports, False, monkeypatch)
    first, amendments, last = imports
    # in the order of the declarations' ids, which the import assigns in no particular order within a file
    pairs = {key: sorted(found[0]) for key, found in findings.items()}
    assert pairs == {
        # 854231/CN seen, VN seen on an export line; the MY line of this batch was corrected to CN by the last
        # one before the round: the round sees the stored revisions
        (first, ESTABLISHED): ["847130/CN"],
        (first, OTHER): ["847130/TH"],
        # the amendments, scanned from their own first day (12 May: ESTABLISHED has 21 lines before it, OTHER 15):
        # KR and SA were not seen before it (the SA line moved to November)
        (amendments, ESTABLISHED): ["390120/SA", "720851/KR"],
        # JP no longer seen (its only line amended to KR), SA moved after the day, KR seen in May; TH seen only on
        # the day itself; US and IN each seen in June
        (last, ESTABLISHED): ["390120/SA", "720851/JP"],
        (last, OTHER): ["847130/TH"],
    }
    raised = {(a[1], a[4]) for a in from_table if a[0] == AlertKind.NEW_ORIGIN}
    assert raised == {(ESTABLISHED, first), (OTHER, first)}  # the later findings join these open alerts


def test_new_origin_check_stays_linear_when_the_planner_takes_the_batch_for_one_row(org):
    """A new import's rows are in no statistics (a month's partition analysed before the batch arrived, the batch
    under the share that makes it stale): the planner takes the batch for one row. The new-origin check must still
    probe each batch enterprise once and each batch line once — in one statement joining the batch to its
    established enterprises, their probes ran again for every batch line (≥ 230 s for a 50,000-line batch on 30 M
    lines, benchmarks/HISTORY.md). Counted from the plans actually executed (EXPLAIN ANALYZE of each statement)."""
    import json

    from django.db import connection

    from stq.declarations.models import OriginDay as O
    from stq.declarations.partitions import plan_nodes
    from stq.risk.runner import refresh_statistics

    tax_codes = h.PEERS[:4]
    history = []
    for tax in tax_codes:  # established (30 earlier lines each) and a full month's partition before the batch
        for day in range(1, 10):
            history += h.decl(tax, dt.date(2025, 11, day), [("85423100", "CN", 100, 10_000_000)] * 12)
    assert do_import(history, name="history.csv").status == "succeeded"
    refresh_statistics()
    batch = []
    for tax in tax_codes:  # 40 lines: under STALE_SHARE of the month's 432, so no ANALYZE sees them
        batch += h.decl(tax, DAY, [("85423100", "CN", 100, 10_000_000), ("84713020", "TH", 5, 40_000_000)] * 5)
    [job] = h.import_batches([batch])
    assert refresh_statistics(stale_only=True) == []

    statements = []

    def record(execute, sql, params, many, context):
        if O._meta.db_table in sql:
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        found = alerts._new_origins([job], DAY, DAY)
    assert {tax: sorted(hit["pairs"]) for tax, hit in found[job].items()} == {tax: ["847130/TH"] for tax in tax_codes}

    loops = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            loops += sum(node["Actual Loops"] for node in plan_nodes(plan)
                         if node.get("Relation Name") == O._meta.db_table)
    assert 0 < loops <= len(batch) + len(tax_codes), loops
