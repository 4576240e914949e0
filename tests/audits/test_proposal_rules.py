"""The rules of audit proposals (A1.3, B9 rules 1, 8, 9, 12): each refused with its code, nothing written."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from stq.audits import rules, services
from stq.audits.models import AuditProposal
from stq.core.errors import AppError, Conflict, Forbidden
from stq.enterprises.models import FocusListEntry

from .factories import act, approved, areas, enterprise, proposal, searched, today

pytestmark = pytest.mark.django_db
S = AuditProposal.State


def refused(code, fn, *args, **kw):
    with pytest.raises(AppError) as info:
        fn(*args, **kw)
    assert info.value.code == code, info.value
    return info.value


def test_numbered_per_unit_and_year_and_draft(org):
    a = proposal(org.officer1, org.kv01pt)
    b = proposal(org.officer1, org.kv01pt, enterprise("0301234562", "Công ty B"))
    c = proposal(org.officer2, org.kv02pt)
    y = today().year
    assert (a.number, b.number, c.number) == (f"0001/{y}/DX-KV01-PT", f"0002/{y}/DX-KV01-PT", f"0001/{y}/DX-KV02-PT")
    assert a.state == S.DRAFT and a.year == y and a.proposed_by == org.officer1


def test_search_first_is_required(org):
    ent = enterprise()
    refused("search_required", proposal, org.officer1, org.kv01pt, ent, search=False)
    searched(org.officer2, ent)  # someone else's search does not count
    refused("search_required", proposal, org.officer1, org.kv01pt, ent, search=False)
    assert not AuditProposal.objects.exists()
    searched(org.officer1, ent)
    assert proposal(org.officer1, org.kv01pt, ent, search=False).pk


def test_focus_list_enterprise_cannot_be_proposed_whatever_the_area(org):
    """Seed letter 7301 §2.2: "Không được đề xuất KTSTQ các doanh nghiệp mà doanh nghiệp đó thuộc danh sách doanh
    nghiệp trọng điểm" — listed for valuation, refused for origin too (it was accepted per area before)."""
    ent = enterprise()
    FocusListEntry.objects.create(enterprise=ent, risk_area="VALUATION", valid_from=today() - timedelta(days=10),
                                  reason="Rủi ro cao", designating_unit=org.chq, created_by=org.risk_manager)
    refused("focus_list", proposal, org.officer1, org.kv01pt, ent)
    refused("focus_list", proposal, org.officer1, org.kv01pt, ent, risk_areas=areas("ORIGIN"))
    assert not AuditProposal.objects.exists()


def test_focus_list_is_checked_again_on_submit(org):
    p = proposal(org.officer1, org.kv01pt)
    FocusListEntry.objects.create(enterprise=p.enterprise, risk_area="ORIGIN", valid_from=today(),
                                  reason="Rủi ro cao", designating_unit=org.chq, created_by=org.risk_manager)
    refused("focus_list", act, org.officer1, p, "submit")
    p.refresh_from_db()
    assert p.state == S.DRAFT


def test_audited_period_at_most_five_years_back(org):
    start = today() + timedelta(days=30)
    too_old = rules.years_before(start, 5) - timedelta(days=1)
    refused("period_too_old", proposal, org.officer1, org.kv01pt, period_from=too_old, planned_start=start)
    assert proposal(org.officer1, org.kv01pt, period_from=too_old + timedelta(days=1), planned_start=start).pk


def test_aeo_desk_audit_only_on_violation_signs(org):
    ent = enterprise(is_aeo=True, aeo_valid_until=today() + timedelta(days=400))
    refused("aeo_desk_audit", proposal, org.officer1, org.kv01pt, ent, mode="desk", ground="78.2")
    assert proposal(org.officer1, org.kv01pt, ent, mode="desk", ground="78.1").pk
    assert proposal(org.officer1, org.kv01pt, ent, mode="field", ground="78.2").pk


