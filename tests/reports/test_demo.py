from stq.reports.demo import seed
from stq.reports.models import Reconciliation
from tests.conftest import make_user


def test_demo_seeder_reconciles_last_month_once(org):
    make_user("canbo.kv01pt", org.kv01pt, ("officer", org.kv01pt, False))
    assert seed({}).startswith("form 19 of")
    rec = Reconciliation.objects.get()
    assert rec.unit == org.kv01pt and rec.confirmed_by.username == "canbo.kv01pt"
    assert seed({}) == "already present" and Reconciliation.objects.count() == 1
