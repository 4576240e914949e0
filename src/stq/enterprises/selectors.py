"""Reads and searches of the enterprise directory.

Contract used by other apps (keep stable):
- `enterprise_family_codes(tax_code) -> list[str]`: the enterprise, its head and every branch sharing the root.
- `is_on_focus_list(enterprise, day, risk_area=None) -> bool` and `focus_entries_on(...)`: the enterprise's own entries.
- `family_focus_entries(enterprise, day)` and `focus_marks(enterprises, day)`: entries in force on the enterprise,
  its head office or its branches, whatever the field (the audit-proposal rule).
- `has_searched(user, tax_code, since) -> bool`: the user made a search that identified the enterprise.
- `search_enterprises(query)`: accent- and case-insensitive search by tax-code prefix or name fragment.
- `jurisdiction_q(unit, prefix="")`: the enterprises in a unit's jurisdiction (see there).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.db.models import Q, QuerySet

from stq.org.policy import active_grants

from .models import Enterprise, EnterpriseSearch, FocusListEntry
from .taxcode import clean_digits
from .text import normalize_name


def enterprises_visible_to(user, *, query: str | None = None) -> QuerySet[Enterprise]:
    """The directory is national: any user with an active role sees every enterprise."""
    if not active_grants(user) and not getattr(user, "is_superuser", False):
        return Enterprise.objects.none()
    qs = Enterprise.objects.select_related("managing_unit", "head")
    if query:
        qs = search_enterprises(query, qs)
    return qs


def jurisdiction_q(unit, *, prefix: str = "") -> Q:
    """The enterprises in `unit`'s jurisdiction: those managed by the unit or a unit below it, and those managed by
    the units above it up to its department. Enterprises are managed by the department (a Chi cục khu vực); its
    teams (Đội/Phòng) audit the department's enterprises, so a team's list covers them, not only the (usually
    none) managed by the team itself; a sibling team's own enterprises stay out."""
    field = f"{prefix}managing_unit"
    q = Q(**{f"{field}__path__startswith": unit.path})
    department = unit.department()
    above = [u.pk for u in unit.ancestors() if u.depth >= department.depth and u.pk != unit.pk]
    if above:
        q |= Q(**{f"{field}__in": above})
    return q


def search_filter(query: str) -> Q | None:
    """The filter for a query: digits → tax-code prefix; text → every word is a fragment of the normalised name."""
    raw = (query or "").strip()
    digits = clean_digits(raw)
    if digits and digits.isdigit():
        return Q(tax_code__startswith=digits)
    words = normalize_name(raw).split()
    if not words:
        return None
    q = Q()
    for word in words:
        q &= Q(name_search__contains=word)
    return q


def search_enterprises(query: str, qs: QuerySet[Enterprise] | None = None) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.all() if qs is None else qs
    q = search_filter(query)
    return qs if q is None else qs.filter(q)


def get_enterprise(tax_code: str) -> Enterprise | None:
    digits = clean_digits(tax_code)
    return Enterprise.objects.select_related("managing_unit", "head").filter(tax_code=digits).first()


_family_memo: ContextVar[dict | None] = ContextVar("stq_enterprise_family_memo", default=None)


@contextmanager
def family_codes_memo():
    """Within the block, `enterprise_family_codes` answers each tax code once (the enterprise page's sections each
    ask for the same family: 4 queries x 6 sections otherwise)."""
    token = _family_memo.set({})
    try:
        yield
    finally:
        _family_memo.reset(token)


def enterprise_family_codes(tax_code: str) -> list[str]:
    """The enterprise, its head and all branches sharing the 10-digit root (sorted; the given code included even
    when the enterprise is not in the directory)."""
    memo = _family_memo.get()
    if memo is None:
        return _family_codes(tax_code)
    key = clean_digits(tax_code)
    if key not in memo:
        memo[key] = _family_codes(tax_code)
    return list(memo[key])


def _family_codes(tax_code: str) -> list[str]:
    digits = clean_digits(tax_code)
    root = digits[:10]
    codes = set(Enterprise.objects.filter(tax_code__startswith=root).values_list("tax_code", flat=True))
    ent = Enterprise.objects.filter(tax_code=digits).select_related("head").first()
    if ent is not None and ent.head_id:
        codes.add(ent.head.tax_code)
        codes.update(Enterprise.objects.filter(head_id=ent.head_id).values_list("tax_code", flat=True))
    if ent is not None:
        codes.update(Enterprise.objects.filter(head=ent).values_list("tax_code", flat=True))
    if digits:
        codes.add(digits)
    return sorted(codes)