def test_self_approval_and_other_units_refused(org):
    p = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    with pytest.raises(Forbidden):
        act(org.approver2, p, "approve")
    p = act(org.approver1, p, "approve")
    assert p.state == S.APPROVED and p.approved_by == org.approver1 and p.due_kind == "decision_by"


def test_submitter_cannot_approve_own_proposal(org):
    p = act(org.approver1, proposal(org.approver1, org.kv01pt), "submit")
    with pytest.raises(Forbidden):
        act(org.approver1, p, "approve")


def test_first_filed_has_priority(org):
    first = act(org.officer2, proposal(org.officer2, org.kv02pt), "submit")
    later = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    assert later.duplicate_warning and later.duplicates[0]["number"] == first.number
    error = refused("priority", act, org.approver1, later, "approve", "trùng")
    assert first.number in str(error.message)
    act(org.approver2, first, "approve", "ok")  # the first one may go ahead (its duplicate is the later one)
    refused("priority", act, org.approver1, later, "approve", "trùng")  # approved earlier one still blocks
    assert AuditProposal.objects.get(pk=later.pk).state == S.SUBMITTED


def test_later_one_may_be_approved_once_the_earlier_is_cancelled(org):
    first = act(org.officer2, proposal(org.officer2, org.kv02pt), "submit")
    later = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    act(org.approver2, first, "cancel", "Trùng với đơn vị khác")
    assert act(org.approver1, later, "approve", "đã hủy đề xuất trước").state == S.APPROVED


def test_one_approved_proposal_per_enterprise_and_year(org):
    approved(org)
    again = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    refused("priority", act, org.approver1, again, "approve", "x")  # the approved one of this year was first
    assert rules.earlier_proposals(again).count() == 1
    # even without the priority rule the service refuses, and the database too
    refused("already_approved", rules.check_one_approved_per_year, again)


def test_database_allows_one_approved_proposal_per_enterprise_and_year(org):
    a = approved(org)
    b = proposal(org.officer1, org.kv01pt)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditProposal.objects.filter(pk=b.pk).update(state=S.APPROVED, year=a.year)
    AuditProposal.objects.filter(pk=b.pk).update(state=S.APPROVED, year=a.year + 1)  # another year is fine


def test_compliance_cap_half_a_percent_of_last_years_active_enterprises(org):
    from stq.enterprises.models import Enterprise

    last_year = today().year - 1
    Enterprise.objects.bulk_create([Enterprise(tax_code=f"09{i:08d}", name=f"DN {i}") for i in range(399)])
    from datetime import datetime

    Enterprise.objects.update(created_at=timezone.make_aware(datetime(last_year, 6, 1)))
    assert rules.active_enterprises_in(last_year) == 399
    assert rules.compliance_audit_cap(today().year) == 1  # 0.5 % of 399, rounded down
    approved(org, ground="78.3")
    assert rules.compliance_audits_used(today().year) == 1
    other = enterprise("0301234562", "Công ty B")
    p = act(org.officer1, proposal(org.officer1, org.kv01pt, other, ground="78.3"), "submit")
    refused("compliance_cap", act, org.approver1, p, "approve")


def test_cannot_approve_twice_or_from_wrong_state(org):
    p = approved(org)
    with pytest.raises(Conflict):
        act(org.approver1, p, "approve")


def test_from_a_closed_information_collection_only(org):
    from tests.collection.factories import act as c_act
    from tests.collection.factories import proposal as c_proposal

    ic = c_proposal(org.officer1, org.kv01pt, enterprise())
    refused("collection_not_closed", proposal, org.officer1, org.kv01pt, info_collection=ic)
    ic = c_act(org.officer1, ic, "submit")
    assert ic.state == "submitted"


def test_legacy_proposal_is_read_only(org):
    p = proposal(org.officer1, org.kv01pt)
    AuditProposal.objects.filter(pk=p.pk).update(legacy=True)
    p.refresh_from_db()
    refused("legacy_read_only", act, org.officer1, p, "submit")
    refused("legacy_read_only", services.proposal_update, actor=org.officer1, proposal=p, reason="x")
