"""Criteria: parameters validated per kind, batch evaluation in SQL finds exactly the planted cases."""

import pytest

from stq.core.errors import AppError, Forbidden
from stq.risk.models import CriterionHit
from stq.risk.runner import run_criteria
from tests.risk import helpers as h

pytestmark = pytest.mark.django_db


def hit_codes(criterion):
    return set(CriterionHit.objects.filter(criterion=criterion).values_list("tax_code", flat=True))


def test_each_kind_hits_exactly_its_planted_case(org):
    h.load_fixture(org.kv01pt)
    price, origin, growth, new, proc = h.all_criteria(org.risk_manager, org.chq)
    run = run_criteria(as_of=h.AS_OF)
    assert hit_codes(price) == {h.UNDERPRICER}
    assert hit_codes(origin) == {h.SWITCHER}
    assert hit_codes(growth) == {h.SURGER}
    assert hit_codes(new) == {h.NEWCOMER}
    assert hit_codes(proc) == {h.PROCESSOR}
    # declaration-level kinds record the declarations; enterprise-level ones do not
    assert CriterionHit.objects.filter(criterion=price).count() == 1
    assert CriterionHit.objects.filter(criterion=price, declaration__isnull=False).count() == 1
    assert CriterionHit.objects.filter(criterion=origin).count() == 5  # Jul–Nov from MY
    assert not CriterionHit.objects.filter(criterion=growth, declaration__isnull=False).exists()
    price.refresh_from_db()
    assert (price.hit_count, price.enterprise_count) == (1, 1)
    assert run.hits == 1 + 5 + 1 + 1 + 1
    hit = CriterionHit.objects.get(criterion=price)
    assert hit.value == pytest.approx(0.1)  # 10,000 VND per piece against a median of 100,000
    assert hit.reference == pytest.approx(100_000)


def test_a_rerun_replaces_the_hits_and_stricter_parameters_hit_less(org):
    h.load_fixture()
    price = h.criterion(org.risk_manager, org.chq, "PRICE", "price_below_peer_median", {"ratio": 0.5})
    run_criteria(as_of=h.AS_OF)
    run_criteria(as_of=h.AS_OF)
    assert CriterionHit.objects.filter(criterion=price).count() == 1
    from stq.risk.services import criterion_update

    criterion_update(actor=org.risk_manager, criterion=price, params={"ratio": 0.05})
    run_criteria(as_of=h.AS_OF)
    assert not CriterionHit.objects.filter(criterion=price).exists()


@pytest.mark.parametrize("kind,params,field", [
    ("price_below_peer_median", {"ratio": 1.5}, "params.ratio"),
    ("price_below_peer_median", {"ratio": "abc"}, "params.ratio"),
    ("price_below_peer_median", {"sql": "DROP TABLE x"}, "params"),
    ("origin_switch_after_measure", {"hs_prefixes": ["72A8"], "previous_origins": ["CN"],
                                     "measure_date": "2025-07-01"}, "params.hs_prefixes"),
    ("origin_switch_after_measure", {"hs_prefixes": ["7208"], "previous_origins": ["CN"]}, "params.measure_date"),
    ("processing_without_exports", {"import_procedures": ["E21'; --"]}, "params.import_procedures"),
    ("no_such_kind", {}, "kind"),
])
def test_parameters_are_validated_per_kind(org, kind, params, field):
    with pytest.raises(AppError) as exc:
        h.criterion(org.risk_manager, org.chq, "BAD", kind, params)
    assert field in exc.value.fields


def test_only_risk_managers_of_the_owner_unit_maintain_criteria(org):
    with pytest.raises(Forbidden):
        h.criterion(org.officer1, org.kv01pt, "X1", "price_below_peer_median", {"ratio": 0.5})
    c = h.criterion(org.risk_manager, org.kv01pt, "X2", "price_below_peer_median", {"ratio": 0.5})
    assert c.params == {"ratio": 0.5, "min_peers": 5, "lookback_days": 365}  # defaults filled in


def test_criteria_outside_their_validity_window_do_not_run(org):
    import datetime as dt

    from stq.risk.runner import criteria_in_force
    from stq.risk.services import criterion_update

    c = h.criterion(org.risk_manager, org.chq, "OLD", "price_below_peer_median", {"ratio": 0.5})
    assert c in criteria_in_force(dt.date(2025, 6, 1))
    criterion_update(actor=org.risk_manager, criterion=c, valid_to=dt.date(2025, 5, 31))
    assert c not in criteria_in_force(dt.date(2025, 6, 1))
    with pytest.raises(AppError):
        criterion_update(actor=org.risk_manager, criterion=c, valid_to=dt.date(2024, 1, 1))


def test_hit_rate_counts_hits_later_confirmed_by_audits(org):
    import datetime as dt

    from stq.enterprises.models import Enterprise
    from stq.risk.selectors import criteria_with_hit_rates

    h.load_fixture(org.kv01pt)
    h.all_criteria(org.risk_manager, org.chq)
    run_criteria(as_of=h.AS_OF)
    h.audit_case(Enterprise.objects.get(tax_code=h.UNDERPRICER), org.kv01pt, org.officer1,
                 signed_on=dt.date(2026, 1, 5), concluded_on=dt.date(2026, 2, 5), violations=True, tax=9_000_000)
    h.audit_case(Enterprise.objects.get(tax_code=h.SWITCHER), org.kv01pt, org.officer1,
                 signed_on=dt.date(2026, 1, 5), concluded_on=dt.date(2026, 2, 5), violations=False)
    h.audit_case(Enterprise.objects.get(tax_code=h.SURGER), org.kv01pt, org.officer1,
                 signed_on=dt.date(2024, 1, 5), concluded_on=dt.date(2024, 2, 5), violations=True)  # before the hit
    rates = {c.code: (c.confirmed, c.audited, c.hit_rate) for c in criteria_with_hit_rates()}
    assert rates["PRICE"] == (1, 1, 1.0)
    assert rates["ORIGIN"] == (0, 1, 0.0)
    assert rates["GROWTH"] == (0, 0, None)
