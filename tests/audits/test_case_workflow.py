"""The audit case: decisions and their deadlines (B4.2, B4.3, B9 rules 2–6), the steps, conclusion and handling."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType

from stq.audits import rules, services
from stq.audits.models import AuditCase, AuditConclusion, AuditDecision, AuditProposal
from stq.audits.selectors import case_figures, cases_visible_to
from stq.core import calendar
from stq.core.errors import AppError, Conflict, Forbidden
from stq.core.models import CaseEvent

from .factories import (
    approved,
    concluded,
    decision_values,
    explanation_received,
    findings,
    in_fieldwork,
    opened,
    past_working_day,
    step,
    today,
)

pytestmark = pytest.mark.django_db
C = AuditCase.State


def refused(code, fn, *args, **kw):
    with pytest.raises(AppError) as info:
        fn(*args, **kw)
    assert info.value.code == code, info.value
    return info.value


def decision(org, case, kind, **kw):
    values = dict(number=f"9/QĐ-{kind}", signed_on=today(), signer_name="Trần Văn Ký", signer_title="Chi cục trưởng")
    values.update(kw)
    recorded = services.decision_record(actor=org.officer1, case=case, kind=kind, **values)
    services.decision_approve(actor=org.approver1, case=case)  # it takes effect once a leader approves it
    recorded.refresh_from_db()
    return recorded


# --- opening the case: the original decision -------------------------------------------------------------------
def test_open_case_from_approved_proposal_with_deadline_to_deliver(org):
    case = opened(org)
    signed = case.decision_signed_on
    assert case.state == C.DECISION_SIGNED and case.number.endswith(f"/{signed.year}/KT-KV01-PT")
    assert case.due_kind == "deliver_by" and case.due_on == calendar.add_working_days(signed, 3)
    original = case.decisions.get()
    assert original.kind == "original" and original.delivery_due_on == case.due_on
    assert original.recorded_late and original.recording_delay_days == (today() - signed).days  # flagged, shown
    proposal = AuditProposal.objects.get(pk=case.proposal_id)
    assert proposal.state == "approved" and proposal.due_on is None
    refused("case_exists", services.case_open, actor=org.officer1, proposal=proposal, **decision_values())


def test_decision_recorded_within_a_day_is_not_late(org):
    signed = today() - timedelta(days=1)
    case = opened(org, signed_on=signed, start_on=calendar.add_working_days(signed, 6))
    d = case.decisions.get()
    assert not d.recorded_late and d.recording_delay_days == 1


def test_only_approved_proposal_opens_a_case(org):
    from .factories import proposal

    p = proposal(org.officer1, org.kv01pt)
    with pytest.raises(Conflict):
        services.case_open(actor=org.officer1, proposal=p, **decision_values())


@pytest.mark.parametrize("mode,days,ok", [("desk", 5, True), ("desk", 6, False), ("field", 10, True),
                                          ("field", 11, False)])
def test_duration_limits(org, mode, days, ok):
    kw = {"proposal_kw": {"mode": mode}, "duration": days}
    if ok:
        assert opened(org, **kw).duration_working_days == days
    else:
        refused("duration", opened, org, **kw)
        assert not AuditCase.objects.exists()


def test_start_at_least_five_working_days_after_signing_unless_violation_signs(org):
    signed = past_working_day(30)
    refused("start_too_early", opened, org, signed_on=signed, start_on=calendar.add_working_days(signed, 4))
    case = opened(org, proposal_kw={"ground": "78.1", "ent": _other()}, signed_on=signed, start_on=signed)
    assert case.due_kind == "start_by"  # 78.1: handed over at the announcement


def test_period_checked_against_the_decision_date(org):
    signed = past_working_day(30)
    planned = signed - timedelta(days=20)
    p = approved(org, period_from=rules.years_before(planned, 5), planned_start=planned)
    values = decision_values(signed)
    refused("period_too_old", services.case_open, actor=org.officer1, proposal=p, **values)


# --- delivery (B9.4) -------------------------------------------------------------------------------------------
def test_delivery_within_three_working_days_and_five_before_start(org):
    case = opened(org)
    signed = case.decision_signed_on
    refused("delivery_late", step, org.officer1, case, "deliver", delivered_on=calendar.add_working_days(signed, 4))
    case = step(org.officer1, case, "deliver", delivered_on=calendar.add_working_days(signed, 1))
    assert case.state == C.DELIVERED and case.due_kind == "start_by" and case.due_on == case.planned_start_on


def test_delivery_too_close_to_the_start(org):
    signed = past_working_day(30)
    case = opened(org, signed_on=signed, start_on=calendar.add_working_days(signed, 6))
    refused("delivery_too_close", step, org.officer1, case, "deliver",
            delivered_on=calendar.add_working_days(signed, 2))
    assert step(org.officer1, case, "deliver", delivered_on=calendar.add_working_days(signed, 1)).delivered_on


def test_violation_signs_hand_over_at_the_announcement(org):
    signed = past_working_day(30)
    case = opened(org, proposal_kw={"ground": "78.1"}, signed_on=signed, start_on=signed)
    case = step(org.officer1, case, "start", started_on=signed)
    assert case.state == C.FIELDWORK and case.delivered_on == signed
    assert case.decisions.get().delivery_method == "at_announcement"


def test_other_grounds_need_the_delivery_first(org):
    case = opened(org)
    refused("not_delivered", step, org.officer1, case, "start", started_on=case.planned_start_on)


# --- field work, extension --------------------------------------------------------------------------------------
def test_fieldwork_deadline_and_one_extension(org):
    case = in_fieldwork(org, duration=8)
    assert case.due_kind == "end_by" and case.due_on == calendar.add_working_days(case.started_on, 7)
    too_late = calendar.add_working_days(case.started_on, 8)
    refused("fieldwork_too_long", step, org.officer1, case, "end", ended_on=too_late)
    ext = decision(org, case, "extension", extension_working_days=5)
    assert ext.parent.kind == "original"
    case.refresh_from_db()
    assert case.extension_working_days == 5 and case.due_on == calendar.add_working_days(case.started_on, 12)
    refused("second_extension", decision, org, case, "extension", number="10/QĐ", extension_working_days=2)
    assert case.decisions.filter(kind="extension").count() == 1
    assert step(org.officer1, case, "end", ended_on=too_late).state == C.FIELDWORK_ENDED


def test_extension_at_most_ten_working_days_and_field_only(org):
    case = in_fieldwork(org)
    refused("extension_length", decision, org, case, "extension", extension_working_days=11)
    desk = in_fieldwork(org, proposal_kw={"mode": "desk", "ent": _other()}, duration=5)
    refused("extension_field_only", decision, org, desk, "extension", extension_working_days=2)


def _other():
    from .factories import enterprise

    return enterprise("0301234562", "Công ty B")


def test_modifying_decisions_are_signed_by_the_original_signer(org):
    case = in_fieldwork(org)
    refused("signer_mismatch", decision, org, case, "extension", signer_name="Người Khác", extension_working_days=2)


# --- suspension, resumption, cancellation ------------------------------------------------------------------------
def test_cancellation_needs_a_legal_reason(org):
    case = opened(org)
    refused("reason_required", decision, org, case, "cancellation")
    refused("reason_required", decision, org, case, "cancellation", reason_code="dissolved")  # and its explanation
    refused("use_decision", step, org.officer1, case, "cancel")
    d = decision(org, case, "cancellation", reason_code="dissolved", reason="Doanh nghiệp đã giải thể")
    case.refresh_from_db()
    assert case.state == C.CANCELLED and d.reason_code == "dissolved" and case.due_on is None


def test_suspension_needs_a_legal_reason_and_resumption_returns_with_the_days_added(org):
    case = in_fieldwork(org)
    due = case.due_on
    refused("reason_required", decision, org, case, "suspension", reason_code="bored")
    decision(org, case, "suspension", reason_code="investigation", signed_on=past_working_day(20))
    case.refresh_from_db()
    assert case.state == C.SUSPENDED and case.due_on is None
    decision(org, case, "resumption", signed_on=past_working_day(15))
    case.refresh_from_db()
    assert case.state == C.FIELDWORK and case.suspended_working_days == 5
    assert case.due_on == calendar.add_working_days(due, 5)


def test_amendment_moves_the_start_and_the_deadline(org):
    case = opened(org)
    new_start = calendar.add_working_days(case.planned_start_on, 3)
    decision(org, case, "amendment", start_on=new_start, signed_on=case.decision_signed_on)
    case.refresh_from_db()
    assert case.planned_start_on == new_start and case.state == C.DECISION_SIGNED
    refused("duration", decision, org, case, "amendment", number="11/QĐ", duration_working_days=11,
            signed_on=case.decision_signed_on)


# --- field path to conclusion ------------------------------------------------------------------------------------
def test_field_steps_and_their_deadlines(org):
    case = in_fieldwork(org)
    end = calendar.add_working_days(case.started_on, 4)
    case = step(org.officer1, case, "end", ended_on=end)
    assert (case.due_kind, case.due_on) == ("minutes_by", calendar.add_working_days(end, 5))
    case = step(org.officer1, case, "sign_minutes", minutes_signed_on=end + timedelta(days=1))
    assert (case.due_kind, case.due_on) == ("draft_by", calendar.add_days(end + timedelta(days=1), 5))
    case = step(org.officer1, case, "send_draft", draft_sent_on=end + timedelta(days=3))
    assert (case.due_kind, case.due_on) == ("explanation_by", calendar.add_days(end, 10))
    case = step(org.officer1, case, "receive_explanation")  # silence = waiver
    assert (case.due_kind, case.due_on) == ("conclusion_by", calendar.add_days(end, 15))
    case = step(org.officer1, case, "request_expert", expert_requested_on=end + timedelta(days=11))
    assert (case.due_kind, case.due_on) == ("expert_answer_by", calendar.add_days(end + timedelta(days=11), 30))
    case = step(org.officer1, case, "expert_answered", expert_received_on=end + timedelta(days=20))
    assert (case.due_kind, case.due_on) == ("conclusion_by", calendar.add_days(end + timedelta(days=20), 15))


def test_desk_audit_skips_the_field_steps(org):
    case = in_fieldwork(org, proposal_kw={"mode": "desk"}, duration=5)
    end = calendar.add_working_days(case.started_on, 3)
    case = step(org.officer1, case, "end", ended_on=end)
    assert case.due_kind == "result_notice_by" and case.due_on == calendar.add_working_days(end, 5)
    with pytest.raises(Conflict):
        step(org.officer1, case, "sign_minutes", minutes_signed_on=end)
    c = services.conclusion_record(actor=org.officer1, case=case, number="06/TB", signed_on=end + timedelta(days=2),
                                   signer_name="Trần Văn Ký", findings=findings(case, import_duty=0, vat=0,
                                                                                late_interest=0, has_violation=False))
    assert c.is_result_notice and not c.has_violations
    case.refresh_from_db()
    assert case.state == C.CONCLUDED and case.concluded_on == end + timedelta(days=2)


def test_field_audit_cannot_be_concluded_before_the_minutes(org):
    case = in_fieldwork(org)
    case = step(org.officer1, case, "end", ended_on=case.started_on)
    refused("invalid_state", services.conclusion_record, actor=org.officer1, case=case, number="1",
            signed_on=case.started_on, signer_name="X", findings=findings(case))


def test_conclusion_recorded_late_is_flagged_and_needs_a_leaders_approval(org):
    case = concluded(org)
    c = case.conclusions.get()
    assert c.recorded_late and c.recording_delay_days > 3 and not c.is_approved
    assert case.due_kind == "approve_conclusion_by"
    with pytest.raises(Forbidden):
        step(org.officer1, case, "approve_conclusion")  # officers do not approve
    case = step(org.approver1, case, "approve_conclusion")
    c.refresh_from_db()
    assert case.state == C.HANDLING and c.approved_by == org.approver1


def test_recorder_cannot_approve_own_conclusion(org):
    case = explanation_received(org)
    services.conclusion_record(actor=org.approver1, case=case, number="45/KL", signed_on=today(),
                               signer_name="Trần Văn Ký", findings=findings(case))
    case.refresh_from_db()
    assert not AuditConclusion.objects.get(case=case).recorded_late
    with pytest.raises(Forbidden):
        step(org.approver1, case, "approve_conclusion")


def test_supplementary_conclusion_only_after_an_expert_opinion(org):
    case = concluded(org)
    refused("supplementary_needs_expert", services.conclusion_record, actor=org.officer1, case=case, number="46",
            signed_on=today(), signer_name="X", findings=findings(case), supplementary=True)


def test_amounts_add_up_assessed_versus_collected(org):
    case = concluded(org)
    assert case_figures(case)["assessed"] == 0  # not approved yet: does not count
    case = step(org.approver1, case, "approve_conclusion")
    figures = case_figures(case)
    n = case.risk_areas.count()
    assert figures["tax"] == n * 110_000_000 and figures["late_interest"] == n * 3_000_000
    services.penalty_record(actor=org.officer1, case=case, number="12/QĐ-XPHC", issued_on=today(),
                            legal_article="Điều 9 NĐ 128/2020", amount=22_000_000)
    services.payment_record(actor=org.officer1, case=case, paid_on=today(), kind="tax", amount=100_000_000)
    services.payment_record(actor=org.officer1, case=case, paid_on=today(), kind="fine", amount=22_000_000)
    figures = case_figures(case)
    assessed = n * 113_000_000 + 22_000_000
    assert figures["assessed"] == assessed and figures["collected"] == 122_000_000
    assert figures["outstanding"] == assessed - 122_000_000
    refused("overpayment", services.payment_record, actor=org.officer1, case=case, paid_on=today(), kind="tax",
            amount=figures["outstanding"] + 1)
    services.payment_record(actor=org.officer1, case=case, paid_on=today(), kind="tax", amount=figures["outstanding"])
    assert case_figures(case)["outstanding"] == 0


def test_close_and_complaints(org):
    case = step(org.approver1, concluded(org), "approve_conclusion")
    refused("first_instance_pending", services.complaint_record, actor=org.officer1, case=case, instance=2,
            filed_on=today(), complainant="Công ty", contested="KL 45")
    c = services.complaint_record(actor=org.officer1, case=case, instance=1, filed_on=today(),
                                  complainant="Công ty", contested="Kết luận 45/KL-KTSTQ")
    services.complaint_decide(actor=org.officer1, complaint=c, resolver_name="Cục trưởng", resolver_unit="KV01",
                              decision_number="7/QĐ-GQKN", decided_on=today(), result="rejected")
    assert services.complaint_record(actor=org.officer1, case=case, instance=2, filed_on=today(),
                                     complainant="Công ty", contested="QĐ 7/QĐ-GQKN").instance == 2
    with pytest.raises(AppError):
        step(org.approver1, case, "close")  # a reason/opinion is required
    case = step(org.approver1, case, "close", "Đã thu đủ")
    assert case.state == C.CLOSED and case.closed_on == today()


def test_events_and_scope(org):
    case = in_fieldwork(org)
    ct = ContentType.objects.get_for_model(AuditCase)
    actions = list(CaseEvent.objects.filter(content_type=ct, object_id=case.pk).values_list("action", flat=True))
    assert actions == ["create", "approve_decision", "deliver", "start"]
    assert case in cases_visible_to(org.officer1) and case not in cases_visible_to(org.officer2)
    assert case in cases_visible_to(org.analyst)


def test_legacy_case_is_read_only(org):
    case = opened(org)
    AuditCase.objects.filter(pk=case.pk).update(legacy=True)
    case.refresh_from_db()
    refused("legacy_read_only", step, org.officer1, case, "deliver", delivered_on=case.decision_signed_on)
    refused("legacy_read_only", decision, org, case, "cancellation", reason_code="dissolved", reason="x")
    assert AuditDecision.objects.filter(case=case).count() == 1


def test_desk_audit_signed_by_a_clearing_office_head_covers_60_days_only(org):
    """B9.2 (TT38-39 142.1.a): a clearing office's desk audit covers dossiers cleared ≤ 60 days before the decision;
    the unit's kind decides, not its "Chi cục" label (KV01, a regional sub-department, may reach back 5 years)."""
    from stq.org.models import UnitKind
    from tests.factories import UnitFactory

    office = UnitFactory(code="KV01-NB", name="Hải quan cửa khẩu Nội Bài", parent=org.kv01,
                         kind=UnitKind.CLEARING_OFFICE, customs_office_codes=["01B1"])
    p = approved(org, mode="desk", period_from=today() - timedelta(days=200), period_to=today() - timedelta(days=30))
    signed_on = past_working_day(2)
    values = decision_values(signed_on, duration=5, signer_unit=office)
    error = refused("desk_window", services.case_open, actor=org.officer1, proposal=p, **values)
    assert "signer_unit" in error.fields
    # the same decision signed by the regional sub-department (labelled "Chi cục") may reach back 5 years
    assert org.kv01.level_label == "Chi cục"
    case = services.case_open(actor=org.officer1, proposal=p, **decision_values(signed_on, duration=5,
                                                                                 signer_unit=org.kv01))
    assert case.mode == "desk"


def test_a_payment_dated_in_the_future_is_refused_naming_the_payment_date(org):
    """Issue 18 item 8: the refusal named "Ngày ký" (signing date) on the field "Ngày nộp" (payment date)."""
    from django.utils import translation

    case = step(org.approver1, concluded(org), "approve_conclusion")
    with pytest.raises(AppError) as error:
        services.payment_record(actor=org.officer1, case=case, paid_on=today() + timedelta(days=1), kind="tax",
                                amount=1_000_000)
    assert error.value.code == "signed_in_future" and "paid_on" in error.value.fields
    with translation.override("vi"):
        assert str(error.value.message) == "Ngày nộp không được sau ngày hôm nay."
