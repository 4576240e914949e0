"""Enterprise risk: the documented score, its B5 mapping, reasons, past audits and the daily history."""

import datetime as dt

import pytest

from stq.enterprises.models import Enterprise
from stq.risk import scoring
from stq.risk.models import Classification, EnterpriseRisk, EnterpriseRiskHistory
from stq.risk.runner import run_criteria
from tests.risk import helpers as h

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 12, 1)


def test_components_and_mapping_follow_the_documented_formula():
    assert scoring.impact_of(0) == 0
    assert scoring.impact_of(10**11 - 1) == pytest.approx(1, abs=1e-6)
    assert scoring.detectability_of(None, DAY) == 1
    assert scoring.detectability_of(DAY, DAY) == pytest.approx(0.2)
    assert scoring.detectability_of(DAY - dt.timedelta(days=3653), DAY) == 1
    assert scoring.combine(1, 1, 1) == 100
    assert scoring.risk_class_of(80, aeo=True, active=True, violated_ever=True) == 1
    assert scoring.risk_class_of(80, aeo=False, active=False, violated_ever=False) == 7
    assert scoring.risk_class_of(80, aeo=False, active=False, violated_ever=True) == 8
    assert [scoring.risk_class_of(s, aeo=False, active=True, violated_ever=False) for s in (1, 10, 20, 40, 60)] == [
        2, 3, 4, 5, 6]
    assert scoring.compliance_level_of(3, recent_violation=True) == 5
    assert scoring.compliance_level_of(7, recent_violation=False) is None
    assert scoring.classification_of(5) == Classification.TARGET
    assert scoring.classification_of(4) == Classification.MONITOR
    assert scoring.classification_of(2) == Classification.NOT_TO_AUDIT


def test_assess_scores_hit_enterprises_higher_with_reasons_and_writes_b5_fields(org):
    h.load_fixture(org.kv01pt)
    h.all_criteria(org.risk_manager, org.chq)
    run_criteria(as_of=h.AS_OF)
    result = scoring.assess(DAY)
    assert result["enterprises"] == len(h.ALL)
    risks = {r.tax_code: r for r in EnterpriseRisk.objects.all()}
    peer = risks[h.PEERS[1]]
    assert peer.probability == 0 and peer.score == 0 and peer.risk_class == 2
    for code in (h.UNDERPRICER, h.SWITCHER, h.SURGER, h.NEWCOMER, h.PROCESSOR):
        assert risks[code].score > 5, code
        assert risks[code].reasons[0]["code"] == "criterion"
    newcomer = risks[h.NEWCOMER]  # 60 % weight, huge taxes (impact), never audited
    assert newcomer.probability == pytest.approx(0.6 * 0.5 ** (((DAY - dt.date(2025, 11, 20)).days) / 365), rel=1e-3)
    ent = Enterprise.objects.get(tax_code=h.NEWCOMER)
    assert (ent.risk_class, ent.compliance_level, ent.risk_classified_on) == (
        newcomer.risk_class, newcomer.compliance_level, DAY)
    assert "NEW" in ent.risk_reason
    assert EnterpriseRiskHistory.objects.filter(computed_on=DAY).count() == len(h.ALL)
    scoring.assess(DAY)  # same day again: replaced, not duplicated
    assert EnterpriseRiskHistory.objects.filter(computed_on=DAY).count() == len(h.ALL)
    reasons = [scoring.reason_text(r) for r in newcomer.reasons]
    assert any("NEW" in r for r in reasons) and any("never" in r.lower() or "chưa" in r.lower() for r in reasons)


def test_past_violation_raises_and_decays_recent_audit_lowers_detectability(org):
    h.load_fixture(org.kv01pt)
    violator = Enterprise.objects.get(tax_code=h.PEERS[2])
    h.audit_case(violator, org.kv01pt, org.officer1, signed_on=dt.date(2022, 3, 1),
                 concluded_on=dt.date(2022, 5, 1), violations=True, tax=5_000_000)
    clean = Enterprise.objects.get(tax_code=h.PEERS[3])
    h.audit_case(clean, org.kv01pt, org.officer1, signed_on=dt.date(2025, 9, 1),
                 concluded_on=dt.date(2025, 10, 1), violations=False)
    scoring.assess(DAY)
    v = EnterpriseRisk.objects.get(tax_code=violator.tax_code)
    age = (DAY - dt.date(2022, 5, 1)).days
    assert v.probability == pytest.approx(0.6 * 0.5 ** (age / 730), rel=1e-3)
    assert any(r["code"] == "past_violation" for r in v.reasons)
    c = EnterpriseRisk.objects.get(tax_code=clean.tax_code)
    assert c.probability == 0 and c.last_audit_on == dt.date(2025, 9, 1)
    assert c.detectability < 0.3


def test_inactive_and_aeo_enterprises_get_classes_7_and_1(org):
    h.load_fixture(org.kv01pt)
    Enterprise.objects.create(tax_code="0100109106", name="DN không hoạt động", managing_unit=org.kv01pt)
    Enterprise.objects.filter(tax_code=h.PEERS[4]).update(is_aeo=True)
    scoring.assess(DAY)
    assert EnterpriseRisk.objects.get(tax_code="0100109106").risk_class == 7
    aeo = EnterpriseRisk.objects.get(tax_code=h.PEERS[4])
    assert (aeo.risk_class, aeo.compliance_level, aeo.classification) == (1, 1, Classification.NOT_TO_AUDIT)
