"""Every write on information collections: one transaction each, the policy checked, AppError on refusal."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError, Conflict, Forbidden, check_changeable, check_version
from stq.core.history import save_as
from stq.core.limits import whole_number
from stq.core.models import RiskArea
from stq.core.numbering import next_number
from stq.org import policy
from stq.workflow.engine import changed, snapshot

from .models import CollectionForm, CollectionResult, InfoCollection, Recommendation
from .workflow import EDITABLE_STATES, RESULT_STATES

NUMBER_KIND = "TTTT"
PROPOSAL_FIELDS = ("enterprise", "signs", "risk_areas", "collection_form", "addressee", "planned_start",
                   "planned_end", "department_scope", "proposed_by")


def _validate(*, signs, risk_areas, collection_form, addressee, planned_start, planned_end, enterprise) -> None:
    errors = {}
    if enterprise is None:
        errors["enterprise"] = _("Choose the enterprise.")
    if not (signs or "").strip():
        errors["signs"] = _("Describe the signs of violation.")
    if not risk_areas:
        errors["risk_areas"] = _("Choose at least one risk area.")
    elif any(not a.active for a in risk_areas):
        errors["risk_areas"] = _("A chosen risk area is no longer in use.")
    if collection_form not in CollectionForm.values:
        errors["collection_form"] = _("Choose how the information is collected.")
    if not (addressee or "").strip():
        errors["addressee"] = _("Enter who the request is addressed to.")
    if planned_start is None:
        errors["planned_start"] = _("Enter the planned start date.")
    if planned_end is None:
        errors["planned_end"] = _("Enter the planned end date.")
    elif planned_start and planned_end < planned_start:
        errors["planned_end"] = _("The planned end must not precede the planned start.")
    if errors:
        raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)


def _approval_unit(unit, department_scope: bool):
    return unit.department() if department_scope else unit


def info_collection_create(*, actor, unit, enterprise, signs: str, risk_areas: Iterable[RiskArea],
                           collection_form: str, addressee: str, planned_start: date | None,
                           planned_end: date | None, department_scope: bool = False, proposed_by=None,
                           ) -> InfoCollection:
    """Record a new proposal (draft) in `unit`, numbered from the unit's TTTT counter for this year."""
    risk_areas = list(risk_areas)
    _validate(signs=signs, risk_areas=risk_areas, collection_form=collection_form, addressee=addressee,
              planned_start=planned_start, planned_end=planned_end, enterprise=enterprise)
    proposed_by = proposed_by or actor
    if proposed_by != actor and not policy.can_at(proposed_by, "info_collection.create", unit):
        raise AppError("invalid", _("The proposing officer must work in this unit."), field="proposed_by")
    with transaction.atomic():
        policy.check_at(actor, "info_collection.create", unit)
        case = InfoCollection(
            unit=unit, enterprise=enterprise, signs=signs.strip(), collection_form=collection_form,
            addressee=addressee.strip(), planned_start=planned_start, planned_end=planned_end,
            department_scope=department_scope, approval_unit=_approval_unit(unit, department_scope),
            proposed_by=proposed_by,
            number=next_number(unit=unit, year=timezone.localdate().year, kind=NUMBER_KIND),
        )
        InfoCollection.workflow.create(actor=actor, case=case)
        case.risk_areas.set(risk_areas)
    return case


