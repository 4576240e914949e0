"""Reads: the duplicate search across all units, and the lists of information collections a user may see."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils import timezone

from stq.core.models import RiskArea
from stq.org import policy

from .models import InfoCollection

# --- the duplicate search (domain A1.2, A2) -------------------------------------------------------------------
# A source is fn(tax_codes: list[str], exclude) -> list[dict] with the keys of `duplicate_row`. The audits app
# registers its open proposals and cases with `register_duplicate_source` (from its AppConfig.ready or models).
DuplicateSource = Callable[[list[str], object], list[dict]]
DUPLICATE_SOURCES: list[DuplicateSource] = []


def register_duplicate_source(fn: DuplicateSource) -> DuplicateSource:
    if fn not in DUPLICATE_SOURCES:
        DUPLICATE_SOURCES.append(fn)
    return fn


# kind -> (the model whose workflow names its states, its name or None for the workflow's): a row stored on submit
# keeps the words of the submitter's language; a page names its kind and state again in the reader's
DUPLICATE_KINDS: dict[str, tuple[type, object]] = {}


def register_duplicate_kind(kind: str, model: type, label=None) -> None:
    DUPLICATE_KINDS[kind] = (model, label)


def duplicate_in_language(row: dict) -> dict:
    """A duplicate row (found now or stored on submit) with its kind and state named in the current language."""
    known = DUPLICATE_KINDS.get(row.get("kind", ""))
    if known is None:
        return row
    model, label = known
    wf = model.workflow
    return {**row, "kind_label": str(label or wf.label), "state_label": str(wf.state_label(row.get("state", "")))}


def duplicate_row(*, kind: str, kind_label, unit, number: str, state: str, state_label, tax_code: str,
                  enterprise_name: str = "", dates: dict | None = None) -> dict:
    """The only facts another unit may see about an open case: never its content."""
    return {
        "kind": kind,
        "kind_label": str(kind_label),
        "unit_code": unit.code,
        "unit_name": unit.name,
        "number": number,
        "state": state,
        "state_label": str(state_label),
        "tax_code": tax_code,
        "enterprise_name": enterprise_name,
        "dates": {k: (v.isoformat() if v else None) for k, v in (dates or {}).items()},
    }


def family_codes(tax_code: str) -> list[str]:
    """The enterprise's tax code, its head's and its branches' (the enterprises app's contract)."""
    from stq.enterprises.selectors import enterprise_family_codes

    return enterprise_family_codes(tax_code)


register_duplicate_kind("info_collection", InfoCollection)


@register_duplicate_source
def _open_info_collections(tax_codes: list[str], exclude) -> list[dict]:
    qs = (InfoCollection.objects.filter(enterprise__tax_code__in=tax_codes, state__in=InfoCollection.OPEN_STATES)
          .select_related("unit", "enterprise").order_by("submitted_at", "pk"))
    if isinstance(exclude, InfoCollection) and exclude.pk:
        qs = qs.exclude(pk=exclude.pk)
    wf = InfoCollection.workflow
    return [
        duplicate_row(
            kind="info_collection", kind_label=wf.label, unit=c.unit, number=c.number, state=c.state,
            state_label=wf.state_label(c.state), tax_code=c.enterprise.tax_code, enterprise_name=c.enterprise.name,
            dates={"submitted_on": c.submitted_at and timezone.localdate(c.submitted_at),
                   "planned_start": c.planned_start, "planned_end": c.planned_end},
        )
        for c in qs
    ]


def open_cases_for_enterprise(tax_code: str, *, exclude=None) -> list[dict]:
    """Open information collections, audit proposals and audit cases on the enterprise, its head and its branches,
    in ALL units (regardless of the policy: the duplicate warning must see everything) — but only their unit,
    number, state and dates, never their content."""
    codes = family_codes(tax_code)
    rows: list[dict] = []
    for source in DUPLICATE_SOURCES:
        rows.extend(source(codes, exclude))
    return rows


# --- lists ----------------------------------------------------------------------------------------------------
@policy.selector_of(InfoCollection)
def info_collections_visible_to(user) -> QuerySet[InfoCollection]:
    """The one scope of information collections: those of the units the user reads, and those the user may act on
    (e.g. approve at the department for department scope) — lists, pages, exports, "my work" and the API."""
    qs = InfoCollection.objects.select_related("unit", "enterprise", "proposed_by", "approval_unit")
    # no DISTINCT: the scope follows foreign keys only (one row per collection); the risk-area filter adds it
    return qs.filter(policy.visible_q(user, InfoCollection))


def overdue_visible_to(user) -> QuerySet[InfoCollection]:
    return (info_collections_visible_to(user).filter(due_on__lt=timezone.localdate())
            .order_by("unit__path", "due_on"))


def active_risk_areas() -> QuerySet[RiskArea]:
    return RiskArea.objects.filter(active=True)


def info_collections_of_enterprise(user, enterprise) -> QuerySet[InfoCollection]:
    """The enterprise's collections (with its head and branches) that the user may open."""
    codes = family_codes(enterprise.tax_code)
    return info_collections_visible_to(user).filter(enterprise__tax_code__in=codes)

