"""Audit proposals: record, change, and take the workflow steps of a proposal (domain A1.3, B9)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError, Conflict, check_changeable, check_version
from stq.core.history import save_as
from stq.core.numbering import next_number
from stq.org import policy
from stq.workflow.engine import changed, snapshot

from .. import rules
from ..models import AuditGround, AuditMode, AuditProposal
from ..workflow import EDITABLE_STATES
from .common import clean_numbers

PROPOSAL_KIND = "DX"
PROPOSAL_FIELDS = ("enterprise", "mode", "ground", "risk_areas", "period_from", "period_to", "declaration_numbers",
                   "reason", "planned_team", "planned_start", "info_collection", "department_scope")


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


def proposal_create(*, actor, unit, enterprise, mode: str, ground: str, risk_areas: Iterable, period_from: date,
                    period_to: date, reason: str, planned_start: date, declaration_numbers=(),
                    planned_team: str = "", info_collection=None, department_scope: bool = False,
                    paper_approved_on: date | None = None) -> AuditProposal:
    """Record a proposal (draft) in `unit`, numbered from the unit's DX counter. The officer must have searched the
    enterprise first (SEED); the focus list, the 5 years and the AEO rule are checked now and again later.
    `paper_approved_on` (required): the day the proposal was approved on paper — recording the proposal in STQ is the
    step that follows that approval, so the date is asked here and fixed afterwards (STQ01 imports, which do not pass
    here, may lack it); recorded more than 1 day later (counted by the one calendar function) it is flagged late
    (SEED, letter 7301 §2.2 "cập nhật hệ thống trong vòng 01 ngày kể từ ngày được phê duyệt")."""
    values = {"enterprise": enterprise, "mode": mode, "ground": ground, "risk_areas": list(risk_areas),
              "period_from": period_from, "period_to": period_to, "reason": reason, "planned_start": planned_start,
              "declaration_numbers": clean_numbers(declaration_numbers), "info_collection": info_collection}
    _validate_proposal(values)
    if paper_approved_on is None:
        raise AppError("invalid", _("Please correct the highlighted fields."),
                       fields={"paper_approved_on": _("Enter the date the proposal was approved on paper.")})
    with transaction.atomic():
        policy.check_at(actor, "audit_proposal.create", unit)
        rules.check_searched(actor, enterprise)
        rules.check_proposal(enterprise, period_from=period_from, planned_start=planned_start,
                             declaration_numbers=values["declaration_numbers"], mode=mode, ground=ground)
        today = timezone.localdate()
        rules.check_signed_on(paper_approved_on, field="paper_approved_on")
        recording = rules.recording(paper_approved_on, rules.PROPOSAL_RECORDING_DAYS)  # POLICY (SEED)
        proposal = AuditProposal(
            unit=unit, approval_unit=unit.department() if department_scope else unit, enterprise=enterprise,
            mode=mode, ground=ground, period_from=period_from, period_to=period_to,
            declaration_numbers=values["declaration_numbers"], reason=reason.strip(),
            planned_team=(planned_team or "").strip(), planned_start=planned_start, info_collection=info_collection,
            department_scope=department_scope, proposed_by=actor, searched_at=timezone.now(), year=today.year,
            number=next_number(unit=unit, year=today.year, kind=PROPOSAL_KIND),
            paper_approved_on=paper_approved_on, **recording,
        )
        AuditProposal.workflow.create(actor=actor, case=proposal)
        proposal.risk_areas.set(values["risk_areas"])
    return proposal


def proposal_update(*, actor, proposal: AuditProposal, expected_version: int | None = None,
                    **changes) -> AuditProposal:
    check_changeable(changes, PROPOSAL_FIELDS)
    with transaction.atomic():
        p = AuditProposal.objects.select_for_update().get(pk=proposal.pk)
        rules.check_not_legacy(p)
        policy.check(actor, "audit_proposal.edit", p)
        check_version(p, expected_version)
        if p.state not in EDITABLE_STATES:
            raise Conflict("not_editable", _("The proposal can only be changed while it is a draft or returned."))
        before = snapshot(p, PROPOSAL_FIELDS)
        areas = changes.pop("risk_areas", None)
        if "declaration_numbers" in changes:
            changes["declaration_numbers"] = clean_numbers(changes["declaration_numbers"])
        for name, value in changes.items():
            setattr(p, name, value.strip() if isinstance(value, str) else value)
        values = {f: getattr(p, f) for f in PROPOSAL_FIELDS if f != "risk_areas"}
        values["risk_areas"] = list(areas) if areas is not None else list(p.risk_areas.all())
        _validate_proposal(values)
        rules.check_proposal(p.enterprise, period_from=p.period_from, planned_start=p.planned_start,
                             declaration_numbers=p.declaration_numbers, mode=p.mode, ground=p.ground)
        if "enterprise" in changes:
            rules.check_searched(actor, p.enterprise)
        p.approval_unit = p.unit.department() if p.department_scope else p.unit
        p.version += 1
        save_as(p, actor, reason="edit")
        if areas is not None:
            p.risk_areas.set(values["risk_areas"])
        before, after = changed(before, snapshot(p, PROPOSAL_FIELDS))
        AuditProposal.workflow.record(actor=actor, case=p, kind="edit", before=before, after=after)
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
        raise AppError("already_approved", _("The enterprise already has an approved field-audit proposal for this "
                                             "year (approved meanwhile by another unit).")) from None

