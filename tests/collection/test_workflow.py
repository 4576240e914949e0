"""The information-collection workflow: every transition allowed and refused by role and unit."""

import pytest
from django.contrib.contenttypes.models import ContentType

from stq.collection import services
from stq.collection.models import CollectionResult, InfoCollection
from stq.core.errors import AppError, Conflict, Forbidden
from stq.core.models import CaseEvent, Notification

from .factories import act, areas, proposal, results_for

pytestmark = pytest.mark.django_db
S = InfoCollection.State


def events(case):
    ct = ContentType.objects.get_for_model(InfoCollection)
    return list(CaseEvent.objects.filter(content_type=ct, object_id=case.pk).values_list("action", flat=True))


def refused(actor, case, action, code, exc=AppError, note="x"):
    before = (case.state, case.version, len(events(case)))
    with pytest.raises(exc) as info:
        act(actor, case, action, note)
    assert info.value.code == code
    case.refresh_from_db()
    assert (case.state, case.version, len(events(case))) == before  # nothing written


def submitted(org, **kw):
    case = proposal(org.officer1, org.kv01pt, **kw)
    return act(org.officer1, case, "submit")


def in_progress(org, **kw):
    return act(org.approver1, submitted(org, **kw), "approve")


def test_create_numbers_per_unit_and_year_and_starts_in_draft(org):
    a = proposal(org.officer1, org.kv01pt)
    b = proposal(org.officer1b, org.kv01pt)
    c = proposal(org.officer2, org.kv02pt)
    assert a.state == S.DRAFT and a.approval_unit == org.kv01pt and a.proposed_by == org.officer1
    year = a.created_at.year
    assert (a.number, b.number, c.number) == (f"0001/{year}/TTTT-KV01-PT", f"0002/{year}/TTTT-KV01-PT",
                                              f"0001/{year}/TTTT-KV02-PT")
    assert events(a) == ["create"]


# A risk manager (granted over the department) may open a draft: tests/risk/test_alerts.py::test_inbox_actions.
@pytest.mark.parametrize("who", ["analyst", "nobody", "officer2", "admin_kv01pt"])
def test_create_refused_outside_role_or_unit(org, who):
    with pytest.raises(Forbidden):
        proposal(getattr(org, who), org.kv01pt)
    assert not InfoCollection.objects.exists()


def test_create_validates_fields_beside_them(org):
    from datetime import date
    with pytest.raises(AppError) as info:
        proposal(org.officer1, org.kv01pt, signs=" ", risk_areas=[None][:0] or [], addressee="",
                 planned_start=date(2026, 3, 5), planned_end=date(2026, 3, 1))
    assert info.value.code == "invalid"
    assert {"signs", "addressee", "planned_end"} <= set(info.value.fields)
    assert not InfoCollection.objects.exists()


def test_department_scope_is_approved_by_the_department_leader(org):
    case = submitted(org, department_scope=True)
    assert case.approval_unit == org.kv01
    refused(org.approver1, case, "approve", "forbidden", Forbidden)  # team leader: not at department level
    case = act(org.leader_kv01, case, "approve")
    assert case.state == S.IN_PROGRESS and case.approved_by == org.leader_kv01


def test_full_path_with_events_deadlines_and_notifications(org, django_capture_on_commit_callbacks):
    case = proposal(org.officer1, org.kv01pt)
    with django_capture_on_commit_callbacks(execute=True):
        case = act(org.officer1, case, "submit")
    assert case.state == S.SUBMITTED and case.due_kind == "approve_by" and case.submitted_by == org.officer1
    assert not case.duplicate_warning
    assert Notification.objects.filter(recipient=org.approver1).exists()
    case = act(org.approver1, case, "approve")
    assert case.state == S.IN_PROGRESS and case.due_kind == "results_by"  # issue 16 item 11
    refused(org.officer1, case, "record_results", "results_missing")
    services.info_collection_results_save(actor=org.officer1, info_collection=case, results=results_for(case))
    case = act(org.officer1, case, "record_results")
    case = act(org.officer1, case, "submit_report")
    assert case.state == S.REPORT_SUBMITTED and case.due_kind == "report_approve_by"
    refused(org.approver1, case, "close", "note_required", note="")
    case = act(org.approver1, case, "close", "Đồng ý, đề xuất kiểm tra tại trụ sở cơ quan hải quan")
    assert case.state == S.CLOSED and case.leader_opinion.startswith("Đồng ý") and case.due_on is None
    # the results per risk area are a fact of the case too (issue 15 item 3)
    assert events(case) == ["create", "submit", "approve", "results", "record_results", "submit_report", "close"]


@pytest.mark.parametrize("who", ["officer1b", "officer2", "approver2", "analyst", "nobody"])
def test_approve_refused_by_role_and_unit(org, who):
    refused(getattr(org, who), submitted(org), "approve", "forbidden", Forbidden)


