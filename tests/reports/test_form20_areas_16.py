"""Form 20 counts cases, violations and amounts by the same finding areas (issue 16 item 14)."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from stq.audits.models import ConclusionFinding
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
