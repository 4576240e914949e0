"""Risk on arrival for several imports together (the broker consumer's rounds) gives the same alerts and criteria
hits as the full computation: each import scanned in turn, and each criterion over the whole data."""

import datetime as dt
import itertools

import pytest
from django.db import connection, transaction

from stq.declarations.models import Declaration
from stq.enterprises.models import Enterprise
from stq.risk.alerts import scan_import, scan_imports
from stq.risk.arrival import criteria_on_jobs
from stq.risk.criteria import get_kind
from stq.risk.models import Alert, AlertScan, CriterionHit
from stq.risk.runner import criteria_in_force, data_as_of
from tests.declarations.helpers import do_import
from tests.risk import helpers as h

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 11, 10)


def declarations(rows):
    return [list(g) for _, g in itertools.groupby(rows, key=lambda r: r["number"])]


@pytest.fixture
def imports(org):
    rows = h.fixture_rows()
    old = [r for r in rows if r["registered_on"] < "2025-11-01"]
    old += h.decl(h.PEERS[2], dt.date(2025, 1, 15), [("85423100", "CN", 100, 10_000_000)] * 15)  # established
    assert do_import(old, name="history.csv").status == "succeeded"
    for tax in h.ALL:
        Enterprise.objects.get_or_create(tax_code=tax, defaults={"name": f"DN {tax}", "managing_unit": org.kv01pt})
    h.all_criteria(org.risk_manager, org.chq)
    same_day = declarations([r for r in rows if r["registered_on"] == DAY.isoformat()])
    later = [r for r in rows if r["registered_on"] > DAY.isoformat()]
    surge = [("85423100", "CN", 100, 200_000_000)]
    parts = [[], [], []]
    for i, decl in enumerate(same_day):  # one day's declarations over three batches
        parts[i % 3] += decl
    parts[0] += h.decl(h.PEERS[0], DAY, surge)  # a surge, and more of it in the next batch (joins the alert)
    parts[1] += h.decl(h.PEERS[0], DAY, surge) + h.decl(h.PEERS[2], DAY, [("85423100", "MY", 100, 10_000_000)])
    parts.append(later)  # other registration days
    return h.import_batches(parts)


def snapshot():
    alerts = sorted((a.kind, a.tax_code, tuple(a.declaration_numbers), repr(sorted(a.details.items())),
                     a.scan.import_job_id) for a in Alert.objects.select_related("scan"))
    hits = sorted((x.criterion.code, x.tax_code, x.declaration_id, x.registered_on, round(x.value, 9),
                   None if x.reference is None else round(x.reference, 6))
                  for x in CriterionHit.objects.select_related("criterion"))
    return alerts, hits


def one_by_one(jobs):
    with transaction.atomic():
        for job in jobs:
            scan_import(job)
            criteria_on_jobs([job])
        result = snapshot()
        transaction.set_rollback(True)
    return result


def test_imports_scored_together_give_the_same_alerts_and_hits_as_one_by_one_and_as_the_full_run(imports):
    alerts, hits = one_by_one(imports)
    assert {a[0] for a in alerts} == {"price_outlier", "volume_surge", "new_origin"}
    assert {x[0] for x in hits} >= {"PRICE", "GROWTH", "PROC"}
    assert not Alert.objects.exists() and not AlertScan.objects.exists()
    scans = scan_imports(imports)
    criteria_on_jobs(imports)
    assert sorted(scans) == imports
    assert snapshot() == (alerts, hits)
    surge = Alert.objects.get(kind="volume_surge", tax_code=h.PEERS[0])
    assert set(Declaration.objects.filter(base_number__in=[n[:11] for n in surge.declaration_numbers])
               .values_list("import_job_id", flat=True)) == set(imports[:2])  # the 2nd batch joined the 1st's alert
    # the full run of each criterion (no scope), kept to what these imports declared: the same hits
    ids = set(Declaration.objects.filter(import_job_id__in=imports).values_list("pk", flat=True))
    tax_codes = set(Declaration.objects.filter(import_job_id__in=imports)
                    .values_list("importer_exporter_tax_code", flat=True))
    full = []
    for c in criteria_in_force():
        kind = get_kind(c.kind)
        sql, args = kind.sql(kind.validate(c.params), data_as_of(), None)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT q.tax_code, q.declaration_id, q.registered_on, q.value, q.reference "
                           f"FROM ({sql}) q", args)
            for tax, decl, day, value, ref in cursor.fetchall():
                if (decl in ids) if decl is not None else (tax in tax_codes):
                    full.append((c.code, tax, decl, day, round(value, 9), None if ref is None else round(ref, 6)))
    assert sorted(full) == hits
