"""Every write on audits: one transaction each, the policy checked, the rules of `rules`, AppError on refusal."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core import uploads
from stq.core.errors import AppError, Conflict
from stq.core.history import save_as
from stq.core.numbering import next_number
from stq.org import policy

from . import rules
from .models import (
    TAX_TYPES,
    AuditCase,
    AuditConclusion,
    AuditDecision,
    AuditGround,
    AuditMode,
    AuditProposal,
    CancellationReason,
    CaseDocument,
    Complaint,
    ComplaintResult,
    ConclusionFinding,
    DecisionKind,
    Payment,
    PaymentKind,
    PenaltyDecision,
    Referral,
    SuspensionReason,
    TaxAssessment,
)
from .selectors import case_figures
from .workflow import DECISION_ONLY

PROPOSAL_KIND = "DX"
CASE_KIND = "KT"
P = AuditProposal.State
C = AuditCase.State
EDITABLE_STATES = (P.DRAFT, P.RETURNED)
PROPOSAL_FIELDS = ("enterprise", "mode", "ground", "risk_areas", "period_from", "period_to", "declaration_numbers",
                   "reason", "planned_team", "planned_start", "info_collection", "department_scope")
HANDLING_STATES = (C.CONCLUDED, C.HANDLING, C.CLOSED)
PDF = uploads.UploadRule((".pdf",))


def _stale(obj, expected_version):
    if expected_version is not None and obj.version != expected_version:
        raise Conflict("stale", _("This record was changed by someone else. Reload it and try again."))


def _clean_numbers(numbers) -> list[str]:
    if isinstance(numbers, str):
        numbers = numbers.replace(",", "\n").split()
    out = []
    for n in numbers or []:
        n = str(n).strip()
        if n and n not in out:
            out.append(n)
    return out


def _validate_proposal(values: dict) -> None:
    errors = {}
    if values.get("enterprise") is None:
        errors["enterprise"] = _("Choose the enterprise.")
    if values.get("mode") not in AuditMode.values:
        errors["mode"] = _("Choose the audit mode.")
    if values.get("ground") not in AuditGround.values:
        errors["ground"] = _("Choose the legal ground.")
    areas = values.get("risk_areas") or []
    if not areas:
        errors["risk_areas"] = _("Choose at least one risk area.")
    elif any(not a.active for a in areas):
        errors["risk_areas"] = _("A chosen risk area is no longer in use.")
    if not values.get("period_from"):
        errors["period_from"] = _("Enter the start of the audited period.")
    if not values.get("period_to"):
        errors["period_to"] = _("Enter the end of the audited period.")
    elif values.get("period_from") and values["period_to"] < values["period_from"]:
        errors["period_to"] = _("The end of the audited period must not precede its start.")
    if not (values.get("reason") or "").strip():
        errors["reason"] = _("State the reason for the audit.")
    if not values.get("planned_start"):
        errors["planned_start"] = _("Enter the planned start.")
    for n in values.get("declaration_numbers") or []:
        if not (len(n) == 12 and n.isdigit()):
            errors["declaration_numbers"] = _("A declaration number has 12 digits: %(n)s") % {"n": n}
            break
    if errors:
        raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)
    ic = values.get("info_collection")
    if ic is not None:
        from stq.enterprises.selectors import enterprise_family_codes

        if ic.state != "closed":
            raise AppError("collection_not_closed", _("Only a closed information collection can lead to a proposal."),
                           field="info_collection")
        if ic.enterprise.tax_code not in enterprise_family_codes(values["enterprise"].tax_code):
            raise AppError("collection_other_enterprise", _("The information collection is about another "
                                                            "enterprise."), field="info_collection")


def _proposal_rules(values: dict, *, proposer) -> None:
    """The rules checked as soon as the proposal is recorded (again on submit and approval)."""
    rules.check_searched(proposer, values["enterprise"])
    rules.check_focus_list(values["enterprise"], [a.code for a in values["risk_areas"]],
                           [timezone.localdate(), values["planned_start"]])
    rules.check_period(values["period_from"], values["planned_start"], values.get("declaration_numbers"))
    rules.check_aeo(values["enterprise"], values["mode"], values["ground"], values["planned_start"])


# --- proposals ------------------------------------------------------------------------------------------------
def proposal_create(*, actor, unit, enterprise, mode: str, ground: str, risk_areas: Iterable, period_from: date,
                    period_to: date, reason: str, planned_start: date, declaration_numbers=(),
                    planned_team: str = "", info_collection=None, department_scope: bool = False) -> AuditProposal:
    """Record a proposal (draft) in `unit`, numbered from the unit's DX counter. The officer must have searched the
    enterprise first (SEED); the focus list, the 5 years and the AEO rule are checked now and again later."""
    values = {"enterprise": enterprise, "mode": mode, "ground": ground, "risk_areas": list(risk_areas),
              "period_from": period_from, "period_to": period_to, "reason": reason, "planned_start": planned_start,
              "declaration_numbers": _clean_numbers(declaration_numbers), "info_collection": info_collection}
    _validate_proposal(values)
    with transaction.atomic():
        policy.check_at(actor, "audit_proposal.create", unit)
        _proposal_rules(values, proposer=actor)
        today = timezone.localdate()
        proposal = AuditProposal(
            unit=unit, approval_unit=unit.department() if department_scope else unit, enterprise=enterprise,
            mode=mode, ground=ground, period_from=period_from, period_to=period_to,
            declaration_numbers=values["declaration_numbers"], reason=reason.strip(),
            planned_team=(planned_team or "").strip(), planned_start=planned_start, info_collection=info_collection,
            department_scope=department_scope, proposed_by=actor, searched_at=timezone.now(), year=today.year,
            number=next_number(unit=unit, year=today.year, kind=PROPOSAL_KIND),
        )
        AuditProposal.workflow.create(actor=actor, case=proposal)
        proposal.risk_areas.set(values["risk_areas"])
    return proposal


def proposal_update(*, actor, proposal: AuditProposal, expected_version: int | None = None,
                    **changes) -> AuditProposal:
    unknown = set(changes) - set(PROPOSAL_FIELDS)
    if unknown:
        raise AppError("invalid", _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        p = AuditProposal.objects.select_for_update().get(pk=proposal.pk)
        rules.check_not_legacy(p)
        policy.check(actor, "audit_proposal.edit", p)
        _stale(p, expected_version)
        if p.state not in EDITABLE_STATES:
            raise Conflict("not_editable", _("The proposal can only be changed while it is a draft or returned."))
        areas = changes.pop("risk_areas", None)
        if "declaration_numbers" in changes:
            changes["declaration_numbers"] = _clean_numbers(changes["declaration_numbers"])
        for name, value in changes.items():
            setattr(p, name, value.strip() if isinstance(value, str) else value)
        values = {f: getattr(p, f) for f in PROPOSAL_FIELDS if f != "risk_areas"}
        values["risk_areas"] = list(areas) if areas is not None else list(p.risk_areas.all())
        _validate_proposal(values)
        rules.check_focus_list(p.enterprise, [a.code for a in values["risk_areas"]],
                               [timezone.localdate(), p.planned_start])
        rules.check_period(p.period_from, p.planned_start, p.declaration_numbers)
        rules.check_aeo(p.enterprise, p.mode, p.ground, p.planned_start)
        if "enterprise" in changes:
            rules.check_searched(actor, p.enterprise)
        p.approval_unit = p.unit.department() if p.department_scope else p.unit
        p.version += 1
        save_as(p, actor, reason="edit")
        if areas is not None:
            p.risk_areas.set(values["risk_areas"])
    return p


def proposal_act(*, actor, proposal: AuditProposal, action: str, note: str = "",
                 expected_version: int | None = None) -> AuditProposal:
    """submit, approve, return, suspend, resume, cancel. The database constraint (one approved proposal per
    enterprise and year) is the last word when two approvals race."""
    if action == "open_case":
        raise AppError("use_decision_form", _("Record the audit decision to open the case."), field="action")
    note = (note or "").strip()
    try:
        with transaction.atomic():
            return AuditProposal.workflow.apply(actor=actor, case=proposal, action=action, note=note,
                                                data={"note": note} if note else {},
                                                expected_version=expected_version)
    except IntegrityError:
        raise AppError("already_approved", _("The enterprise already has an approved audit proposal for this year "
                                             "(approved meanwhile by another unit).")) from None


# --- decisions ------------------------------------------------------------------------------------------------
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
    delay = rules.recording_delay(values["signed_on"])
    decision = AuditDecision(
        case=case, kind=kind, parent=parent, created_by=actor,
        recording_delay_days=delay, recorded_late=delay > rules.DECISION_RECORDING_DAYS,  # POLICY (SEED)
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


def case_open(*, actor, proposal: AuditProposal, **decision) -> AuditCase:
    """Open the audit case of an approved proposal by recording its audit decision (form 01/2015-KTSTQ): duration
    ≤ 5 working days (desk) / ≤ 10 (field); start ≥ 5 working days after signing unless 78.1; 5-year window."""
    with transaction.atomic():
        p = AuditProposal.objects.select_for_update().select_related("enterprise", "unit").get(pk=proposal.pk)
        rules.check_not_legacy(p)
        if p.state != P.APPROVED:
            raise Conflict("invalid_state", _("Only an approved proposal opens an audit case."))
        if AuditCase.objects.filter(proposal=p).exists():
            raise Conflict("case_exists", _("The audit case of this proposal is already open."))
        policy.check_at(actor, "audit_case.create", p.unit)
        rules.check_signed_on(decision.get("signed_on"))
        rules.check_duration(p.mode, decision.get("duration_working_days"))
        rules.check_start(decision["signed_on"], decision.get("start_on"), p.ground)
        rules.check_period(p.period_from, decision["signed_on"], p.declaration_numbers)
        rules.check_desk_by_subdepartment(p.mode, decision.get("signer_unit"), decision["signed_on"], p.period_from,
                                          p.declaration_numbers)
        AuditProposal.workflow.apply(actor=actor, case=p, action="open_case",
                                     data={"decision": decision.get("number"), "signed_on": decision["signed_on"]})
        case = AuditCase(
            proposal=p, enterprise=p.enterprise, mode=p.mode, ground=p.ground, unit=p.unit,
            approval_unit=p.approval_unit, decision_signed_on=decision["signed_on"],
            planned_start_on=decision["start_on"], duration_working_days=decision["duration_working_days"],
            number=next_number(unit=p.unit, year=decision["signed_on"].year, kind=CASE_KIND),
        )
        AuditCase.workflow.create(actor=actor, case=case)
        case.risk_areas.set(p.risk_areas.all())
        _decision(case, DecisionKind.ORIGINAL, actor, decision)
    return case


def decision_record(*, actor, case: AuditCase, kind: str, expected_version: int | None = None,
                    **values) -> AuditDecision:
    """Record an amendment, extension, suspension, resumption or cancellation decision; each references the case's
    audit decision and is signed by its signer (B9.6); the workflow step it takes follows."""
    if kind == DecisionKind.ORIGINAL:
        raise AppError("invalid", _("The audit decision is recorded when the case is opened."), field="kind")
    if kind not in DecisionKind.values:
        raise AppError("invalid", _("Choose the kind of decision."), field="kind")
    with transaction.atomic():
        locked = AuditCase.objects.select_for_update().get(pk=case.pk)
        rules.check_not_legacy(locked)
        policy.check(actor, "audit_case.record", locked)
        _stale(locked, expected_version)
        original = locked.decisions.filter(kind=DecisionKind.ORIGINAL).first()
        if original is None:
            raise Conflict("no_original", _("The case has no audit decision to amend."))
        signer = (values.get("signer_name") or "").strip()
        if signer and signer.casefold() != original.signer_name.strip().casefold():
            raise AppError("signer_mismatch", _("This decision is signed by the signer of the audit decision "
                                                "(%(signer)s).") % {"signer": original.signer_name},
                           field="signer_name")
        data: dict = {}
        if kind == DecisionKind.CANCELLATION:
            if values.get("reason_code") not in CancellationReason.values:
                raise AppError("reason_required", _("A cancellation needs one of the legal reasons."),
                               field="reason_code")
            if not (values.get("reason") or "").strip():
                raise AppError("reason_required", _("Explain the reason for the cancellation."), field="reason")
            action = "cancel"
        elif kind == DecisionKind.SUSPENSION:
            if values.get("reason_code") not in SuspensionReason.values:
                raise AppError("reason_required", _("A suspension needs one of the legal reasons."),
                               field="reason_code")
            action = "suspend"
        elif kind == DecisionKind.RESUMPTION:
            action = "resume"
        elif kind == DecisionKind.EXTENSION:
            if locked.mode != AuditMode.FIELD:
                raise AppError("extension_field_only", _("Only a field audit can be extended."), field="kind")
            if locked.extension_working_days or locked.decisions.filter(kind=DecisionKind.EXTENSION).exists():
                raise AppError("second_extension", _("The audit work can be extended only once."))
            days = values.get("extension_working_days")
            if not isinstance(days, int) or not 1 <= days <= rules.EXTENSION_MAX_WORKING_DAYS:
                raise AppError("extension_length", _("An extension is 1 to 10 working days."),
                               field="extension_working_days")
            data["extension_working_days"] = days
            action = "extend"
        else:  # amendment: team, time, scope or content
            action = "amend"
            if values.get("duration_working_days") is not None:
                rules.check_duration(locked.mode, values["duration_working_days"])
            if values.get("start_on") and values["start_on"] != locked.planned_start_on:
                if locked.state == C.FIELDWORK:
                    raise AppError("already_started", _("The audit has started: its start cannot change."),
                                   field="start_on")
                rules.check_start(values.get("signed_on") or original.signed_on, values["start_on"], locked.ground,
                                  delivered_on=locked.delivered_on)
        if locked.state not in AuditCase.workflow.transition(action).sources:
            raise Conflict("invalid_state", _("This decision is not possible while the case is “%(state)s”.")
                           % {"state": AuditCase.workflow.state_label(locked.state)})
        decision = _decision(locked, kind, actor, {**values, "signer_name": signer or original.signer_name,
                                                   "signer_title": values.get("signer_title") or original.signer_title,
                                                   "signer_unit": values.get("signer_unit") or original.signer_unit},
                             parent=original)
        if kind == DecisionKind.AMENDMENT:
            if values.get("start_on"):
                locked.planned_start_on = values["start_on"]
            if values.get("duration_working_days"):
                locked.duration_working_days = values["duration_working_days"]
            save_as(locked, actor, reason="amendment")
        data.update({"decision_id": decision.pk, "decision": decision.number, "signed_on": decision.signed_on,
                     "reason_code": decision.reason_code})
        AuditCase.workflow.apply(actor=actor, case=locked, action=action, note=decision.reason, data=data)
    return decision


def case_act(*, actor, case: AuditCase, action: str, note: str = "", data: dict | None = None,
             expected_version: int | None = None) -> AuditCase:
    """Record a step of the audit: deliver, start, end, sign_minutes, send_draft, receive_explanation,
    request_expert, expert_answered, approve_conclusion, close, escalate. Steps taken by a decision or the
    conclusion go through `decision_record` / `conclusion_record`."""
    if action in DECISION_ONLY:
        raise AppError("use_decision", _("This step is taken by recording its decision or the conclusion."),
                       field="action")
    rules.check_not_legacy(case)
    data = dict(data or {})
    note = (note or "").strip()
    if note:
        data["note"] = note
    with transaction.atomic():
        return AuditCase.workflow.apply(actor=actor, case=case, action=action, note=note, data=data,
                                        expected_version=expected_version)


# --- conclusion -----------------------------------------------------------------------------------------------
def _amount(value, field, errors):
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        text = str(value).strip().replace(".", "").replace(" ", "").replace(",", "")
        if not text.isdigit():
            errors[field] = _("Enter a whole number of đồng, zero or more.")
            return 0
        value = int(text)
    if value < 0:
        errors[field] = _("Enter a whole number of đồng, zero or more.")
        return 0
    return value


def conclusion_record(*, actor, case: AuditCase, number: str, signed_on: date, signer_name: str,
                      signer_title: str = "", findings: list[dict], has_violations: bool | None = None,
                      declarations_concerned: int = 0, declarations_accepted: int = 0,
                      declarations_adjusted: int = 0, declarant_reservation: str = "", handling_measures: str = "",
                      supplementary: bool = False) -> AuditConclusion:
    """Record the conclusion (field) or result notice (desk), with findings per risk area and the amounts. Recorded
    within 3 days of signing or flagged late (SEED); approved by a leader before it counts. A supplementary
    conclusion follows an expert opinion."""
    with transaction.atomic():
        locked = AuditCase.objects.select_for_update().get(pk=case.pk)
        rules.check_not_legacy(locked)
        policy.check(actor, "audit_case.record", locked)
        errors = {}
        if not (number or "").strip():
            errors["number"] = _("Enter the number.")
        if not (signer_name or "").strip():
            errors["signer_name"] = _("Enter who signed it.")
        if not findings:
            errors["findings"] = _("Record the finding of at least one risk area.")
        if errors:
            raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)
        rules.check_signed_on(signed_on)
        if locked.ended_on and signed_on < locked.ended_on:
            raise AppError("invalid", _("The conclusion cannot be signed before the audit work ended."),
                           field="signed_on")
        if supplementary:
            if not locked.expert_requested_on:
                raise AppError("supplementary_needs_expert", _("A supplementary conclusion follows an expert "
                                                               "opinion; none was requested."))
            if locked.state not in (C.CONCLUDED, C.HANDLING, C.EXPLANATION_RECEIVED):
                raise Conflict("invalid_state", _("The supplementary conclusion comes after the conclusion."))
            if not locked.conclusions.filter(supplementary=False).exists():
                raise Conflict("invalid_state", _("Record the conclusion first."))
        areas = {a.pk: a for a in locked.risk_areas.all()}
        rows = []
        for i, row in enumerate(findings):
            area = row.get("risk_area")
            area_id = getattr(area, "pk", area)
            if area_id not in areas:
                errors[f"findings[{i}].risk_area"] = _("This risk area is not part of the audit.")
                continue
            text = (row.get("finding") or "").strip()
            if not text:
                errors[f"findings[{i}].finding"] = _("Describe the finding.")
            amounts = {f: _amount(row.get(f), f"findings[{i}].{f}", errors)
                       for f in (*TAX_TYPES, "fine", "late_interest")}
            rows.append(ConclusionFinding(risk_area=areas[area_id], finding=text,
                                          has_violation=bool(row.get("has_violation")),
                                          declarations_count=int(row.get("declarations_count") or 0), **amounts))
        counts = (declarations_concerned or 0, declarations_accepted or 0, declarations_adjusted or 0)
        if min(counts) < 0 or counts[1] > counts[0] or counts[2] > counts[0]:
            errors["declarations_accepted"] = _("Accepted and adjusted declarations cannot exceed those audited.")
        if errors:
            raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)
        delay = rules.recording_delay(signed_on)
        conclusion = AuditConclusion(
            case=locked, is_result_notice=locked.mode == AuditMode.DESK, supplementary=supplementary,
            number=number.strip(), signed_on=signed_on, signer_name=signer_name.strip(),
            signer_title=(signer_title or "").strip(),
            has_violations=any(r.has_violation for r in rows) if has_violations is None else has_violations,
            declarations_concerned=counts[0], declarations_accepted=counts[1], declarations_adjusted=counts[2],
            declarant_reservation=(declarant_reservation or "").strip(),
            handling_measures=(handling_measures or "").strip(), created_by=actor,
            recording_delay_days=delay, recorded_late=delay > rules.CONCLUSION_RECORDING_DAYS,  # POLICY (SEED)
        )
        try:
            with transaction.atomic():
                save_as(conclusion, actor, reason="conclusion")
        except IntegrityError:
            raise AppError("conclusion_exists", _("The case already has its conclusion.")) from None
        for row in rows:
            row.conclusion = conclusion
        ConclusionFinding.objects.bulk_create(rows)
        if not supplementary:
            AuditCase.workflow.apply(actor=actor, case=locked, action="conclude",
                                     data={"concluded_on": signed_on, "conclusion_id": conclusion.pk,
                                           "number": conclusion.number})
    return conclusion


def conclusion_approve(*, actor, conclusion: AuditConclusion) -> AuditConclusion:
    """Approve a supplementary conclusion (the main one is approved by the case's `approve_conclusion` step)."""
    with transaction.atomic():
        c = AuditConclusion.objects.select_for_update().select_related("case").get(pk=conclusion.pk)
        rules.check_not_legacy(c)
        if not c.supplementary:
            raise AppError("use_case_step", _("The conclusion is approved with the case's “Approve the conclusion” "
                                              "step."))
        policy.check(actor, "audit_case.approve_supplementary", c)
        if c.created_by_id == actor.pk:
            raise AppError("self_approval", _("You cannot approve or decide on your own submission."))
        if c.approved_at:
            raise Conflict("already_approved", _("The conclusion is already approved."))
        c.approved_by, c.approved_at = actor, timezone.now()
        save_as(c, actor, reason="approve")
    return c


# --- handling -------------------------------------------------------------------------------------------------
def _handling_case(actor, case, states=HANDLING_STATES) -> AuditCase:
    locked = AuditCase.objects.select_for_update().get(pk=case.pk)
    rules.check_not_legacy(locked)
    policy.check(actor, "audit_case.record", locked)
    if locked.state not in states:
        raise Conflict("invalid_state", _("This is recorded once the audit is concluded."))
    return locked


def _required_text(values: dict, names: dict):
    errors = {k: msg for k, msg in names.items() if not (values.get(k) or "").strip()}
    if errors:
        raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)


