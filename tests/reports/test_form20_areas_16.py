"""Form 20 counts cases, violations and amounts by the same finding areas (issue 16 item 14)."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from stq.audits.models import AuditConclusion, ConclusionFinding
from stq.core.errors import AppError
from stq.reports.builder import build_report
from stq.reports.periods import Period

from .factories import M, case, conclude

pytestmark = pytest.mark.django_db
Q1_2026 = Period(date(2026, 1, 1), date(2026, 3, 31), "quarter")


def test_form20_counts_a_case_under_each_finding_area(org, form20):
    """Domain B6.2, Table B ("rows = risk areas; columns = cases, declarations concerned, violations, tax assessed")
    and seed letter 7301 §2.5 (the central unit reviews forms 19/20): a case proposed for valuation (its main area)
    whose conclusion of Mon 02/03/2026 finds 400 million đồng of origin fraud counts under "Xuất xứ" as 1 case,
    1 violation, 400 million — it showed 0 cases, 0 violations, 400 million. The total counts the case once."""
    c = case(org.kv01pt, org.officer1, mode="field", areas=("VALUATION", "ORIGIN"), decision_on=date(2026, 1, 12),
             concluded_on=date(2026, 3, 2), state="concluded")
    conclude(c, date(2026, 3, 2), findings=[("VALUATION", {}), ("ORIGIN", {"import_duty": 400 * M})])
    fig = build_report(form20, unit=org.chq, period=Q1_2026, user=org.analyst).figures()["B"]["period"]
    assert fig["area:ORIGIN"]["cases"] == 1
    assert fig["area:ORIGIN"]["violations"] == 1
    assert fig["area:ORIGIN"]["tax_assessed"] == 400 * M
    assert fig["area:VALUATION"]["cases"] == 1 and fig["area:VALUATION"]["violations"] == 0
    assert fig["total"]["cases"] == 1 and fig["total"]["violations"] == 1 and fig["total"]["tax_assessed"] == 400 * M


def test_a_finding_with_amounts_is_a_violation(org):
    """A conclusion with amounts must mark the violation: derived on save, and the database refuses the contrary."""
    c = case(org.kv01pt, org.officer1, areas=("ORIGIN",), decision_on=date(2026, 1, 12))
    con = conclude(c, date(2026, 3, 2), findings=[("ORIGIN", {"vat": 40 * M})])
    finding = con.findings.get()
    assert finding.has_violation
    with pytest.raises(IntegrityError), transaction.atomic():
        ConclusionFinding.objects.filter(pk=finding.pk).update(has_violation=False)


def _origin_case(org, state):
    return case(org.kv01pt, org.officer1, mode="desk", areas=("ORIGIN",), decision_on=date(2026, 1, 12), state=state)


def _record(org, c, **kw):
    from stq.audits import services

    area = c.risk_areas.get()
    return services.conclusion_record(
        actor=org.officer1, case=c, number="06/TB-KTSTQ", signed_on=date(2026, 3, 2), signer_name="Trần Văn Ký",
        findings=[{"risk_area": area.pk, "finding": "Khai sai xuất xứ", "import_duty": 400 * M}], **kw)


def test_conclusion_service_refuses_amounts_without_the_violation_domain_b6_2(org):
    """Domain B6.2 (form 20: "violations" beside "tax assessed" per risk area), issue 16 item 14 "a conclusion with
    amounts must mark the violation": a result notice signed Mon 02/03/2026 assessing 400 million đồng of origin duty
    with has_violations=False explicitly is refused on that field and nothing is written; left out, it is derived."""
    c = _origin_case(org, "explanation_received")
    with pytest.raises(AppError) as info:
        _record(org, c, has_violations=False)
    assert "has_violations" in info.value.fields
    assert not AuditConclusion.objects.filter(case=c).exists()
    con = _record(org, c)
    assert con.has_violations and con.findings.get().has_violation


def test_database_refuses_a_conclusion_with_amounts_not_marked_domain_b6_2(org):
    """Domain B6.2: the constraint trigger refuses clearing has_violations on a conclusion of Mon 02/03/2026 whose
    finding assessed 40 million đồng VAT, and a new finding with amounts under an unmarked conclusion; a legacy
    (STQ01) conclusion is kept as imported."""
    c = _origin_case(org, "concluded")
    con = conclude(c, date(2026, 3, 2), findings=[("ORIGIN", {"vat": 40 * M})])
    assert con.has_violations
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditConclusion.objects.filter(pk=con.pk).update(has_violations=False)
    bare = conclude(_origin_case(org, "concluded"), date(2026, 3, 2))
    assert not bare.has_violations
    with pytest.raises(IntegrityError), transaction.atomic():
        ConclusionFinding.objects.create(conclusion=bare, risk_area=c.risk_areas.get(), finding="Thuế GTGT",
                                         vat=40 * M)
    old = conclude(case(org.kv01pt, org.officer1, areas=("ORIGIN",), decision_on=date(2026, 1, 12), legacy=True,
                        state="concluded"), date(2026, 3, 2))
    AuditConclusion.objects.filter(pk=old.pk).update(legacy=True)
    ConclusionFinding.objects.create(conclusion=old, risk_area=c.risk_areas.get(), finding="STQ01", vat=40 * M)