def focus_entries_on(enterprise, day: date, risk_area: str | None = None) -> QuerySet[FocusListEntry]:
    """Focus-list entries of the enterprise in force on `day` (in `risk_area` when given)."""
    ent_id = enterprise.pk if isinstance(enterprise, Enterprise) else None
    qs = FocusListEntry.objects.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    qs = qs.filter(enterprise_id=ent_id) if ent_id else qs.filter(enterprise__tax_code=clean_digits(enterprise))
    if risk_area:
        qs = qs.filter(risk_area=risk_area)
    return qs


def is_on_focus_list(enterprise, day: date, risk_area: str | None = None) -> bool:
    """Is the enterprise (an Enterprise or a tax code) on the focus list on `day` for `risk_area` (any area when
    None)? The proposal rules call this."""
    return focus_entries_on(enterprise, day, risk_area).exists()


def _family_keys(enterprise: Enterprise) -> set[str]:
    """The 10-digit roots that tie an enterprise to its family: its own root and its head office's root."""
    keys = {enterprise.tax_code[:10]}
    if enterprise.head_id:
        keys.add(enterprise.head.tax_code[:10])
    return keys


def focus_marks(enterprises, day: date) -> dict[str, list[FocusListEntry]]:
    """For each enterprise (tax code → entries): the focus-list entries in force on `day` on the enterprise, its head
    office or any of its branches, whatever their field. One query for a page of search results."""
    enterprises = list(enterprises)
    keys = {e.tax_code: _family_keys(e) for e in enterprises}
    roots = set().union(*keys.values()) if keys else set()
    if not roots:
        return {}
    q = Q()
    for root in roots:
        q |= Q(enterprise__tax_code__startswith=root) | Q(enterprise__head__tax_code__startswith=root)
    entries = list(FocusListEntry.objects.filter(q).filter(valid_from__lte=day)
                   .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
                   .select_related("enterprise__head", "designating_unit").order_by("valid_from", "pk"))
    marks: dict[str, list[FocusListEntry]] = {}
    for code, own in keys.items():
        found = [e for e in entries if _family_keys(e.enterprise) & own]
        if found:
            marks[code] = found
    return marks


def family_focus_entries(enterprise: Enterprise, day: date) -> list[FocusListEntry]:
    """Entries in force on `day` on the enterprise, its head office or its branches (any field): the seed forbids
    proposing such an enterprise at all (letter 7301 §2.2, domain A1.3)."""
    return focus_marks([enterprise], day).get(enterprise.tax_code, [])


def focus_list(*, day: date | None = None, risk_area: str | None = None, query: str | None = None):
    """The focus list's entries (its page and API filter them with `filters.FocusListFilter`, through the two
    narrowing helpers below)."""
    qs = FocusListEntry.objects.select_related("enterprise", "designating_unit", "created_by")
    if day:
        qs = focus_in_force(qs, day)
    if risk_area:
        qs = qs.filter(risk_area=risk_area)
    if query:
        qs = focus_search(qs, query)
    return qs


def focus_in_force(qs: QuerySet[FocusListEntry], day: date) -> QuerySet[FocusListEntry]:
    return qs.filter(valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def focus_search(qs: QuerySet[FocusListEntry], query: str) -> QuerySet[FocusListEntry]:
    q = search_filter(query)
    return qs if q is None else qs.filter(enterprise__in=Enterprise.objects.filter(q))


def search_identified(query: str, matched_count: int, matched_codes, tax_code: str, family) -> bool:
    """Did a search identify the enterprise `tax_code` (seed letter 7301 §2.2 "phải thực hiện tra cứu trước khi đề
    xuất")? Yes when
    (a) the query is the enterprise's full tax code (10 digits, or the 13 digits of a branch), or
    (b) the search found the enterprise and nothing beyond its own head office and branches (`family`): every match
        is on the recorded page and belongs to the family.
    A search whose results merely contained the enterprise among others — a tax-code prefix such as "2", a common
    name — does not identify it."""
    if query and query.isdigit():
        return query == tax_code
    codes = list(matched_codes or [])
    return (tax_code in codes and matched_count == len(codes)
            and all(code in family for code in codes))


def has_searched(user, tax_code: str, since: datetime) -> bool:
    """Did `user` make, since `since`, a search that identified the enterprise (`search_identified`)?"""
    digits = clean_digits(tax_code)
    family = None
    for query, count, codes in EnterpriseSearch.objects.filter(user=user, searched_at__gte=since).values_list(
        "normalized_query", "matched_count", "matched_tax_codes"
    ):
        if digits not in (codes or []) and query != digits:
            continue
        if family is None:
            family = set(enterprise_family_codes(digits))
        if search_identified(query, count, codes, digits, family):
            return True
    return False


def searches_of(user, *, limit: int = 20) -> QuerySet[EnterpriseSearch]:
    return EnterpriseSearch.objects.filter(user=user)[:limit]