def info_collection_update(*, actor, info_collection: InfoCollection, expected_version: int | None = None,
                           **changes) -> InfoCollection:
    """Change the proposal while it is a draft or returned for revision."""
    check_changeable(changes, PROPOSAL_FIELDS)
    with transaction.atomic():
        case = InfoCollection.objects.select_for_update().get(pk=info_collection.pk)
        policy.check(actor, "info_collection.edit", case)
        check_version(case, expected_version)
        if case.state not in EDITABLE_STATES:
            raise Conflict("not_editable", _("The proposal can only be changed while it is a draft or returned."))
        before = snapshot(case, PROPOSAL_FIELDS)
        risk_areas = changes.pop("risk_areas", None)
        for name, value in changes.items():
            setattr(case, name, value.strip() if isinstance(value, str) else value)
        areas = list(risk_areas) if risk_areas is not None else list(case.risk_areas.all())
        _validate(signs=case.signs, risk_areas=areas, collection_form=case.collection_form, addressee=case.addressee,
                  planned_start=case.planned_start, planned_end=case.planned_end, enterprise=case.enterprise)
        case.approval_unit = _approval_unit(case.unit, case.department_scope)
        case.version += 1
        save_as(case, actor, reason="edit")
        if risk_areas is not None:
            case.risk_areas.set(areas)
        before, after = changed(before, snapshot(case, PROPOSAL_FIELDS))
        InfoCollection.workflow.record(actor=actor, case=case, kind="edit", before=before, after=after)
    return case


def info_collection_act(*, actor, info_collection: InfoCollection, action: str, note: str = "",
                        expected_version: int | None = None) -> InfoCollection:
    """Take a workflow action (submit, approve, return, suspend, resume, cancel, record_results, submit_report,
    return_report, close). The engine locks, re-checks the state, asks the policy and writes the event."""
    wf = InfoCollection.workflow
    note = (note or "").strip()
    return wf.apply(actor=actor, case=info_collection, action=action, note=note, data={"note": note} if note else {},
                    expected_version=expected_version)


def _amount(raw) -> int | None:
    """A whole, non-negative number of đồng, or None when invalid."""
    if raw in (None, ""):
        return 0
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    return whole_number(raw)


def info_collection_results_save(*, actor, info_collection: InfoCollection, results: list[dict]) -> InfoCollection:
    """Record (or replace) the result for each risk area given: [{risk_area, findings, amount_at_risk,
    recommendation}]. Allowed while collecting or after results were marked recorded (e.g. a returned report)."""
    with transaction.atomic():
        case = InfoCollection.objects.select_for_update().get(pk=info_collection.pk)
        if not policy.can(actor, "info_collection.results", case):
            raise Forbidden("forbidden", _("You do not have permission to do this."))
        if case.state not in RESULT_STATES:
            raise Conflict("invalid_state", _("Results can only be recorded while the information is collected."))
        areas = {a.pk: a for a in case.risk_areas.all()}
        errors: dict[str, object] = {}
        clean = []
        for i, row in enumerate(results):
            area = row.get("risk_area")
            area_id = getattr(area, "pk", area)
            if area_id not in areas:
                errors[f"results[{i}].risk_area"] = _("This risk area is not part of the proposal.")
                continue
            findings = (row.get("findings") or "").strip()
            if not findings:
                errors[f"results[{i}].findings"] = _("Describe the findings.")
            amount = _amount(row.get("amount_at_risk"))
            if amount is None:
                errors[f"results[{i}].amount_at_risk"] = _(
                    "Enter the amount at risk as a whole number of đồng, zero or more.")
            if row.get("recommendation") not in Recommendation.values:
                errors[f"results[{i}].recommendation"] = _("Choose a recommendation.")
            clean.append((areas[area_id], findings, amount, row.get("recommendation")))
        if errors:
            raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)
        before, after = {}, {}
        for area, findings, amount, recommendation in clean:
            result = CollectionResult.objects.filter(collection=case, risk_area=area).first() or CollectionResult(
                collection=case, risk_area=area)
            before[area.code] = _result_text(result) if result.pk else None
            result.findings, result.amount_at_risk, result.recommendation = findings, amount, recommendation
            result.recorded_by = actor
            save_as(result, actor, reason="results")
            after[area.code] = _result_text(result)
        case.version += 1
        save_as(case, actor, reason="results")
        before, after = changed(before, after)
        InfoCollection.workflow.record(actor=actor, case=case, kind="results", before=before, after=after)
    return case


def _result_text(result) -> str:
    """A result per risk area as the timeline keeps it: the recommendation and the amount at risk (đồng)."""
    return f"{result.get_recommendation_display()} · {result.amount_at_risk:,} đ".replace(",", ".")
