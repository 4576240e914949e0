"""Every write of the risk engine: one transaction each, the policy checked, AppError on refusal."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stq.collection.models import CollectionForm, InfoCollection
from stq.collection.services import info_collection_create
from stq.core.calendar import add_working_days
from stq.core.errors import AppError, Conflict, Forbidden, check_changeable, check_version
from stq.core.history import save_as
from stq.core.models import RiskArea
from stq.enterprises.models import Enterprise
from stq.org import policy

from . import scoring, targets
from .criteria import get_kind
from .models import Alert, AlertState, Criterion, ModelVersion, TargetPick
from .workflow import OPEN

CRITERION_FIELDS = ("name", "kind", "params", "risk_area", "weight", "rationale", "instructions", "valid_from",
                    "valid_to", "owner_unit", "active")
FORBIDDEN = _("You do not have permission to do this.")
COLLECTION_WORKING_DAYS = 10


def _validate_criterion(values: dict) -> dict:
    errors = {}
    for name in ("name", "rationale"):
        if not str(values.get(name) or "").strip():
            errors[name] = _("This field is required.")
    weight = values.get("weight")
    if not isinstance(weight, int) or not 1 <= weight <= 100:
        errors["weight"] = _("The weight is between 1 and 100.")
    if values.get("risk_area") is None:
        errors["risk_area"] = _("Choose the risk area.")
    if values.get("owner_unit") is None:
        errors["owner_unit"] = _("Choose the owner unit.")
    start, end = values.get("valid_from"), values.get("valid_to")
    if start is None:
        errors["valid_from"] = _("Enter the start of validity.")
    elif end is not None and end < start:
        errors["valid_to"] = _("The end of validity must not precede its start.")
    if errors:
        raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)
    values["params"] = get_kind(values.get("kind")).validate(values.get("params"))
    return values


def criterion_create(*, actor, code: str, **values) -> Criterion:
    code = (code or "").strip().upper()
    if not code:
        raise AppError("invalid", _("Enter a code."), field="code")
    unknown = set(values) - set(CRITERION_FIELDS)
    if unknown:
        raise AppError("invalid", _("These fields cannot be set: %(f)s") % {"f": ", ".join(sorted(unknown))})
    values.setdefault("valid_from", timezone.localdate())
    values.setdefault("active", True)
    values = _validate_criterion(values)
    with transaction.atomic():
        policy.check_at(actor, "risk.manage_criteria", values["owner_unit"])
        if Criterion.objects.filter(code=code).exists():
            raise Conflict("code_taken", _("This code is already used."))
        criterion = Criterion(code=code, created_by=actor, **values)
        save_as(criterion, actor, reason="create")
    return criterion


def criterion_update(*, actor, criterion: Criterion, expected_version: int | None = None, **changes) -> Criterion:
    check_changeable(changes, CRITERION_FIELDS)
    with transaction.atomic():
        row = Criterion.objects.select_for_update().get(pk=criterion.pk)
        policy.check_at(actor, "risk.manage_criteria", row.owner_unit)
        check_version(row, expected_version)
        values = {name: changes.get(name, getattr(row, name)) for name in CRITERION_FIELDS}
        values = _validate_criterion(values)
        if "owner_unit" in changes:
            policy.check_at(actor, "risk.manage_criteria", values["owner_unit"])
        for name, value in values.items():
            setattr(row, name, value)
        row.version += 1
        save_as(row, actor, reason="edit")
    return row


def _check_national(actor, action: str) -> None:
    if not policy.can_anywhere(actor, action):
        raise Forbidden("forbidden", FORBIDDEN)


def criteria_run(*, actor, criteria=None):
    from .runner import run_criteria

    _check_national(actor, "risk.train")
    return run_criteria(criteria, trigger="manual")


def enterprise_risk_recompute(*, actor, tax_codes: list[str] | None = None, day: dt.date | None = None) -> dict:
    """On-demand recomputation (one enterprise from its page, or all)."""
    _check_national(actor, "risk.train" if tax_codes is None else "risk.view")
    return scoring.assess(day, tax_codes)


def target_list_generate(*, actor, unit, period: str, capacity: int, exploration_share: float = 0.1,
                         seed: int | None = None):
    return targets.generate(actor=actor, unit=unit, period=period, capacity=capacity,
                            exploration_share=exploration_share, seed=seed)


def _risk_areas_for(tax_code: str) -> list[RiskArea]:
    from .models import CriterionHit

    codes = set(CriterionHit.objects.filter(tax_code=tax_code).values_list("criterion__risk_area__code", flat=True))
    areas = list(RiskArea.objects.filter(code__in=codes, active=True))
    if not areas:
        areas = list(RiskArea.objects.filter(code="VALUATION", active=True)[:1]) or list(
            RiskArea.objects.filter(active=True)[:1])
    return areas


def _collection_for(*, actor, unit, enterprise: Enterprise, signs: str) -> InfoCollection:
    today = timezone.localdate()
    return info_collection_create(
        actor=actor, unit=unit, enterprise=enterprise, signs=signs, risk_areas=_risk_areas_for(enterprise.tax_code),
        collection_form=CollectionForm.DECLARANT, addressee=enterprise.name, planned_start=today,
        planned_end=add_working_days(today, COLLECTION_WORKING_DAYS))


def pick_to_info_collection(*, actor, pick: TargetPick) -> InfoCollection:
    """Turn a target-list pick into a draft information collection of the list's unit."""
    with transaction.atomic():
        pick = TargetPick.objects.select_for_update().select_related("target_list__unit", "enterprise").get(
            pk=pick.pk)
        if pick.info_collection_id:
            raise Conflict("already_converted", _("This pick already has an information collection."))
        signs = gettext("Audit target list %(unit)s %(period)s: ") % {"unit": pick.target_list.unit.code,
                                                               "period": pick.period}
        signs += "; ".join(scoring.reason_text(r) for r in pick.reasons)
        case = _collection_for(actor=actor, unit=pick.target_list.unit, enterprise=pick.enterprise, signs=signs)
        pick.info_collection = case
        pick.save(update_fields=["info_collection"])
    return case


