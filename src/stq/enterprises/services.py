"""Writes of the enterprise directory: each a keyword-only function, one transaction, policy-checked."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError, Conflict, Forbidden
from stq.core.history import save_as
from stq.org import policy

from . import selectors
from .models import Enterprise, EnterpriseSearch, FocusListEntry, ProfileSubmission, RiskArea, SubmissionSource
from .policy import acting_unit, can_anywhere
from .taxcode import normalize_tax_code
from .text import normalize_name

# Fields an officer may change (profile, form 01/KTSTQ). `managing_unit` is a Unit.
PROFILE_FIELDS = (
    "name", "international_name", "short_name", "enterprise_type", "head_office_address", "province", "premises",
    "factory_area_m2", "phone", "email", "legal_representative", "owner", "charter_capital", "year_established",
    "employees", "is_listed", "iso_9001", "audited_financial_statements", "accounting_software",
    "internal_control", "main_goods", "is_aeo", "aeo_decision_number", "aeo_decision_date", "aeo_valid_until",
    "managing_unit", "is_active",
)
RISK_FIELDS = Enterprise.RISK_FIELDS
EDITABLE_FIELDS = PROFILE_FIELDS + RISK_FIELDS

FORBIDDEN = _("You do not have permission to do this.")


def _check_edit(actor, enterprise: Enterprise | None, fields) -> None:
    fields = set(fields)
    if fields - set(RISK_FIELDS) and not can_anywhere(actor, "enterprise.edit"):
        raise Forbidden("forbidden", FORBIDDEN)
    risky = fields & set(RISK_FIELDS)
    if risky:
        allowed = (
            policy.can(actor, "enterprise.edit_risk", enterprise)
            if enterprise is not None and enterprise.pk
            else can_anywhere(actor, "enterprise.edit_risk")
        )
        if not allowed:
            raise Forbidden(
                "risk_fields_forbidden",
                _("Only a risk manager may change the compliance level and the risk class."),
                fields={name: _("Only a risk manager may change this field.") for name in risky},
            )


def _full_clean(enterprise: Enterprise) -> None:
    try:
        enterprise.full_clean(exclude=["head", "tax_code"], validate_unique=False)
    except ValidationError as exc:
        fields = {name: " ".join(str(m) for m in msgs) for name, msgs in exc.message_dict.items()}
        field_names = [f for f in fields if f != "__all__"]
        message = fields.get("__all__") or next(iter(fields.values()))
        raise AppError("invalid", message, fields={f: fields[f] for f in field_names}) from None


def _display(value):
    if value is None:
        return None
    if hasattr(value, "pk"):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _apply(enterprise: Enterprise, values: dict) -> list[dict]:
    """Set the given values; return the real changes [{field, old, new}] (values compared after coercion)."""
    changes = []
    for name, new in values.items():
        if name not in EDITABLE_FIELDS:
            raise AppError("unknown_field", _("This field cannot be changed here."), field=name)
        field = Enterprise._meta.get_field(name)
        if name == "managing_unit":
            old = enterprise.managing_unit
            if (old.pk if old else None) != (new.pk if new else None):
                changes.append({"field": name, "old": _display(old), "new": _display(new)})
                enterprise.managing_unit = new
            continue
        if isinstance(new, str):
            new = new.strip()
        if new in ("", None) and field.null:
            new = None
        elif new is None:
            new = False if isinstance(field, models.BooleanField) else ""
        try:
            new = field.to_python(new)
        except ValidationError as exc:
            raise AppError("invalid", " ".join(exc.messages), field=name) from None
        old = getattr(enterprise, name)
        if old != new:
            changes.append({"field": name, "old": _display(old), "new": _display(new)})
            setattr(enterprise, name, new)
    return changes


def _link_family(enterprise: Enterprise) -> None:
    """A branch links to its head entity; a new head adopts its orphan branches."""
    if enterprise.is_branch:
        if enterprise.head_id is None:
            enterprise.head = Enterprise.objects.filter(tax_code=enterprise.root_tax_code).first()
    elif enterprise.pk:
        Enterprise.objects.filter(tax_code__startswith=enterprise.tax_code, head__isnull=True).exclude(
            pk=enterprise.pk
        ).update(head=enterprise)


@transaction.atomic
def enterprise_create(*, actor, tax_code: str, name: str, **values) -> Enterprise:
    """Add an enterprise to the directory."""
    _check_edit(actor, None, ["name", *values])
    code = normalize_tax_code(tax_code)
    if not normalize_name(name):
        raise AppError("name_required", _("Enter the enterprise name."), field="name")
    if Enterprise.objects.filter(tax_code=code).exists():
        raise Conflict("duplicate_tax_code", _("An enterprise with this tax code already exists."), field="tax_code")
    enterprise = Enterprise(tax_code=code)
    _apply(enterprise, {"name": name, **values})
    _full_clean(enterprise)
    _link_family(enterprise)
    try:
        with transaction.atomic():
            save_as(enterprise, actor)
    except IntegrityError:
        raise Conflict(
            "duplicate_tax_code", _("An enterprise with this tax code already exists."), field="tax_code"
        ) from None
    _link_family(enterprise)
    return enterprise


@transaction.atomic
def enterprise_update(*, actor, enterprise: Enterprise, values: dict, reason: str = "") -> list[dict]:
    """Change fields of an enterprise; profile fields need `enterprise.edit`, risk fields `enterprise.edit_risk`.
    Returns the real changes; nothing is written (not even a history row) when nothing changed."""
    _check_edit(actor, enterprise, values.keys())
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    changes = _apply(locked, values)
    if "name" in values and not normalize_name(locked.name):
        raise AppError("name_required", _("Enter the enterprise name."), field="name")
    if changes:
        _full_clean(locked)
        save_as(locked, actor, reason=reason)
        enterprise.refresh_from_db()
    return changes


@transaction.atomic
def profile_submission_record(
    *, actor, enterprise: Enterprise, submitted_on: date, source: str, data: dict, note: str = ""
) -> ProfileSubmission:
    """Record a form 01/KTSTQ submission and accept it: the enterprise takes the submitted values (profile
    fields only), the submission keeps the changes, the enterprise history names the officer."""
    if source not in SubmissionSource.values:
        raise AppError("invalid_source", _("Choose where the information comes from."), field="source")
    if submitted_on is None or submitted_on > timezone.localdate():
        raise AppError("invalid_date", _("The submission date cannot be in the future."), field="submitted_on")
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise AppError(
            "unknown_field", _("This field cannot be changed by a profile submission."), field=sorted(unknown)[0]
        )
    if not data and not note.strip():
        raise AppError("empty_submission", _("Enter at least one field or a note."), field="note")
    unit = acting_unit(actor, "enterprise.edit")
    if unit is None:
        raise Forbidden("forbidden", FORBIDDEN)
    reason = f"01/KTSTQ {submitted_on:%d/%m/%Y}"
    changes = enterprise_update(actor=actor, enterprise=enterprise, values=data, reason=reason) if data else []
    stored = {k: _display(v) for k, v in data.items()}
    submission = ProfileSubmission(
        enterprise=enterprise, submitted_on=submitted_on, source=source, officer=actor, unit=unit,
        data=stored, changes=changes, note=note.strip(),
    )
    save_as(submission, actor)
    return submission


@transaction.atomic
def focus_entry_add(
    *, actor, enterprise: Enterprise, risk_area: str, valid_from: date, valid_to: date | None, reason: str,
    designating_unit=None,
) -> FocusListEntry:
    """Put an enterprise on the focus list for one risk area and period (risk managers)."""
    unit = designating_unit or acting_unit(actor, "focus_list.manage")
    if unit is None or not policy.can_at(actor, "focus_list.manage", unit):
        raise Forbidden("forbidden", FORBIDDEN)
    if risk_area not in RiskArea.values:
        raise AppError("invalid_risk_area", _("Choose a risk area."), field="risk_area")
    if not (reason or "").strip():
        raise AppError("reason_required", _("Enter the reason."), field="reason")
    if valid_from is None:
        raise AppError("invalid_period", _("Enter the start of the period."), field="valid_from")
    if valid_to is not None and valid_to < valid_from:
        raise AppError("invalid_period", _("The end of the period must not precede its start."), field="valid_to")
    overlapping = selectors.focus_entries_on(enterprise, valid_from, risk_area).exists() or (
        FocusListEntry.objects.filter(enterprise=enterprise, risk_area=risk_area, valid_from__gte=valid_from)
        .filter(**({"valid_from__lte": valid_to} if valid_to else {}))
        .exists()
    )
    if overlapping:
        raise Conflict(
            "focus_overlap",
            _("This enterprise is already on the focus list for this risk area in this period."),
            field="valid_from",
        )
    entry = FocusListEntry(
        enterprise=enterprise, risk_area=risk_area, valid_from=valid_from, valid_to=valid_to,
        reason=reason.strip(), designating_unit=unit, created_by=actor,
    )
    save_as(entry, actor)
    return entry


@transaction.atomic
def focus_entry_close(*, actor, entry: FocusListEntry, valid_to: date) -> FocusListEntry:
    policy.check(actor, "focus_list.manage", entry)
    if valid_to < entry.valid_from:
        raise AppError("invalid_period", _("The end of the period must not precede its start."), field="valid_to")
    entry.valid_to = valid_to
    save_as(entry, actor, reason="closed")
    return entry


def search_record(*, actor, query: str, matched_count: int, matched_tax_codes: list[str]) -> EnterpriseSearch:
    """Log a search an officer made (who, when, what, how many matches, the first page of matches)."""
    raw = (query or "").strip()[:255]
    digits = raw.replace(" ", "").replace("-", "")
    normalized = digits if digits.isdigit() else normalize_name(raw)
    return EnterpriseSearch.objects.create(
        user=actor, unit=getattr(actor, "unit", None), query=raw, normalized_query=normalized[:255],
        matched_count=matched_count, matched_tax_codes=list(matched_tax_codes)[:100],
    )


def search_and_record(*, actor, query: str, qs=None, limit: int = 25):
    """Search the directory and log the search; returns (queryset, page of results)."""
    qs = selectors.enterprises_visible_to(actor, query=query) if qs is None else qs
    page = list(qs[:limit])
    if (query or "").strip():
        search_record(
            actor=actor, query=query, matched_count=qs.count() if len(page) == limit else len(page),
            matched_tax_codes=[e.tax_code for e in page],
        )
    return qs, page