def tax_assessment_record(*, actor, case: AuditCase, number: str, issued_on: date, **amounts) -> TaxAssessment:
    with transaction.atomic():
        locked = _handling_case(actor, case)
        _required_text({"number": number}, {"number": _("Enter the decision number.")})
        rules.check_signed_on(issued_on, field="issued_on")
        errors: dict = {}
        clean = {t: _amount(amounts.get(t), t, errors) for t in TAX_TYPES}
        if errors:
            raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)
        row = TaxAssessment(case=locked, number=number.strip(), issued_on=issued_on, created_by=actor, **clean)
        save_as(row, actor, reason="tax_assessment")
    return row


def penalty_record(*, actor, case: AuditCase, number: str, issued_on: date, legal_article: str, amount,
                   signer_name: str = "") -> PenaltyDecision:
    with transaction.atomic():
        locked = _handling_case(actor, case, (C.FIELDWORK, C.FIELDWORK_ENDED, C.MINUTES_SIGNED, C.DRAFT_SENT,
                                              C.EXPLANATION_RECEIVED, C.AWAITING_EXPERT_OPINION, *HANDLING_STATES))
        _required_text({"number": number, "legal_article": legal_article},
                       {"number": _("Enter the decision number."), "legal_article": _("Enter the legal article.")})
        rules.check_signed_on(issued_on, field="issued_on")
        errors: dict = {}
        value = _amount(amount, "amount", errors)
        if errors or value <= 0:
            raise AppError("invalid", _("Enter the fine as a whole, positive number of đồng."), field="amount")
        row = PenaltyDecision(case=locked, number=number.strip(), issued_on=issued_on,
                              legal_article=legal_article.strip(), amount=value, signer_name=signer_name.strip(),
                              created_by=actor)
        save_as(row, actor, reason="penalty")
    return row