def _alert_open(actor, alert: Alert) -> str:
    """Who handles alerts (national), and that this one is still open — asked before the engine's own checks, for
    the inbox's codes; the engine re-checks both after locking the row. Returns the alert's state."""
    _check_national(actor, "risk.alerts")
    state = Alert.objects.filter(pk=alert.pk).values_list("state", flat=True).first()
    if state not in OPEN:
        raise Conflict("alert_closed", _("This alert has already been handled."))
    return state


def alert_acknowledge(*, actor, alert: Alert, expected_version: int | None = None) -> Alert:
    with transaction.atomic():
        if _alert_open(actor, alert) != AlertState.NEW:
            raise Conflict("alert_closed", _("This alert has already been acknowledged."))
        return Alert.workflow.apply(actor=actor, case=alert, action="acknowledge", expected_version=expected_version)


def alert_dismiss(*, actor, alert: Alert, reason: str, expected_version: int | None = None) -> Alert:
    reason = (reason or "").strip()
    if not reason:
        raise AppError("invalid", _("Give the reason for the dismissal."), field="reason")
    with transaction.atomic():
        _alert_open(actor, alert)
        return Alert.workflow.apply(actor=actor, case=alert, action="dismiss", note=reason, data={"reason": reason},
                                    expected_version=expected_version)


def alert_to_info_collection(*, actor, alert: Alert, unit=None, expected_version: int | None = None) -> InfoCollection:
    """Turn an alert into a draft information collection of `unit` (default: the enterprise's managing unit)."""
    from .selectors import alert_text

    with transaction.atomic():
        _alert_open(actor, alert)
        row = Alert.objects.select_for_update().get(pk=alert.pk)
        check_version(row, expected_version)
        enterprise = row.enterprise
        if enterprise is None:
            raise AppError("unknown_enterprise", _("This enterprise is not in the directory yet; add it first."))
        unit = unit or enterprise.managing_unit
        if unit is None:
            raise AppError("invalid", _("Choose the unit that collects the information."), field="unit")
        signs = alert_text(row)
        if row.declaration_numbers:
            signs += " — " + gettext("declarations: %(n)s") % {"n": ", ".join(row.declaration_numbers[:20])}
        case = _collection_for(actor=actor, unit=unit, enterprise=enterprise, signs=signs)
        Alert.workflow.apply(actor=actor, case=row, action="convert",
                             data={"info_collection_id": case.pk, "info_collection": case.number})
    return case


def model_version_activate(*, actor, model_version: ModelVersion) -> ModelVersion:
    _check_national(actor, "risk.train")
    with transaction.atomic():
        ModelVersion.objects.filter(is_active=True).exclude(pk=model_version.pk).update(is_active=False)
        ModelVersion.objects.filter(pk=model_version.pk).update(is_active=True)
    model_version.is_active = True
    return model_version
