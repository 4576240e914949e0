"""The central audit unit reviews every unit's forms 19/20; the national administrator grants a central unit's leader
a read-only scope across the tree (issue 16 item 13)."""

from datetime import date

import pytest

from stq.core.errors import AppError, NotFound
from stq.org import services as org_services
from stq.org.models import Role, RoleGrant, UnitKind
from stq.reports import selectors
from stq.reports.builder import build_report, drill_down
from stq.reports.periods import Period
from tests.conftest import make_user
from tests.factories import UnitFactory

from .factories import M, case, conclude

pytestmark = pytest.mark.django_db
Q1_2026 = Period(date(2026, 1, 1), date(2026, 3, 31), "quarter")


@pytest.fixture
def central(org):
    unit = UnitFactory(code="KTSTQ", name="Chi cục Kiểm tra sau thông quan", level_label="Chi cục", parent=org.chq,
                       kind=UnitKind.CENTRAL_AUDIT, is_department_scope=True)
    officer = make_user("central_officer", unit, (Role.OFFICER, unit, False))
    leader = make_user("central_leader", unit, (Role.APPROVER, unit, True))
    return unit, officer, leader


def test_central_audit_unit_reviews_the_national_forms_letter_7301_2_5(org, central, form19):
    """Letter 7301 §2.5: "Cục KTSTQ: thực hiện tổng hợp kết quả báo cáo theo mẫu 19 và 20 của các đơn vị; chủ động rà
    soát thông tin báo cáo của các đơn vị". The central unit's officer opens the national form 19 for Q1 2026 and the
    records behind a regional unit's figure; a regional officer still cannot."""
    _unit, officer, _leader = central
    c = case(org.kv01pt, org.officer1, mode="field", areas=("ORIGIN",), decision_on=date(2026, 1, 12),
             concluded_on=date(2026, 3, 2), state="concluded")
    conclude(c, date(2026, 3, 2), findings=[("ORIGIN", {"import_duty": 400 * M})], violations=True)
    assert selectors.report_unit(officer, None) == org.chq
    assert set(selectors.report_units(officer)) >= {org.chq, org.kv01, org.kv02pt}
    report = selectors.form_report(officer, form="19", unit=org.chq, period=Q1_2026)
    assert report.figures()["A"]["period"]["total"]["tax_assessed"] == 400 * M
    groups = drill_down(form19, unit=org.chq, period=Q1_2026, table_key="A", column_key="tax_assessed",
                        row_key="unit:KV01", user=officer)
    assert sum(g.records.count() for g in groups) == 1
    with pytest.raises(NotFound):
        selectors.report_unit(org.officer2, "CHQ")
    assert build_report(form19, unit=org.chq, period=Q1_2026, user=org.analyst).figures() == report.figures()


def test_national_admin_grants_the_central_leader_a_national_scope(org, central):
    """The national administrator grants the central unit's leader the read-only analyst role at the top unit with
    the units below (a scope across the tree); a regional user cannot get it, nor any other role that way."""
    _unit, _officer, leader = central
    grant = org_services.role_grant(actor=org.admin_chq, user=leader, role=Role.ANALYST, unit=org.chq,
                                    include_units_below=True)
    assert grant.unit == org.chq and grant.include_units_below
    for user, role in ((org.officer2, Role.ANALYST), (leader, Role.APPROVER)):
        with pytest.raises(AppError) as info:
            org_services.role_grant(actor=org.admin_chq, user=user, role=role, unit=org.chq, include_units_below=True)
        assert info.value.code == "user_not_in_unit"
    with pytest.raises(AppError):  # only at the top unit
        org_services.role_grant(actor=org.admin_kv01, user=leader, role=Role.ANALYST, unit=org.kv01)
    assert RoleGrant.objects.filter(user=leader, unit=org.chq).count() == 1
