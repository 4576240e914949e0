"""Audit decisions: the audit decision that opens the case, the decisions that amend, extend, suspend, resume or
cancel it, and the other steps of the case (domain B4.2, B4.3, B9)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError, Conflict, check_version
from stq.core.history import save_as
from stq.core.numbering import next_number
from stq.org import policy

from .. import rules
from ..models import AuditCase, AuditDecision, AuditProposal, DecisionKind
from ..workflow import DECISION_ACTIONS, DECISION_ONLY, ORIGINAL_RETURNED, WAITING_FOR_ORIGINAL, state_deadline

CASE_KIND = "KT"
P = AuditProposal.State
C = AuditCase.State
DECISION_FIELDS = ("number", "signed_on", "signer_name", "signer_title", "signer_unit", "signer_authority",
                   "team_leader", "team_members", "start_on", "duration_working_days", "extension_working_days",
                   "reason_code", "reason")


def _decision(case, kind, actor, values: dict, parent=None) -> AuditDecision:
    errors = {}
    if not (values.get("number") or "").strip():
        errors["number"] = _("Enter the decision number.")
    if not (values.get("signer_name") or "").strip():
        errors["signer_name"] = _("Enter who signed the decision.")
    if not (values.get("signer_title") or "").strip():
        errors["signer_title"] = _("Enter the signer's title.")
    if errors:
        raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)
    rules.check_signed_on(values.get("signed_on"))
    if parent is not None and values["signed_on"] < parent.signed_on:
        raise AppError("signed_before_original", _("The decision cannot be signed before the audit decision."),
                       field="signed_on")
    decision = AuditDecision(
        case=case, kind=kind, parent=parent, created_by=actor,
        **rules.recording(values["signed_on"], rules.DECISION_RECORDING_DAYS),  # POLICY (SEED)
        **{f: (values[f].strip() if isinstance(values[f], str) else values[f])
           for f in DECISION_FIELDS if values.get(f) not in (None, "")},
    )
    if kind == DecisionKind.ORIGINAL:
        decision.delivery_due_on = rules.delivery_due(values["signed_on"])
    try:
        with transaction.atomic():
            save_as(decision, actor, reason=kind)
    except IntegrityError:
        raise AppError("decision_exists", _("This decision was already recorded.")) from None
    return decision


def _check_original(p, decision: dict) -> None:
    rules.check_signed_on(decision.get("signed_on"))
    rules.check_duration(p.mode, decision.get("duration_working_days"))
    rules.check_start(decision["signed_on"], decision.get("start_on"), p.ground, mode=p.mode)
    rules.check_period(p.period_from, decision["signed_on"], p.declaration_numbers)
    rules.check_desk_by_clearing_office(p.mode, decision.get("signer_unit"), decision["signed_on"], p.period_from,
                                      p.declaration_numbers)


def case_open(*, actor, proposal: AuditProposal, **decision) -> AuditCase:
    """Open the audit case of an approved proposal by recording its audit decision (form 01/2015-KTSTQ): duration
    ≤ 5 working days (desk) / ≤ 10 (field); start ≥ 5 working days after signing unless 78.1; 5-year window.
    The decision is recorded pending: it takes effect when a leader, never its recorder, approves it (seed letter
    7301 §1.3 "Cập nhật và phê duyệt Quyết định KTSTQ"; the step `approve_decision`); the deadline to deliver runs
    from the signing meanwhile."""
    with transaction.atomic():
        p = AuditProposal.objects.select_for_update().select_related("enterprise", "unit").get(pk=proposal.pk)
        rules.check_not_legacy(p)
        if p.state != P.APPROVED:
            raise Conflict("invalid_state", _("Only an approved proposal opens an audit case."))
        if AuditCase.objects.filter(proposal=p).exists():
            raise Conflict("case_exists", _("The audit case of this proposal is already open."))
        policy.check_at(actor, "audit_case.create", p.unit)
        _check_original(p, decision)
        AuditProposal.workflow.apply(actor=actor, case=p, action="open_case",
                                     data={"decision": decision.get("number"), "signed_on": decision["signed_on"]})
        case = AuditCase(
            proposal=p, enterprise=p.enterprise, mode=p.mode, ground=p.ground, unit=p.unit,
            approval_unit=p.approval_unit, decision_signed_on=decision["signed_on"],
            planned_start_on=decision["start_on"], duration_working_days=decision["duration_working_days"],
            number=next_number(unit=p.unit, year=decision["signed_on"].year, kind=CASE_KIND),
            pending_decision_kind=DecisionKind.ORIGINAL, decision_recorded_by=actor,
        )
        AuditCase.workflow.create(actor=actor, case=case)
        case.risk_areas.set(p.risk_areas.all())
        _decision(case, DecisionKind.ORIGINAL, actor, decision)
    return case


def decision_record(*, actor, case: AuditCase, kind: str, expected_version: int | None = None,
                    **values) -> AuditDecision:
    """Record an amendment, extension, suspension, resumption or cancellation decision; each references the case's
    audit decision and is signed by its signer (B9.6); the workflow step it takes follows. `kind="original"`: the
    corrected audit decision after a leader returned the one recorded when the case opened."""
    if kind == DecisionKind.ORIGINAL:
        return _original_record(actor=actor, case=case, expected_version=expected_version, **values)
    if kind not in DecisionKind.values:
        raise AppError("invalid", _("Choose the kind of decision."), field="kind")
    with transaction.atomic():
        locked = AuditCase.objects.select_for_update().get(pk=case.pk)
        rules.check_not_legacy(locked)
        policy.check(actor, "audit_case.record", locked)
        check_version(locked, expected_version)
        if locked.pending_decision_kind in WAITING_FOR_ORIGINAL:
            raise Conflict("decision_pending", _("The audit decision is not in effect yet: a leader approves it "
                                                 "before another decision is recorded."))
        original = locked.decisions.filter(kind=DecisionKind.ORIGINAL, approved_at__isnull=False).first()
        if original is None:
            raise Conflict("no_original", _("The case has no audit decision to amend."))
        signer = (values.get("signer_name") or "").strip()
        if signer and signer.casefold() != original.signer_name.strip().casefold():
            raise AppError("signer_mismatch", _("This decision is signed by the signer of the audit decision "
                                                "(%(signer)s).") % {"signer": original.signer_name},
                           field="signer_name")
        rules.check_decision(locked, kind, reason_code=values.get("reason_code") or "", reason=values.get("reason"),
                             extension_working_days=values.get("extension_working_days"))
        action = DECISION_ACTIONS[kind]
        if kind == DecisionKind.AMENDMENT:  # team, time, scope or content
            if values.get("duration_working_days") is not None:
                rules.check_duration(locked.mode, values["duration_working_days"])
            if values.get("start_on") and values["start_on"] != locked.planned_start_on:
                if locked.state == C.FIELDWORK:
                    raise AppError("already_started", _("The audit has started: its start cannot change."),
                                   field="start_on")
                rules.check_start(values.get("signed_on") or original.signed_on, values["start_on"], locked.ground,
                                  mode=locked.mode, delivered_on=locked.delivered_on)
        if locked.pending_decision_kind:
            raise Conflict("decision_pending", _("A decision of this case is awaiting a leader's approval: it is "
                                                 "approved before another is recorded."))
        if locked.state not in AuditCase.workflow.transition(action).sources:
            raise Conflict("invalid_state", _("This decision is not possible while the case is “%(state)s”.")
                           % {"state": AuditCase.workflow.state_label(locked.state)})
        decision = _decision(locked, kind, actor, {**values, "signer_name": signer or original.signer_name,
                                                   "signer_title": values.get("signer_title") or original.signer_title,
                                                   "signer_unit": values.get("signer_unit") or original.signer_unit},
                             parent=original)
        # recorded, not yet in effect: a leader approves it (decision_approve, the workflow step `action`)
        locked.pending_decision_kind, locked.decision_recorded_by = kind, actor
        locked.version += 1
        save_as(locked, actor, reason=f"{kind} recorded")
    return decision


def _original_record(*, actor, case: AuditCase, expected_version: int | None = None, **values) -> AuditDecision:
    """The corrected audit decision, recorded after a leader returned the first: it is checked as when the case
    opened, replaces the case's signing date, start and duration, and awaits a leader's approval in turn."""
    with transaction.atomic():
        locked = AuditCase.objects.select_for_update().get(pk=case.pk)
        rules.check_not_legacy(locked)
        policy.check(actor, "audit_case.record", locked)
        check_version(locked, expected_version)
        if locked.pending_decision_kind != ORIGINAL_RETURNED:
            raise AppError("invalid", _("The audit decision is recorded when the case is opened."), field="kind")
        _check_original(locked.proposal, values)
        before = {"decision_signed_on": locked.decision_signed_on, "planned_start_on": locked.planned_start_on,
                  "duration_working_days": locked.duration_working_days}
        decision = _decision(locked, DecisionKind.ORIGINAL, actor, values)
        locked.decision_signed_on, locked.planned_start_on = values["signed_on"], values["start_on"]
        locked.duration_working_days = values["duration_working_days"]
        locked.pending_decision_kind, locked.decision_recorded_by = DecisionKind.ORIGINAL, actor
        deadline = state_deadline(locked)  # the deadline to deliver runs from the corrected signing date
        if deadline is not None:
            locked.due_on, locked.due_kind = deadline.due_for(locked, locked.decision_signed_on), deadline.kind
        locked.version += 1
        save_as(locked, actor, reason="original corrected")
        AuditCase.workflow.record(actor=actor, case=locked, kind="decision_corrected", before=before,
                                  after={"decision_signed_on": locked.decision_signed_on,
                                         "planned_start_on": locked.planned_start_on,
                                         "duration_working_days": locked.duration_working_days})
    return decision


def pending_decision(case: AuditCase) -> AuditDecision | None:
    """The case's recorded decision awaiting a leader's approval (at most one: database constraints), the audit
    decision that opened the case included."""
    return case.decisions.filter(approved_at__isnull=True, returned_at__isnull=True, legacy=False).filter(
        case__pending_decision_kind=F("kind")).first()


def decision_approve(*, actor, case: AuditCase, note: str = "", expected_version: int | None = None) -> AuditCase:
    """A leader approves the recorded decision awaiting approval (seed letter 7301 §1.3 "Cập nhật và phê duyệt
    Quyết định KTSTQ và các Quyết định sửa đổi, bổ sung/gia hạn/hủy bỏ"): only then does the amendment, extension,
    suspension, resumption or cancellation take effect in the case. It is the decision's workflow step (roles:
    leaders; never the officer who recorded it), applied by the one engine."""
    decision = pending_decision(case)
    if decision is None:
        raise Conflict("no_pending_decision", _("No decision of this case is awaiting approval."))
    data = {"decision_id": decision.pk, "decision": decision.number, "signed_on": decision.signed_on,
            "reason_code": decision.reason_code}
    if decision.kind == DecisionKind.EXTENSION:
        data["extension_working_days"] = decision.extension_working_days
    with transaction.atomic():
        return AuditCase.workflow.apply(actor=actor, case=case, action=DECISION_ACTIONS[decision.kind],
                                        note=(note or "").strip() or decision.reason, data=data,
                                        expected_version=expected_version)


def decision_return(*, actor, case: AuditCase, note: str = "", expected_version: int | None = None) -> AuditCase:
    """A leader returns the recorded decision awaiting approval, with the reason (seed letter 7301 §1.3 "phê duyệt":
    approving includes refusing). The decision never takes effect, the case stays as it was (state, dates,
    deadline), and the officer may record a corrected decision. The workflow step `return_decision` (leaders)."""
    decision = pending_decision(case)
    if decision is None:
        raise Conflict("no_pending_decision", _("No decision of this case is awaiting approval."))
    note = (note or "").strip()
    with transaction.atomic():
        return AuditCase.workflow.apply(actor=actor, case=case, action="return_decision", note=note,
                                        data={"decision_id": decision.pk, "decision": decision.number,
                                              "kind": decision.kind, "note": note},
                                        expected_version=expected_version)


def case_act(*, actor, case: AuditCase, action: str, note: str = "", data: dict | None = None,
             expected_version: int | None = None) -> AuditCase:
    """Record a step of the audit: deliver, start, end, sign_minutes, send_draft, receive_explanation,
    request_expert, expert_answered, approve_conclusion, close, escalate. Steps taken by a decision or the
    conclusion go through `decision_record` / `conclusion_record`."""
    if action in DECISION_ONLY:
        raise AppError("use_decision", _("This step is taken by recording its decision or the conclusion."),
                       field="action")
    if action in DECISION_ACTIONS.values():  # the approval of the recorded decision of this kind
        pending = pending_decision(case)
        if pending is None or DECISION_ACTIONS[pending.kind] != action:
            raise AppError("use_decision", _("This step approves a recorded decision of its kind: record the "
                                             "decision first, then a leader approves it."), field="action")
        return decision_approve(actor=actor, case=case, note=note, expected_version=expected_version)
    if action == "return_decision":
        return decision_return(actor=actor, case=case, note=note, expected_version=expected_version)
    rules.check_not_legacy(case)
    data = dict(data or {})
    note = (note or "").strip()
    if note:
        data["note"] = note
    with transaction.atomic():
        return AuditCase.workflow.apply(actor=actor, case=case, action=action, note=note, data=data,
                                        expected_version=expected_version)
