"""The peer medians of risk on arrival, read from the peer-price table kept by the import, give exactly the alerts
and criteria hits of the medians recomputed from the lines, on the same data — amendments included (a replaced
revision's prices leave the table with its lines)."""

import datetime as dt
import itertools

import pytest
from django.db import connection, transaction

from stq.declarations import peer_prices
from stq.declarations.models import Declaration, PeerPrice
from stq.enterprises.models import Enterprise
from stq.risk import criteria
from stq.risk.alerts import scan_imports
from stq.risk.arrival import criteria_on_jobs
from stq.risk.models import Alert, CriterionHit
from tests.declarations.helpers import do_import
from tests.risk import helpers as h

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 11, 10)


def declarations(rows):
    return [list(g) for _, g in itertools.groupby(rows, key=lambda r: r["number"])]


def amended(rows, **over):
    """A later revision of the declaration of `rows` (its number's last digit + 1), fields replaced."""
    number = rows[0]["number"][:11] + str(int(rows[0]["number"][11]) + 1)
    return [{**r, "number": number, **over} for r in rows]


def table():
    return sorted(PeerPrice.objects.values_list("declaration_id", "hs_code", "origin_country", "unit",
                                                "registered_on", "price"))


@pytest.fixture
def imports(org):
    rows = h.fixture_rows()
    history = [r for r in rows if r["registered_on"] < "2025-11-01"]
    for i in range(11):  # spread prices, quantities with decimals, groups of odd and even sizes
        history += h.decl(h.PEERS[i % 6], dt.date(2025, 3 + i % 7, 12),
                          [("85423100", "CN", 100 + i * 0.125, 9_000_000 + i * 370_000),
                           ("30049099", "IN", 7.5 + i, 1_000_000 + i * 91_000)])
    old = declarations(history)
    assert do_import(history, name="history.csv").status == "succeeded"
    for tax in h.ALL:
        Enterprise.objects.get_or_create(tax_code=tax, defaults={"name": f"DN {tax}", "managing_unit": org.kv01pt})
    h.all_criteria(org.risk_manager, org.chq)
    same_day = declarations([r for r in rows if r["registered_on"] == DAY.isoformat()])
    parts = [[], [], []]
    for i, decl in enumerate(same_day):
        parts[i % 3] += decl
    cheap = h.decl(h.PEERS[3], DAY, [("30049099", "IN", 12, 100_000)])
    parts[0] += cheap
    parts[1] += amended(cheap, line_customs_value="90000")  # amended in the next batch: its old price goes
    parts[1] += amended(old[0], line_customs_value="2000000")  # a stored line's price changes: the medians too
    parts[2] += amended(old[1], flow="E")  # an import line that leaves the peers
    parts[2] += h.decl(h.PEERS[4], DAY, [("30049099", "IN", 3.25, 20_000), ("85423100", "CN", 100, 900_000)])
    return h.import_batches(parts)


def round_result(jobs, from_table, monkeypatch):
    """Alerts and criteria hits of one round of risk on arrival for `jobs` (rolled back), exactly."""
    monkeypatch.setattr(criteria, "PEER_MEDIANS_FROM_TABLE", from_table)
    with transaction.atomic():
        scan_imports(jobs)
        criteria_on_jobs(jobs)
        alerts = sorted((a.kind, a.tax_code, tuple(a.declaration_numbers), repr(sorted(a.details.items())),
                         a.scan.import_job_id) for a in Alert.objects.select_related("scan"))
        hits = sorted((x.criterion.code, x.tax_code, x.declaration_id, x.registered_on, x.value, x.reference)
                      for x in CriterionHit.objects.select_related("criterion"))
        transaction.set_rollback(True)
    return alerts, hits


def test_the_import_keeps_the_peer_prices_of_the_stored_lines(imports):
    kept = table()
    assert kept and len({row[0] for row in kept}) < len(kept)  # several lines per declaration
    peer_prices.rebuild()  # recomputed from the stored lines
    assert table() == kept
    amended_ids = set(Declaration.objects.filter(revision=1).values_list("pk", flat=True))
    assert len(amended_ids) == 3
    exported = Declaration.objects.get(pk__in=amended_ids, flow="E")
    assert not PeerPrice.objects.filter(declaration_id=exported.pk).exists()
    assert sorted(p for d, *_, p in kept if d in amended_ids) == [90000 / 12, 2000000 / 100]


def test_alerts_and_hits_from_the_table_are_those_of_the_recomputed_medians(imports, monkeypatch):
    from_table = round_result(imports, True, monkeypatch)
    recomputed = round_result(imports, False, monkeypatch)
    assert from_table == recomputed
    alerts, hits = from_table
    assert {a[0] for a in alerts} >= {"price_outlier"}
    assert any(x[0] == "PRICE" for x in hits)


@pytest.mark.parametrize("params", [
    {"ratio": 0.5, "min_peers": 5, "lookback_days": 365},
    {"ratio": 0.9, "min_peers": 2, "lookback_days": 120},
    {"ratio": 0.99, "min_peers": 12, "lookback_days": 1830},
])
def test_the_price_query_gives_the_same_rows_from_the_table_and_recomputed(imports, params):
    kind = criteria.get_kind("price_below_peer_median")
    assert connection.vendor == "postgresql"
    results = []
    for build in (criteria._price_below_median_from_table, criteria._price_below_median_recomputed):
        sql, args = build(kind.validate(params), DAY, imports)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM ({sql}) q ORDER BY declaration_id", args)
            results.append(cursor.fetchall())
    assert results[0] and results[0] == results[1]
