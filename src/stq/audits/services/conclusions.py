"""The conclusion (field audit) or result notice (desk audit) of a case, with its findings per risk area, and the
approval of a supplementary conclusion (domain B4.2, B4.3)."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from stq.core.errors import AppError, Conflict, Forbidden
from stq.core.history import save_as
from stq.org import policy

from .. import rules, workflow
from ..models import TAX_TYPES, AuditCase, AuditConclusion, AuditMode, ConclusionFinding
from .common import clean_amount

C = AuditCase.State


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
            amounts = {f: clean_amount(row.get(f), f"findings[{i}].{f}", errors)
                       for f in (*TAX_TYPES, "fine", "late_interest")}
            finding = ConclusionFinding(risk_area=areas[area_id], finding=text,
                                        has_violation=bool(row.get("has_violation")),
                                        declarations_count=int(row.get("declarations_count") or 0), **amounts)
            finding.has_violation = finding.has_violation or finding.has_amounts  # amounts assessed: a violation
            rows.append(finding)
        counts = (declarations_concerned or 0, declarations_accepted or 0, declarations_adjusted or 0)
        if min(counts) < 0 or counts[1] > counts[0] or counts[2] > counts[0]:
            errors["declarations_accepted"] = _("Accepted and adjusted declarations cannot exceed those audited.")
        if has_violations is False and any(r.has_amounts for r in rows):
            # Form 20 (domain B6.2) counts violations beside the amounts: amounts assessed mean a violation was found
            errors["has_violations"] = _("Amounts were assessed: the conclusion must mark the violation.")
        if errors:
            raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)
        conclusion = AuditConclusion(
            case=locked, is_result_notice=locked.mode == AuditMode.DESK, supplementary=supplementary,
            number=number.strip(), signed_on=signed_on, signer_name=signer_name.strip(),
            signer_title=(signer_title or "").strip(),
            has_violations=any(r.has_violation for r in rows) if has_violations is None else has_violations,
            declarations_concerned=counts[0], declarations_accepted=counts[1], declarations_adjusted=counts[2],
            declarant_reservation=(declarant_reservation or "").strip(),
            handling_measures=(handling_measures or "").strip(), created_by=actor,
            **rules.recording(signed_on, rules.CONCLUSION_RECORDING_DAYS),  # POLICY (SEED)
        )
        try:
            with transaction.atomic():
                save_as(conclusion, actor, reason="conclusion")
        except IntegrityError:
            raise AppError("conclusion_exists", _("The case already has its conclusion.")) from None
        for row in rows:
            row.conclusion = conclusion
        bulk_create_with_history(rows, ConclusionFinding, default_user=actor, default_change_reason="conclusion")
        if supplementary:
            AuditCase.workflow.record(actor=actor, case=locked, kind="supplementary_conclusion",
                                      data={"number": conclusion.number, "signed_on": signed_on,
                                            "conclusion_id": conclusion.pk})
        else:
            locked = AuditCase.workflow.apply(actor=actor, case=locked, action="conclude",
                                              data={"concluded_on": signed_on, "conclusion_id": conclusion.pk,
                                                    "number": conclusion.number})
        _record_findings(actor, locked, conclusion, rows)
    return conclusion


def _record_findings(actor, case, conclusion, rows) -> None:
    """The results per risk area (the amounts found, in đồng) and the declarant's reservations, as case facts."""
    AuditCase.workflow.record(
        actor=actor, case=case, kind="findings",
        after={r.risk_area.code: r.tax_total + r.fine + r.late_interest for r in rows},
        data={"number": conclusion.number,
              "violations": ", ".join(r.risk_area.code for r in rows if r.has_violation)})
    if conclusion.declarant_reservation:
        AuditCase.workflow.record(actor=actor, case=case, kind="declarant_reservation",
                                  after={"declarant_reservation": conclusion.declarant_reservation},
                                  data={"number": conclusion.number})


def conclusion_approve(*, actor, conclusion: AuditConclusion) -> AuditConclusion:
    """Approve a supplementary conclusion (the main one is approved by the case's `approve_conclusion` step)."""
    with transaction.atomic():
        c = AuditConclusion.objects.select_for_update().select_related("case").get(pk=conclusion.pk)
        rules.check_not_legacy(c)
        if not c.supplementary:
            raise AppError("use_case_step", _("The conclusion is approved with the case's “Approve the conclusion” "
                                              "step."))
        if not workflow.may_approve_supplementary(actor, c.case):
            raise Forbidden("forbidden", _("You do not have permission to do this."))
        if c.created_by_id == actor.pk:
            raise AppError("self_approval", _("You cannot approve or decide on your own submission."))
        if c.approved_at:
            raise Conflict("already_approved", _("The conclusion is already approved."))
        c.approved_by, c.approved_at = actor, timezone.now()
        save_as(c, actor, reason="approve")
        AuditCase.workflow.record(actor=actor, case=c.case, kind="supplementary_approved",
                                  data={"number": c.number, "conclusion_id": c.pk})
    return c