def payment_record(*, actor, case: AuditCase, paid_on: date, kind: str, amount, reference: str = "") -> Payment:
    """An amount actually collected (partial payments are separate rows). Collected never exceeds what was assessed
    (approved conclusions + fines)."""
    with transaction.atomic():
        locked = _handling_case(actor, case)
        if kind not in PaymentKind.values:
            raise AppError("invalid", _("Choose what was paid."), field="kind")
        rules.check_signed_on(paid_on, field="paid_on")
        errors: dict = {}
        value = _amount(amount, "amount", errors)
        if errors or value <= 0:
            raise AppError("invalid", _("Enter the amount as a whole, positive number of đồng."), field="amount")
        figures = case_figures(locked)
        if value > figures["outstanding"]:
            raise AppError("overpayment", _("The payment exceeds the amount outstanding (%(left)s đồng).")
                           % {"left": f"{figures['outstanding']:,}".replace(",", ".")}, field="amount")
        row = Payment(case=locked, paid_on=paid_on, kind=kind, amount=value, reference=(reference or "").strip(),
                      recorded_by=actor)
        save_as(row, actor, reason="payment")
    return row


def referral_record(*, actor, case: AuditCase, referred_on: date, body: str, reason: str) -> Referral:
    """A referral during handling (to specialised inspection or another body); before the conclusion, use the
    case's `escalate` step."""
    with transaction.atomic():
        locked = _handling_case(actor, case)
        _required_text({"body": body, "reason": reason},
                       {"body": _("Enter who it is referred to."), "reason": _("Enter the reason.")})
        rules.check_signed_on(referred_on, field="referred_on")
        row = Referral(case=locked, referred_on=referred_on, body=body.strip(), reason=reason.strip(),
                       created_by=actor)
        save_as(row, actor, reason="referral")
    return row


