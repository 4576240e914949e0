"""The handling of a concluded case: tax assessments, penalties, amounts collected, referrals, complaints and their
decisions, and the case's documents (domain B4.4)."""

from __future__ import annotations

import hashlib
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stq.core import uploads
from stq.core.errors import AppError, Conflict
from stq.core.history import save_as
from stq.org import policy

from .. import rules
from ..models import (
    TAX_TYPES,
    AuditCase,
    CaseDocument,
    Complaint,
    ComplaintResult,
    Payment,
    PaymentKind,
    PenaltyDecision,
    Referral,
    TaxAssessment,
)
from ..selectors import case_figures
from ..workflow import HANDLING_STATES
from .common import clean_amount, required_text

C = AuditCase.State
PDF = uploads.UploadRule((".pdf",))


def _handling_case(actor, case, states=HANDLING_STATES) -> AuditCase:
    locked = AuditCase.objects.select_for_update().get(pk=case.pk)
    rules.check_not_legacy(locked)
    policy.check(actor, "audit_case.record", locked)
    if locked.state not in states:
        raise Conflict("invalid_state", _("This is recorded once the audit is concluded."))
    return locked


def _figures(case) -> dict:
    """What a payment or a fine changes: the amounts assessed, collected and outstanding."""
    return _figures_of(case_figures(case))


def _figures_of(f: dict) -> dict:
    return {"assessed": f["assessed"], "collected": f["collected"], "outstanding": f["outstanding"]}


def tax_assessment_record(*, actor, case: AuditCase, number: str, issued_on: date, **amounts) -> TaxAssessment:
    with transaction.atomic():
        locked = _handling_case(actor, case)
        required_text({"number": number}, {"number": _("Enter the decision number.")})
        rules.check_signed_on(issued_on, field="issued_on")
        errors: dict = {}
        clean = {t: clean_amount(amounts.get(t), t, errors) for t in TAX_TYPES}
        if errors:
            raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)
        row = TaxAssessment(case=locked, number=number.strip(), issued_on=issued_on, created_by=actor, **clean)
        save_as(row, actor, reason="tax_assessment")
        AuditCase.workflow.record(actor=actor, case=locked, kind="tax_assessment",
                                  data={"number": row.number, "issued_on": issued_on},
                                  after={t: v for t, v in clean.items() if v})
    return row


def penalty_record(*, actor, case: AuditCase, number: str, issued_on: date, legal_article: str, amount,
                   signer_name: str = "") -> PenaltyDecision:
    with transaction.atomic():
        locked = _handling_case(actor, case, (C.FIELDWORK, C.FIELDWORK_ENDED, C.MINUTES_SIGNED, C.DRAFT_SENT,
                                              C.EXPLANATION_RECEIVED, C.AWAITING_EXPERT_OPINION, *HANDLING_STATES))
        required_text({"number": number, "legal_article": legal_article},
                      {"number": _("Enter the decision number."), "legal_article": _("Enter the legal article.")})
        rules.check_signed_on(issued_on, field="issued_on")
        errors: dict = {}
        value = clean_amount(amount, "amount", errors)
        if errors or value <= 0:
            raise AppError("invalid", _("Enter the fine as a whole, positive number of đồng."), field="amount")
        row = PenaltyDecision(case=locked, number=number.strip(), issued_on=issued_on,
                              legal_article=legal_article.strip(), amount=value, signer_name=signer_name.strip(),
                              created_by=actor)
        before = _figures(locked)
        save_as(row, actor, reason="penalty")
        AuditCase.workflow.record(actor=actor, case=locked, kind="penalty", before=before, after=_figures(locked),
                                  data={"number": row.number, "issued_on": issued_on, "amount": value,
                                        "legal_article": row.legal_article})
    return row


