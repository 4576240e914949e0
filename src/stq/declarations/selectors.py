"""Reads: declaration search, the activity profile, dormant enterprises, import jobs."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Exists, Max, Min, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from stq.core.errors import NotFound

from .models import ActivityMonth, Declaration, DeclarationLine, DeclarationNumber, ImportJob
from .policy import may


def declarations_visible_to(user) -> QuerySet[Declaration]:
    """Declarations are national data: every user holding any role reads all of them."""
    if not may(user, "declarations.view"):
        return Declaration.objects.none()
    return Declaration.objects.all()


def declaration_search(user, *, number: str = "", tax_code: str = "", date_from: dt.date | None = None,
                       date_to: dt.date | None = None, hs: str = "", office: str = "") -> QuerySet[Declaration]:
    qs = declarations_visible_to(user)
    number = number.strip()
    if number:
        qs = by_number(qs, number)
    tax_code = "".join(ch for ch in tax_code if ch.isdigit())
    if tax_code:
        qs = qs.filter(importer_exporter_tax_code=tax_code) | qs.filter(declarant_tax_code=tax_code)
    if date_from:
        qs = qs.filter(registered_on__gte=date_from)
    if date_to:
        qs = qs.filter(registered_on__lte=date_to)
    hs = "".join(ch for ch in hs if ch.isdigit())
    if hs:
        # the lines' own date, bounded like the headers' (their partitions are pruned on their own column only)
        lines = DeclarationLine.objects.filter(declaration=OuterRef("pk"), registered_on=OuterRef("registered_on"),
                                               hs_code__startswith=hs)
        if date_from:
            lines = lines.filter(registered_on__gte=date_from)
        if date_to:
            lines = lines.filter(registered_on__lte=date_to)
        qs = qs.filter(Exists(lines))
    if office:
        qs = qs.filter(customs_office=office.strip().upper())
    return qs.order_by("-registered_on", "-base_number")


def by_number(qs: QuerySet[Declaration], number: str) -> QuerySet[Declaration]:
    """`qs` narrowed to the declaration of a number (12 characters or the 11-digit base), through the number
    registry: its date first (one index probe), then the header in that month's partition only."""
    base = number.strip()[:11]
    day = DeclarationNumber.objects.filter(base_number=base).values_list("registered_on", flat=True).first()
    if day is None:
        return qs.none()
    return qs.filter(base_number=base, registered_on=day)


def declaration_lines(decl: Declaration) -> QuerySet[DeclarationLine]:
    """The goods lines of a declaration, in order (its date prunes the lines to its month's partition)."""
    return decl.goods_lines()


def declaration_get(user, number: str) -> Declaration:
    number = (number or "").strip()
    decl = by_number(declarations_visible_to(user), number).first()
    if decl is None or (len(number) == 12 and not number.endswith(str(decl.revision))
                        and not decl_has_revision(decl, number)):
        raise NotFound("not_found", _("Not found."))
    return decl


def decl_has_revision(decl: Declaration, number: str) -> bool:
    from .models import DeclarationRevision

    return DeclarationRevision.objects.filter(base_number=decl.base_number, revision=int(number[11])).exists()


def import_jobs_visible_to(user) -> QuerySet[ImportJob]:
    if not may(user, "declarations.view"):
        return ImportJob.objects.none()
    return ImportJob.objects.select_related("created_by")


def activity_profile(tax_code: str) -> dict:
    """The enterprise's activity, all months: totals per flow, per-month series, channel mix, procedure types,
    top HS chapters and origins (by customs value), taxes, first and last activity."""
    rows = list(ActivityMonth.objects.filter(tax_code=tax_code).order_by("month", "flow"))
    totals = {f: {"declarations": 0, "lines": 0, "value": 0, "taxes": 0} for f in ("I", "E")}
    months: dict[dt.date, dict] = defaultdict(lambda: {"I": 0, "E": 0, "I_n": 0, "E_n": 0})
    channels = Counter()
    procedures = Counter()
    chapters = Counter()
    origins = Counter()
    for r in rows:
        t = totals[r.flow]
        t["declarations"] += r.declarations
        t["lines"] += r.lines
        t["value"] += r.value
        t["taxes"] += r.taxes
        months[r.month][r.flow] += r.value
        months[r.month][f"{r.flow}_n"] += r.declarations
        channels.update({"green": r.channel_green, "yellow": r.channel_yellow, "red": r.channel_red})
        procedures.update(r.procedure_types)
        chapters.update(r.top_hs_chapters)
        origins.update(r.top_origins)
    return {
        "tax_code": tax_code,
        "has_data": bool(rows),
        "totals": totals,
        "months": [{"month": m, **v} for m, v in sorted(months.items())],
        "channels": dict(channels),
        "procedure_types": procedures.most_common(),
        "top_hs_chapters": chapters.most_common(10),
        "top_origins": origins.most_common(10),
        "first_on": min((r.first_on for r in rows), default=None),
        "last_on": max((r.last_on for r in rows), default=None),
    }


def dormant_enterprises(as_of: dt.date, days: int = 365) -> QuerySet:
    """Tax codes seen in declarations whose last activity is more than `days` days before `as_of` (risk classes
    7–9 need them). Enterprises never seen in any declaration are not listed."""
    cutoff = as_of - dt.timedelta(days=days)
    return (ActivityMonth.objects.values("tax_code").annotate(last_on=Max("last_on"))
            .filter(last_on__lt=cutoff).order_by("last_on", "tax_code"))


def import_span(job_ids) -> tuple[dt.date | None, dt.date | None]:
    """The first and last registration dates of the declarations of import jobs (one index probe per partition):
    the bound a query by import job needs to read only those months' partitions."""
    span = Declaration.objects.filter(import_job_id__in=list(job_ids)).aggregate(first=Min("registered_on"),
                                                                                 last=Max("registered_on"))
    return span["first"], span["last"]