def complaint_record(*, actor, case: AuditCase, instance: int, filed_on: date, complainant: str, contested: str,
                     resolver_name: str = "", resolver_unit: str = "", decision_number: str = "",
                     decided_on: date | None = None, result: str = "", outcome: str = "") -> Complaint:
    """A complaint (first or second instance; a second instance follows a decided first instance)."""
    with transaction.atomic():
        locked = AuditCase.objects.select_for_update().get(pk=case.pk)
        rules.check_not_legacy(locked)
        policy.check(actor, "audit_case.record", locked)
        if instance not in (1, 2):
            raise AppError("invalid", _("The instance is 1 or 2."), field="instance")
        _required_text({"complainant": complainant, "contested": contested},
                       {"complainant": _("Enter the complainant."), "contested": _("Enter the contested decision.")})
        rules.check_signed_on(filed_on, field="filed_on")
        if instance == 2 and not locked.complaints.filter(instance=1).exclude(result="").exists():
            raise AppError("first_instance_pending", _("A second-instance complaint follows a decided first "
                                                       "instance."), field="instance")
        row = Complaint(case=locked, instance=instance, filed_on=filed_on, complainant=complainant.strip(),
                        contested=contested.strip(), created_by=actor)
        _complaint_decide(row, resolver_name, resolver_unit, decision_number, decided_on, result, outcome)
        save_as(row, actor, reason="complaint")
    return row