def payment_record(*, actor, case: AuditCase, paid_on: date, kind: str, amount, reference: str = "") -> Payment:
    """An amount actually collected (partial payments are separate rows). Collected never exceeds what was assessed
    (approved conclusions + fines)."""
    with transaction.atomic():
        locked = _handling_case(actor, case)
        if kind not in PaymentKind.values:
            raise AppError("invalid", _("Choose what was paid."), field="kind")
        rules.check_signed_on(paid_on, field="paid_on", required=_("Enter the payment date."),
                              in_future=_("The payment date cannot be in the future."))
        errors: dict = {}
        value = clean_amount(amount, "amount", errors)
        if errors or value <= 0:
            raise AppError("invalid", _("Enter the amount as a whole, positive number of đồng."), field="amount")
        figures = case_figures(locked)
        if value > figures["outstanding"]:
            raise AppError("overpayment", _("The payment exceeds the amount outstanding (%(left)s đồng).")
                           % {"left": f"{figures['outstanding']:,}".replace(",", ".")}, field="amount")
        row = Payment(case=locked, paid_on=paid_on, kind=kind, amount=value, reference=(reference or "").strip(),
                      recorded_by=actor)
        save_as(row, actor, reason="payment")
        AuditCase.workflow.record(actor=actor, case=locked, kind="payment", before=_figures_of(figures),
                                  after=_figures(locked), data={"paid_on": paid_on, "payment_kind": kind,
                                                                "amount": value, "reference": row.reference})
    return row


def referral_record(*, actor, case: AuditCase, referred_on: date, body: str, reason: str) -> Referral:
    """A referral during handling (to specialised inspection or another body); before the conclusion, use the
    case's `escalate` step."""
    with transaction.atomic():
        locked = _handling_case(actor, case)
        required_text({"body": body, "reason": reason},
                      {"body": _("Enter who it is referred to."), "reason": _("Enter the reason.")})
        rules.check_signed_on(referred_on, field="referred_on")
        row = Referral(case=locked, referred_on=referred_on, body=body.strip(), reason=reason.strip(),
                       created_by=actor)
        save_as(row, actor, reason="referral")
        AuditCase.workflow.record(actor=actor, case=locked, kind="referral", note=row.reason,
                                  data={"referred_on": referred_on, "body": row.body})
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
        required_text({"complainant": complainant, "contested": contested},
                      {"complainant": _("Enter the complainant."), "contested": _("Enter the contested decision.")})
        rules.check_signed_on(filed_on, field="filed_on")
        if instance == 2 and not locked.complaints.filter(instance=1).exclude(result="").exists():
            raise AppError("first_instance_pending", _("A second-instance complaint follows a decided first "
                                                       "instance."), field="instance")
        row = Complaint(case=locked, instance=instance, filed_on=filed_on, complainant=complainant.strip(),
                        contested=contested.strip(), created_by=actor)
        _complaint_decide(row, resolver_name, resolver_unit, decision_number, decided_on, result, outcome)
        save_as(row, actor, reason="complaint")
        AuditCase.workflow.record(actor=actor, case=locked, kind="complaint",
                                  data={"instance": instance, "filed_on": filed_on, "complainant": row.complainant,
                                        "contested": row.contested},
                                  after=_complaint_decision(row) if row.result else None)
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


def _complaint_decision(row) -> dict:
    return {"result": row.result, "decision_number": row.decision_number, "decided_on": row.decided_on,
            "resolver_name": row.resolver_name, "outcome": row.outcome}


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
        before = _complaint_decision(row)
        _complaint_decide(row, resolver_name, resolver_unit, decision_number, decided_on, result, outcome)
        save_as(row, actor, reason="complaint_decided")
        AuditCase.workflow.record(actor=actor, case=row.case, kind="complaint_decided", before=before,
                                  after=_complaint_decision(row),
                                  data={"instance": row.instance, "filed_on": row.filed_on})
    return row


# --- documents ------------------------------------------------------------------------------------------------
def document_upload(*, actor, case: AuditCase, title: str, file) -> CaseDocument:
    """Store a scanned decision, minutes or conclusion (PDF only, checked by content), with its SHA-256."""
    uploads.require(file, PDF)
    required_text({"title": title}, {"title": _("Enter a title.")})
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
        save_as(doc, actor, reason="document")
        AuditCase.workflow.record(actor=actor, case=locked, kind="document",
                                  data={"title": doc.title, "original_name": doc.original_name, "size": doc.size,
                                        "sha256": doc.sha256})
    return doc