def test_self_approval_refused(org):
    case = proposal(org.approver1, org.kv01pt)
    case = act(org.approver1, case, "submit")
    refused(org.approver1, case, "approve", "self_approval", Forbidden)
    assert act(org.leader_kv01, case, "approve").state == S.IN_PROGRESS


def test_self_close_refused(org):
    case = in_progress(org)
    services.info_collection_results_save(actor=org.approver1, info_collection=case, results=results_for(case))
    case = act(org.approver1, case, "record_results")
    case = act(org.approver1, case, "submit_report")
    refused(org.approver1, case, "close", "self_approval", Forbidden)
    assert act(org.leader_kv01, case, "close", "Đồng ý").state == S.CLOSED


def test_return_requires_note_and_allows_resubmission(org):
    case = submitted(org)
    refused(org.approver1, case, "return", "note_required", note="")
    refused(org.officer1, case, "return", "forbidden", Forbidden)
    case = act(org.approver1, case, "return", "Bổ sung dấu hiệu vi phạm")
    assert case.state == S.RETURNED
    services.info_collection_update(actor=org.officer1, info_collection=case, signs="Dấu hiệu đã bổ sung")
    assert act(org.officer1, case, "submit").state == S.SUBMITTED


def test_suspend_resume_cancel(org):
    case = in_progress(org)
    refused(org.officer1, case, "suspend", "forbidden", Forbidden)
    refused(org.approver1, case, "suspend", "note_required", note="")
    case = act(org.approver1, case, "suspend", "Doanh nghiệp đang bị thanh tra thuế")
    refused(org.approver1, case, "submit_report", "invalid_state", Conflict)
    case = act(org.approver1, case, "resume", "Hết thời hạn tạm dừng")
    assert case.state == S.IN_PROGRESS
    refused(org.approver2, case, "cancel", "forbidden", Forbidden)
    case = act(org.approver1, case, "cancel", "Doanh nghiệp giải thể")
    assert case.state == S.CANCELLED
    refused(org.approver1, case, "resume", "invalid_state", Conflict)


@pytest.mark.parametrize("action", ["approve", "record_results", "submit_report", "close", "resume"])
def test_actions_not_allowed_in_draft_are_conflicts(org, action):
    refused(org.leader_kv01, proposal(org.officer1, org.kv01pt), action, "invalid_state", Conflict)


def test_officer_of_other_unit_cannot_submit(org):
    refused(org.officer2, proposal(org.officer1, org.kv01pt), "submit", "forbidden", Forbidden)


def test_report_can_be_returned_and_resubmitted(org):
    case = in_progress(org)
    services.info_collection_results_save(actor=org.officer1, info_collection=case, results=results_for(case))
    case = act(org.officer1, act(org.officer1, case, "record_results"), "submit_report")
    refused(org.officer1, case, "return_report", "forbidden", Forbidden)
    case = act(org.approver1, case, "return_report", "Làm rõ số tiền")
    assert case.state == S.RESULTS_RECORDED
    services.info_collection_results_save(actor=org.officer1, info_collection=case,
                                          results=results_for(case, amount_at_risk=20_000_000))
    assert set(case.results.values_list("amount_at_risk", flat=True)) == {20_000_000}
    assert act(org.officer1, case, "submit_report").state == S.REPORT_SUBMITTED


def test_results_validation_and_state(org):
    case = proposal(org.officer1, org.kv01pt)
    with pytest.raises(Conflict):
        services.info_collection_results_save(actor=org.officer1, info_collection=case, results=results_for(case))
    case = in_progress(org)
    bad = results_for(case, amount_at_risk=-5, recommendation="nonsense")
    bad.append({"risk_area": areas("TRADE_POLICY")[0].pk, "findings": "x", "recommendation": "close"})
    with pytest.raises(AppError) as info:
        services.info_collection_results_save(actor=org.officer1, info_collection=case, results=bad)
    assert {"results[0].amount_at_risk", "results[0].recommendation", "results[2].risk_area"} <= set(info.value.fields)
    assert not CollectionResult.objects.exists()
    with pytest.raises(Forbidden):
        services.info_collection_results_save(actor=org.officer2, info_collection=case, results=results_for(case))
    assert not CollectionResult.objects.exists()


def test_amount_at_risk_nonnegative_is_a_database_constraint(org):
    from django.db import IntegrityError, transaction
    case = in_progress(org)
    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionResult.objects.create(collection=case, risk_area=areas("VALUATION")[0], findings="x",
                                        amount_at_risk=-1, recommendation="close", recorded_by=org.officer1)


def test_edit_refused_after_submit(org):
    case = submitted(org)
    with pytest.raises(Conflict) as info:
        services.info_collection_update(actor=org.officer1, info_collection=case, signs="changed")
    assert info.value.code == "not_editable"
    case.refresh_from_db()
    assert case.signs != "changed"
