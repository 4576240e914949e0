"""The audit workflows, declared as data for the one engine (`stq.workflow.engine`), domain A1.3, B4.2, B4.3.

AUDIT PROPOSAL (SEED workflow, A1.3)
    submit       draft, returned          -> submitted   officer/approver; the rules of B9 (search first, focus list,
                                                         5 years, AEO); duplicate search; "approve_by" = 1 working day
    approve      submitted                -> approved    approver of the approval unit, never the submitter; the first
                                                         filed has priority; one approved per enterprise and year (DB);
                                                         compliance cap; a reason when a duplicate warning stands;
                                                         "decision_by" = the planned start
    return       submitted                -> returned    approver; note required
    suspend      submitted                -> suspended   approver; reason required (A1.3: on a duplicate)
    resume       suspended                -> submitted   approver; reason required
    cancel       draft, submitted, returned, suspended, approved (no case yet) -> cancelled   approver; reason
    open_case    approved (no case yet)   -> approved    officer/approver: records the audit decision, opens the case

AUDIT CASE (field F = B4.3, desk D = B4.2); every step's deadline is computed by `state_deadline` from the dates
recorded on the case, in working days (WD) or calendar days (d):
    state on arrival         reached by                            deadline started                       modes
    decision_signed          the original decision (open_case)     deliver ≤ 3 WD after signing;            F D
                                                                   field 78.1: start on the decision's start
    delivered                deliver (delivered_on, method)        start on the decision's start date     F D
    fieldwork                start (started_on; 78.1 may start     end ≤ duration − 1 WD after the start    F D
                             from decision_signed = handed over)   (+ the extension, + days suspended)
    fieldwork_ended          end (ended_on ≤ the allowed end)      F: minutes ≤ 5 WD after the end;       F D
                                                                   D: result notice ≤ 5 WD after the end
    minutes_signed           sign_minutes                          draft conclusion ≤ 5 d after minutes   F
    draft_sent               send_draft                            explanation ≤ 10 d after the end       F
    explanation_received     receive_explanation (or waived)       conclusion ≤ 15 d after the end        F
    awaiting_expert_opinion  request_expert                        the body answers ≤ 30 d                F
    explanation_received     expert_answered                       conclusion ≤ 15 d after the answer     F
    concluded                conclude (the conclusion service)     leader approves ≤ 3 d (SEED)           F D
    handling                 approve_conclusion (approver, never   —                                      F D
                             the recorder)
    closed                   close (approver)                      —                                      F D
    approve_decision (leader, never the recorder): the audit decision recorded when the case opened takes effect;
    until then no step of the case is taken (the deadline to deliver still runs from the signing).
    return_decision (leader, note): the decision awaiting approval is returned; the case stays as it was (a returned
    audit decision: the officer records the corrected one, `services.decision_record(kind="original")`).
    side exits: extend (fieldwork → fieldwork, field only, by the extension decision), amend (same state, by an
    amendment decision), suspend → suspended (by a suspension decision, legal reason), resume → the state before
    (by a resumption decision; the deadline moves by the working days suspended), cancel → cancelled (by a
    cancellation decision, legal reason), escalate → escalated (referral to specialised inspection, approver).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core import calendar
from stq.core.errors import AppError
from stq.core.locks import advisory_lock
from stq.org import policy
from stq.org.models import Role
from stq.workflow.engine import KEEP_DEADLINE, Deadline, Fact, Transition, Workflow

from . import rules
from .models import AuditCase, AuditGround, AuditMode, AuditProposal, DecisionKind, DeliveryMethod

P = AuditProposal.State
C = AuditCase.State
WORKERS = frozenset({Role.OFFICER, Role.APPROVER})
LEADERS = frozenset({Role.APPROVER})
APPROVAL = "approval_unit"


# --- proposal --------------------------------------------------------------------------------------------------
EDITABLE_STATES = (P.DRAFT, P.RETURNED)  # a proposal is edited while a draft or returned
HANDLING_STATES = (C.CONCLUDED, C.HANDLING, C.CLOSED)  # the handling after the conclusion is recorded then


def _proposal_rules(p, actor, data):
    rules.check_not_legacy(p)
    areas = list(p.risk_areas.values_list("code", flat=True))
    if not areas:
        raise AppError("invalid", _("Choose at least one risk area."), field="risk_areas")
    rules.check_proposal(p.enterprise, period_from=p.period_from, planned_start=p.planned_start,
                         declaration_numbers=p.declaration_numbers, mode=p.mode, ground=p.ground)


def live_duplicates(p) -> list[dict]:
    """The open cases of any unit on the proposal's enterprise (family) now, this proposal excepted. A proposal
    submitted after this one was is among them: the leader deciding either sees the other (issue #17 item 8)."""
    from stq.collection.selectors import open_cases_for_enterprise

    return open_cases_for_enterprise(p.enterprise.tax_code, exclude=p)


def _has_duplicates(p) -> bool:
    return p.duplicate_warning or bool(live_duplicates(p))


def _on_submit(p, actor, data):
    from stq.enterprises.models import Enterprise

    # serialise submits per enterprise: of two simultaneous filings the later waits for the earlier's commit and
    # then finds it (each could otherwise miss the other, both being drafts when the other looked)
    Enterprise.objects.select_for_update().filter(pk=p.enterprise_id).first()
    p.submitted_by = actor
    if p.filed_at is None:  # the first filing fixes the priority order and the year the proposal counts for
        p.filed_at = timezone.now()
        p.year = timezone.localdate(p.filed_at).year
    found = live_duplicates(p) + rules.concluded_overlaps(p)
    p.duplicates = found
    p.duplicate_warning = bool(found)


def _overlap_needs_reason(p) -> bool:
    """A proposal covering declarations or a period a concluded audit of the last five years covered is submitted
    with a reason (the note), which the approving leader sees beside the warning."""
    return bool(rules.concluded_overlaps(p))


def _on_return(p, actor, data):
    p.returned_at = timezone.now()  # a returned proposal keeps its priority only for a while (rules.holding_priority_q)


def _approve_guard(p, actor, data):
    from stq.enterprises.models import Enterprise

    Enterprise.objects.select_for_update().filter(pk=p.enterprise_id).first()  # serialise approvals per enterprise
    _proposal_rules(p, actor, data)
    rules.check_priority(p)
    rules.check_one_approved_per_year(p)
    if p.ground == AuditGround.COMPLIANCE:
        advisory_lock("audits.compliance_cap", p.year)  # the cap is national: one approval of the year at a time
        rules.check_compliance_cap(p)


def _on_approve(p, actor, data):
    p.approved_by = actor
    p.approved_at = timezone.now()
    p.approval_note = data.get("note", "")


def _no_case(p) -> bool:
    return not AuditCase.objects.filter(proposal_id=p.pk).exists()


NO_CASE_Q = Q(case__isnull=True)


def _cancel_when(p) -> bool:
    return p.state != P.APPROVED or _no_case(p)


def _legacy_guard(obj, actor, data):
    rules.check_not_legacy(obj)


AUDIT_PROPOSAL_WORKFLOW = Workflow(
    name="audit_proposal",
    label=_("Audit proposal"),
    initial=P.DRAFT,
    states=P,
    create_roles=WORKERS,
    facts=[Fact("edit", _("Proposal changed"))],
    transitions=[
        Transition("submit", _("Submit for approval"), (P.DRAFT, P.RETURNED), P.SUBMITTED, WORKERS,
                   guard=_proposal_rules, effect=_on_submit, note_required=_overlap_needs_reason,
                   deadline=Deadline("approve_by", _("Approve the audit proposal"), working_days=1)),
        Transition("approve", _("Approve"), (P.SUBMITTED,), P.APPROVED, LEADERS, unit_field=APPROVAL,
                   not_by=("submitted_by",), note_required=_has_duplicates, guard=_approve_guard,
                   effect=_on_approve, style="success",
                   deadline=lambda p: Deadline("decision_by", _("Record the audit decision"), working_days=0,
                                               anchor=p.planned_start)),
        Transition("return", _("Return for revision"), (P.SUBMITTED,), P.RETURNED, LEADERS, unit_field=APPROVAL,
                   note_required=True, guard=_legacy_guard, effect=_on_return, style="warning"),
        Transition("suspend", _("Suspend"), (P.SUBMITTED,), P.SUSPENDED, LEADERS, unit_field=APPROVAL,
                   note_required=True, guard=_legacy_guard, style="warning"),
        Transition("resume", _("Resume"), (P.SUSPENDED,), P.SUBMITTED, LEADERS, unit_field=APPROVAL,
                   note_required=True, guard=_legacy_guard,
                   deadline=Deadline("approve_by", _("Approve the audit proposal"), working_days=1)),
        Transition("cancel", _("Cancel"), (P.DRAFT, P.SUBMITTED, P.RETURNED, P.SUSPENDED, P.APPROVED), P.CANCELLED,
                   LEADERS, unit_field=APPROVAL, note_required=True, guard=_legacy_guard, style="danger",
                   when=_cancel_when, when_q=~Q(state=P.APPROVED) | NO_CASE_Q),
        Transition("open_case", _("Record the audit decision"), (P.APPROVED,), P.APPROVED, WORKERS,
                   required_data=("decision",), guard=_legacy_guard, when=_no_case, when_q=NO_CASE_Q),
    ],
).bind(AuditProposal)


# --- case ------------------------------------------------------------------------------------------------------
def is_field(case) -> bool:
    return case.mode == AuditMode.FIELD


def is_desk(case) -> bool:
    return case.mode == AuditMode.DESK


FIELD_Q = Q(mode=AuditMode.FIELD)


def fieldwork_end_due(case):
    """The last allowed day of the audit work: start + duration (+ extension) working days, the start being day 1,
    moved by the working days the case was suspended meanwhile."""
    if case.started_on is None:
        return None
    days = max(case.duration_working_days, 1) - 1 + case.extension_working_days + case.suspended_working_days
    return calendar.add_working_days(case.started_on, days)


def state_deadline(case) -> Deadline | None:
    """The deadline of the case's current state, from the dates recorded on it (the table in the docstring)."""
    s = case.state
    if s == C.DECISION_SIGNED:
        if rules.without_notice(case.mode, case.ground):
            return Deadline("start_by", _("Announce the decision and start"), working_days=0,
                            anchor=case.planned_start_on)
        return Deadline("deliver_by", _("Deliver the decision"), working_days=rules.DELIVERY_WORKING_DAYS,
                        anchor=case.decision_signed_on)
    if s == C.DELIVERED:
        return Deadline("start_by", _("Announce the decision and start"), working_days=0, anchor=case.planned_start_on)
    if s == C.FIELDWORK:
        return Deadline("end_by", _("End the audit work"), working_days=0, anchor=fieldwork_end_due(case))
    if s == C.FIELDWORK_ENDED:
        if is_desk(case):
            return Deadline("result_notice_by", _("Issue the result notice"), working_days=5, anchor=case.ended_on)
        return Deadline("minutes_by", _("Sign the minutes"), working_days=5, anchor=case.ended_on)
    if s == C.MINUTES_SIGNED:
        return Deadline("draft_by", _("Send the draft conclusion"), days=5, anchor=case.minutes_signed_on)
    if s == C.DRAFT_SENT:
        return Deadline("explanation_by", _("Receive the declarant's explanation"), days=10, anchor=case.ended_on)
    if s == C.EXPLANATION_RECEIVED:
        if case.expert_received_on:
            return Deadline("conclusion_by", _("Issue the conclusion"), days=15, anchor=case.expert_received_on)
        return Deadline("conclusion_by", _("Issue the conclusion"), days=15, anchor=case.ended_on)
    if s == C.AWAITING_EXPERT_OPINION:
        return Deadline("expert_answer_by", _("Receive the expert opinion"), days=30, anchor=case.expert_requested_on)
    if s == C.CONCLUDED:  # SEED policy: the leader approves the recorded conclusion
        return Deadline("approve_conclusion_by", _("Approve the conclusion"), days=rules.CONCLUSION_RECORDING_DAYS,
                        anchor=case.concluded_on)
    return None


def _date(data, key, label):
    value = data.get(key)
    if value in (None, ""):
        raise AppError("required", _("Enter the date: %(what)s.") % {"what": label}, field=key)
    if isinstance(value, str):
        from datetime import date

        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            raise AppError("invalid", _("Enter a valid date."), field=key) from None
    if value > timezone.localdate():
        raise AppError("date_in_future", _("The date cannot be in the future."), field=key)
    return value


def _original(case):
    return case.decisions.filter(kind="original").first()


def _deliver(case, actor, data):
    rules.check_not_legacy(case)
    delivered_on = _date(data, "delivered_on", _("delivered on"))
    method = data.get("delivery_method") or DeliveryMethod.DIRECT
    if method not in DeliveryMethod.values:
        raise AppError("invalid", _("Choose a delivery method from the list."), field="delivery_method")
    rules.check_delivery(case.decision_signed_on, delivered_on, case.planned_start_on, case.ground, case.mode)
    case.delivered_on = delivered_on
    original = _original(case)
    if original is not None:
        original.delivered_on = delivered_on
        original.delivery_method = method
        original.save(update_fields=["delivered_on", "delivery_method"])


def _start(case, actor, data):
    rules.check_not_legacy(case)
    started_on = _date(data, "started_on", _("started on"))
    if case.state == C.DECISION_SIGNED and not rules.without_notice(case.mode, case.ground):
        raise AppError("not_delivered", _("Deliver the decision first (only a field audit on signs of violation "
                                          "hands it over at the announcement)."))
    if case.planned_start_on and started_on < case.planned_start_on:
        raise AppError("start_too_early", _("The audit cannot start before the start date of the decision (%(day)s).")
                       % {"day": case.planned_start_on.strftime("%d/%m/%Y")}, field="started_on")
    if case.state == C.DECISION_SIGNED:  # 78.1: handed over at the announcement
        case.delivered_on = started_on
        original = _original(case)
        if original is not None:
            original.delivered_on, original.delivery_method = started_on, "at_announcement"
            original.save(update_fields=["delivered_on", "delivery_method"])
    case.started_on = started_on


def _end(case, actor, data):
    rules.check_not_legacy(case)
    ended_on = _date(data, "ended_on", _("ended on"))
    if ended_on < case.started_on:
        raise AppError("invalid", _("The end cannot precede the start."), field="ended_on")
    allowed = fieldwork_end_due(case)
    if allowed and ended_on > allowed:
        raise AppError("fieldwork_too_long", _("The audit work may last until %(day)s (the duration in the decision"
                                               "%(ext)s). Record an extension decision first.")
                       % {"day": allowed.strftime("%d/%m/%Y"),
                          "ext": _(", with the extension") if case.extension_working_days else ""},
                       field="ended_on")
    case.ended_on = ended_on


def _setter(field, label):
    def effect(case, actor, data):
        rules.check_not_legacy(case)
        value = _date(data, field, label)
        floor = case.ended_on or case.started_on
        if floor and value < floor:
            raise AppError("invalid", _("This date cannot precede the end of the audit work."), field=field)
        setattr(case, field, value)
    return effect


def _receive_explanation(case, actor, data):
    rules.check_not_legacy(case)
    case.explanation_on = _date(data, "explanation_on", _("explanation received on")) \
        if data.get("explanation_on") else None  # blank: the declarant stayed silent (waiver)


def _conclude(case, actor, data):
    rules.check_not_legacy(case)
    if is_field(case) and case.state == C.FIELDWORK_ENDED:
        raise AppError("invalid_state", _("A field audit is concluded after the minutes, the draft conclusion and the "
                                          "declarant's explanation."))
    case.concluded_on = _date(data, "concluded_on", _("concluded on"))
    case.conclusion_recorded_by = actor


def _approve_conclusion(case, actor, data):
    rules.check_not_legacy(case)
    main = case.conclusions.filter(supplementary=False, approved_at__isnull=True).first()
    if main is None:
        raise AppError("no_conclusion", _("Record the conclusion first."))
    main.approved_by, main.approved_at = actor, timezone.now()
    main.save(update_fields=["approved_by", "approved_at"])


def _close(case, actor, data):
    rules.check_not_legacy(case)
    if case.conclusions.filter(approved_at__isnull=True).exists():
        raise AppError("conclusion_not_approved", _("Approve every conclusion of the case before closing it."))
    case.closed_on = timezone.localdate()


def _decision_guard(case, actor, data):
    """A step taken by a decision: the decision recorded for it (`decision_id`) meets the rules of its kind."""
    rules.check_not_legacy(case)
    decision = case.decisions.filter(pk=data.get("decision_id")).first()
    if decision is None:
        raise AppError("no_decision", _("Record the decision of this step first."), field="decision_id")
    rules.check_decision(case, decision.kind, reason_code=decision.reason_code, reason=decision.reason,
                         extension_working_days=data.get("extension_working_days"), recorded=decision)


def _approving(kind: str, effect=None):
    """The effect of a leader's approval of the pending decision of `kind` (seed letter 7301 §1.3 "Cập nhật và phê
    duyệt Quyết định KTSTQ"; domain A1.3): the decision is marked approved, the case's pending mark is cleared, an
    amendment's new start and duration apply, then the step's own effect runs."""
    def apply(case, actor, data):
        from stq.core.history import save_as

        decision = case.decisions.get(pk=data["decision_id"])
        if decision.kind != kind or decision.approved_at is not None:
            raise AppError("no_pending_decision", _("No decision of this kind is awaiting approval."))
        decision.approved_by, decision.approved_at = actor, timezone.now()
        save_as(decision, actor, reason="approve")
        case.pending_decision_kind, case.decision_recorded_by = "", None
        if kind == DecisionKind.AMENDMENT:
            if decision.start_on:
                case.planned_start_on = decision.start_on
            if decision.duration_working_days:
                case.duration_working_days = decision.duration_working_days
        if effect is not None:
            effect(case, actor, data)
    return apply


def _return_decision(case, actor, data):
    """A leader returns the decision awaiting approval: it is marked returned (never in effect) and the case's pending
    mark is cleared; nothing else of the case changes, so the officer may record a corrected decision."""
    from stq.core.history import save_as

    rules.check_not_legacy(case)
    decision = case.decisions.filter(pk=data.get("decision_id")).first()
    if decision is None or decision.approved_at is not None or decision.returned_at is not None:
        raise AppError("no_pending_decision", _("No decision of this case is awaiting approval."))
    decision.returned_by, decision.returned_at = actor, timezone.now()
    decision.return_note = data.get("note", "")
    save_as(decision, actor, reason="return")
    case.pending_decision_kind = ORIGINAL_RETURNED if decision.kind == DecisionKind.ORIGINAL else ""
    case.decision_recorded_by = None


def _pending(kind: str):
    return (lambda c: c.pending_decision_kind == kind), Q(pending_decision_kind=kind)


# The audit decision that opens the case is recorded pending too ("original"); returned by a leader, the case waits
# for the corrected one ("returned"). Until a leader approves it the case takes no step of its own.
ORIGINAL_RETURNED = "returned"
WAITING_FOR_ORIGINAL = (DecisionKind.ORIGINAL, ORIGINAL_RETURNED)


def _original_in_effect(case) -> bool:
    return case.pending_decision_kind not in WAITING_FOR_ORIGINAL


ORIGINAL_IN_EFFECT_Q = ~Q(pending_decision_kind__in=WAITING_FOR_ORIGINAL)


def _on_suspend(case, actor, data):
    case.suspended_from_state = case.state
    case.suspended_on = data.get("signed_on") or timezone.localdate()
    case.suspended_due_on, case.suspended_due_kind = case.due_on, case.due_kind


def _resume_target(case) -> str:
    return case.suspended_from_state or C.DECISION_SIGNED


def _on_resume(case, actor, data):
    resumed = data.get("signed_on") or timezone.localdate()
    lost = max(calendar.working_days_between(case.suspended_on, resumed), 0) if case.suspended_on else 0
    if case.suspended_from_state == C.FIELDWORK:
        case.suspended_working_days += lost
    case._resume_shift = lost
    case.suspended_from_state = ""


def _resume_deadline(case) -> Deadline | None:
    if case.state == C.FIELDWORK:
        return state_deadline(case)  # the end of field work already counts the days suspended
    if not case.suspended_due_on:
        return state_deadline(case)
    return Deadline(case.suspended_due_kind, _("Deadline after the suspension"),
                    working_days=getattr(case, "_resume_shift", 0), anchor=case.suspended_due_on)


def _on_extend(case, actor, data):
    case.extension_working_days = data["extension_working_days"]


def _escalate(case, actor, data):
    from .models import Referral

    rules.check_not_legacy(case)
    body = (data.get("body") or "").strip()
    limit = Referral._meta.get_field("body").max_length
    if len(body) > limit:
        raise AppError("too_long", _("The body referred to may have at most %(limit)d characters.") % {"limit": limit},
                       field="body")
    Referral.objects.create(case=case, referred_on=timezone.localdate(), body=body or str(_("Specialised inspection")),
                            reason=data.get("note", ""), created_by=actor)


# what each deadline kind asks for (for the pages; the engine stores the kind on the record)
DEADLINE_KINDS = {
    "approve_by": _("Approve the audit proposal"), "decision_by": _("Record the audit decision"),
    "deliver_by": _("Deliver the decision"), "start_by": _("Announce the decision and start"),
    "end_by": _("End the audit work"), "minutes_by": _("Sign the minutes"),
    "result_notice_by": _("Issue the result notice"), "draft_by": _("Send the draft conclusion"),
    "explanation_by": _("Receive the declarant's explanation"), "conclusion_by": _("Issue the conclusion"),
    "expert_answer_by": _("Receive the expert opinion"), "approve_conclusion_by": _("Approve the conclusion"),
}

ACTIVE = (C.DECISION_SIGNED, C.DELIVERED, C.FIELDWORK, C.FIELDWORK_ENDED, C.MINUTES_SIGNED, C.DRAFT_SENT,
          C.EXPLANATION_RECEIVED, C.AWAITING_EXPERT_OPINION)
# the step that approves a recorded decision of each kind (`services.decisions.decision_approve`)
DECISION_ACTIONS = {DecisionKind.ORIGINAL: "approve_decision", DecisionKind.AMENDMENT: "amend",
                    DecisionKind.EXTENSION: "extend",
                    DecisionKind.SUSPENSION: "suspend", DecisionKind.RESUMPTION: "resume",
                    DecisionKind.CANCELLATION: "cancel"}
DECISION_ONLY = ("conclude",)  # taken by recording the conclusion; the decision steps approve a recorded decision

AUDIT_CASE_WORKFLOW = Workflow(
    name="audit_case",
    label=_("Post-clearance audit"),
    initial=C.DECISION_SIGNED,
    states=C,
    create_roles=WORKERS,
    initial_deadline=state_deadline,
    facts=[  # recorded by the services of `services.conclusions` and `services.handling` (Workflow.record)
        Fact("decision_corrected", _("Corrected audit decision recorded")),
        Fact("findings", _("Results per risk area recorded")),
        Fact("declarant_reservation", _("Declarant's reservations recorded")),
        Fact("supplementary_conclusion", _("Supplementary conclusion recorded")),
        Fact("supplementary_approved", _("Supplementary conclusion approved")),
        Fact("tax_assessment", _("Tax-assessment decision recorded")),
        Fact("penalty", _("Administrative-penalty decision recorded")),
        Fact("payment", _("Amount collected recorded")),
        Fact("referral", _("Referral recorded")),
        Fact("complaint", _("Complaint recorded")),
        Fact("complaint_decided", _("Decision on the complaint recorded")),
        Fact("document", _("Document stored")),
    ],
    transitions=[
        # Every leader's step on a case is taken at the unit that approved its proposal (`approval_unit`): the
        # department for a department-scope audit, whose leader signs its decisions and its conclusion, else the
        # case's own unit. The officers' steps are taken at the case's unit. The case's one scope follows (Workflow
        # .scope): that leader sees the case even without a grant over the units below.
        # The audit decision recorded by an officer takes effect when a leader, never its recorder, approves it; the
        # deadline to deliver (or to start, 78.1 field audits) runs from the signing meanwhile and is kept
        Transition("approve_decision", _("Approve the audit decision"), (C.DECISION_SIGNED,), C.DECISION_SIGNED,
                   LEADERS, unit_field=APPROVAL, required_data=("decision_id",), not_by=("decision_recorded_by",),
                   effect=_approving(DecisionKind.ORIGINAL), deadline=KEEP_DEADLINE, style="success",
                   when=_pending(DecisionKind.ORIGINAL)[0], when_q=_pending(DecisionKind.ORIGINAL)[1]),
        Transition("deliver", _("Record the delivery of the decision"), (C.DECISION_SIGNED,), C.DELIVERED, WORKERS,
                   required_data=("delivered_on",), effect=_deliver, deadline=state_deadline,
                   when=_original_in_effect, when_q=ORIGINAL_IN_EFFECT_Q),
        Transition("start", _("Record the announcement and start"), (C.DECISION_SIGNED, C.DELIVERED), C.FIELDWORK,
                   WORKERS, required_data=("started_on",), effect=_start, deadline=state_deadline,
                   when=_original_in_effect, when_q=ORIGINAL_IN_EFFECT_Q),
        Transition("end", _("Record the end of the audit work"), (C.FIELDWORK,), C.FIELDWORK_ENDED, WORKERS,
                   required_data=("ended_on",), effect=_end, deadline=state_deadline),
        Transition("sign_minutes", _("Record the signed minutes"), (C.FIELDWORK_ENDED,), C.MINUTES_SIGNED, WORKERS,
                   required_data=("minutes_signed_on",), effect=_setter("minutes_signed_on", _("minutes signed on")),
                   deadline=state_deadline, when=is_field, when_q=FIELD_Q),
        Transition("send_draft", _("Record the draft conclusion sent"), (C.MINUTES_SIGNED,), C.DRAFT_SENT, WORKERS,
                   required_data=("draft_sent_on",), effect=_setter("draft_sent_on", _("draft sent on")),
                   deadline=state_deadline, when=is_field, when_q=FIELD_Q),
        Transition("receive_explanation", _("Record the explanation (blank date: waived)"), (C.DRAFT_SENT,),
                   C.EXPLANATION_RECEIVED, WORKERS, effect=_receive_explanation, deadline=state_deadline,
                   when=is_field, when_q=FIELD_Q),
        Transition("request_expert", _("Request an expert opinion"), (C.EXPLANATION_RECEIVED,),
                   C.AWAITING_EXPERT_OPINION, WORKERS, required_data=("expert_requested_on",),
                   effect=_setter("expert_requested_on", _("expert opinion requested on")), deadline=state_deadline,
                   when=is_field, when_q=FIELD_Q),
        Transition("expert_answered", _("Record the expert opinion received"), (C.AWAITING_EXPERT_OPINION,),
                   C.EXPLANATION_RECEIVED, WORKERS, required_data=("expert_received_on",),
                   effect=_setter("expert_received_on", _("expert opinion received on")), deadline=state_deadline,
                   when=is_field, when_q=FIELD_Q),
        Transition("conclude", _("Record the conclusion"),
                   (C.FIELDWORK_ENDED, C.EXPLANATION_RECEIVED, C.AWAITING_EXPERT_OPINION), C.CONCLUDED, WORKERS,
                   required_data=("concluded_on", "conclusion_id"), effect=_conclude, deadline=state_deadline),
        Transition("approve_conclusion", _("Approve the conclusion"), (C.CONCLUDED,), C.HANDLING, LEADERS,
                   unit_field=APPROVAL, not_by=("conclusion_recorded_by",), effect=_approve_conclusion,
                   style="success"),
        Transition("close", _("Close the case"), (C.HANDLING,), C.CLOSED, LEADERS, note_required=True, effect=_close,
                   unit_field=APPROVAL, style="success"),
        # A decision recorded by an officer takes effect only when a leader — never its recorder — approves it:
        # each of these steps is that approval (services.decision_approve), available while such a decision waits.
        Transition("amend", _("Approve the amendment decision"), (C.DECISION_SIGNED, C.DELIVERED, C.FIELDWORK),
                   lambda c: c.state, LEADERS, required_data=("decision_id",), guard=_decision_guard,
                   unit_field=APPROVAL, not_by=("decision_recorded_by",), effect=_approving(DecisionKind.AMENDMENT),
                   deadline=state_deadline, when=_pending(DecisionKind.AMENDMENT)[0],
                   when_q=_pending(DecisionKind.AMENDMENT)[1]),
        Transition("extend", _("Approve the extension decision"), (C.FIELDWORK,), C.FIELDWORK, LEADERS,
                   unit_field=APPROVAL, required_data=("decision_id", "extension_working_days"), guard=_decision_guard,
                   not_by=("decision_recorded_by",), effect=_approving(DecisionKind.EXTENSION, _on_extend),
                   deadline=state_deadline, when=lambda c: is_field(c) and _pending(DecisionKind.EXTENSION)[0](c),
                   when_q=FIELD_Q & _pending(DecisionKind.EXTENSION)[1]),
        Transition("suspend", _("Approve the suspension decision"), ACTIVE, C.SUSPENDED, LEADERS, unit_field=APPROVAL,
                   required_data=("decision_id", "reason_code"), guard=_decision_guard,
                   not_by=("decision_recorded_by",), effect=_approving(DecisionKind.SUSPENSION, _on_suspend),
                   when=_pending(DecisionKind.SUSPENSION)[0], when_q=_pending(DecisionKind.SUSPENSION)[1],
                   style="warning"),
        Transition("resume", _("Approve the resumption decision"), (C.SUSPENDED,), _resume_target, LEADERS,
                   unit_field=APPROVAL, required_data=("decision_id",), guard=_decision_guard,
                   not_by=("decision_recorded_by",),
                   effect=_approving(DecisionKind.RESUMPTION, _on_resume), deadline=_resume_deadline,
                   when=_pending(DecisionKind.RESUMPTION)[0], when_q=_pending(DecisionKind.RESUMPTION)[1]),
        Transition("cancel", _("Approve the cancellation decision"), (*ACTIVE, C.SUSPENDED), C.CANCELLED, LEADERS,
                   unit_field=APPROVAL, required_data=("decision_id", "reason_code"), guard=_decision_guard,
                   not_by=("decision_recorded_by",), effect=_approving(DecisionKind.CANCELLATION),
                   when=_pending(DecisionKind.CANCELLATION)[0], when_q=_pending(DecisionKind.CANCELLATION)[1],
                   style="danger"),
        Transition("return_decision", _("Return the decision awaiting approval"), (*ACTIVE, C.SUSPENDED),
                   lambda c: c.state, LEADERS, unit_field=APPROVAL, required_data=("decision_id",), note_required=True,
                   effect=_return_decision, deadline=KEEP_DEADLINE,
                   when=lambda c: c.pending_decision_kind not in ("", ORIGINAL_RETURNED),
                   when_q=~Q(pending_decision_kind__in=("", ORIGINAL_RETURNED)), style="warning"),
        Transition("escalate", _("Refer to specialised inspection"), (*ACTIVE, C.CONCLUDED, C.HANDLING), C.ESCALATED,
                   LEADERS, unit_field=APPROVAL, note_required=True, effect=_escalate, style="danger"),
    ],
).bind(AuditCase)

# Actions outside the state machines.
policy.register_action("audit_proposal.edit", WORKERS)  # edit while draft / returned
policy.register_action("audit_case.record", WORKERS)  # decisions, conclusions, handling, payments, documents
policy.register_action("audit_case.approve_supplementary", LEADERS)


# --- who may do what on a page (the pages and the API ask here, not in views) -------------------------------------
def may_edit_proposal(user, p) -> bool:
    return p.state in EDITABLE_STATES and policy.can(user, "audit_proposal.edit", p)


def may_open_case(user, p) -> bool:
    return any(t.action == "open_case" for t in AuditProposal.workflow.available(user, p))


def may_record(user, case) -> bool:
    """Record decisions, the conclusion, the handling and documents on the case (not on legacy rows)."""
    return policy.can(user, "audit_case.record", case) and not case.legacy


def may_decide(user, case) -> bool:
    """Record an amendment, extension, suspension, resumption or cancellation decision."""
    return may_record(user, case) and case.state not in (*AuditCase.ENDED_STATES, C.CONCLUDED, C.HANDLING)


def may_conclude(user, case) -> bool:
    """Record the conclusion now, or a supplementary one after an expert opinion."""
    conclude = AuditCase.workflow.transition("conclude")
    return may_record(user, case) and bool(
        (conclude.applies(case) and case.state in conclude.sources)
        or (case.expert_requested_on and case.state in (C.CONCLUDED, C.HANDLING)))


def may_handle(user, case) -> bool:
    """Record tax assessments, penalties, payments, referrals after the conclusion."""
    return may_record(user, case) and case.state in HANDLING_STATES


def may_approve_supplementary(user, case) -> bool:
    """Approve a supplementary conclusion: a leader where the case's other decisions are approved."""
    return policy.can_at(user, "audit_case.approve_supplementary", case.approval_unit)