def _complaint_decide(row, resolver_name, resolver_unit, decision_number, decided_on, result, outcome):
    if result and result not in ComplaintResult.values:
        raise AppError("invalid", _("Choose the result."), field="result")
    if result and (decided_on is None or not (decision_number or "").strip()):
        raise AppError("invalid", _("A decided complaint needs the decision number and date."), field="decided_on")
    if decided_on and decided_on < row.filed_on:
        raise AppError("invalid", _("The decision cannot precede the complaint."), field="decided_on")
    row.resolver_name, row.resolver_unit = (resolver_name or "").strip(), (resolver_unit or "").strip()
    row.decision_number, row.decided_on = (decision_number or "").strip(), decided_on
    row.result, row.outcome = result or "", (outcome or "").strip()


def complaint_decide(*, actor, complaint: Complaint, resolver_name: str, resolver_unit: str, decision_number: str,
                     decided_on: date, result: str, outcome: str = "") -> Complaint:
    with transaction.atomic():
        row = Complaint.objects.select_for_update().select_related("case").get(pk=complaint.pk)
        rules.check_not_legacy(row.case)
        policy.check(actor, "audit_case.record", row.case)
        if row.result:
            raise Conflict("already_decided", _("The complaint is already decided."))
        if not result:
            raise AppError("invalid", _("Choose the result."), field="result")
        _complaint_decide(row, resolver_name, resolver_unit, decision_number, decided_on, result, outcome)
        save_as(row, actor, reason="complaint_decided")
    return row


# --- documents ------------------------------------------------------------------------------------------------
def document_upload(*, actor, case: AuditCase, title: str, file) -> CaseDocument:
    """Store a scanned decision, minutes or conclusion (PDF only, checked by content), with its SHA-256."""
    uploads.require(file, PDF)
    _required_text({"title": title}, {"title": _("Enter a title.")})
    with transaction.atomic():
        locked = AuditCase.objects.select_for_update().get(pk=case.pk)
        rules.check_not_legacy(locked)
        policy.check(actor, "audit_case.record", locked)
        digest = hashlib.sha256()
        file.seek(0)
        for chunk in file.chunks() if hasattr(file, "chunks") else [file.read()]:
            digest.update(chunk)
        file.seek(0)
        doc = CaseDocument(case=locked, title=title.strip(), sha256=digest.hexdigest(), size=file.size,
                           original_name=(getattr(file, "name", "") or "")[:255], uploaded_by=actor)
        doc.file.save(file.name, file, save=False)
        doc.save()
    return doc
