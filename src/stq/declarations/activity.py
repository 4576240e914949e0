"""The enterprise activity profile (A1 "overall picture"): one ``ActivityMonth`` row per (tax code, month, flow).

Refreshed incrementally after each import: only the (importer/exporter tax code, month) pairs the import touched
are recomputed — deleted and re-aggregated from the declarations with the ORM (portable between PostgreSQL and
SQLite; each query is an index range scan on ``(importer_exporter_tax_code, registered_on)``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Substr

from .models import ActivityMonth, Channel, Declaration, DeclarationLine

TOP_N = 5
TAX_CHUNK = 900
WHOLE_MONTH_ABOVE = 900


def month_start(day) -> dt.date:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months_of(pairs) -> dict[dt.date, set[str]]:
    """{month: {tax codes}} from (tax code, date) pairs."""
    out: dict[dt.date, set[str]] = defaultdict(set)
    for tax_code, day in pairs:
        out[month_start(day)].add(tax_code)
    return out


def refresh(touched: dict[dt.date, set[str]]) -> int:
    """Recompute the profile rows of the touched (month, tax codes); returns the number of rows written."""
    written = 0
    for month, tax_codes in sorted(touched.items()):
        if len(tax_codes) > WHOLE_MONTH_ABOVE:  # cheaper to recompute the whole month (one range scan)
            written += _refresh_chunk(month, None)
            continue
        codes = sorted(tax_codes)
        for i in range(0, len(codes), TAX_CHUNK):
            written += _refresh_chunk(month, codes[i:i + TAX_CHUNK])
    return written


def _refresh_chunk(month: dt.date, codes: list[str] | None) -> int:
    """Recompute (month, codes); codes None = every enterprise of the month."""
    period = Q(registered_on__gte=month, registered_on__lt=next_month(month))
    existing = ActivityMonth.objects.filter(month=month)
    if codes is not None:
        period &= Q(importer_exporter_tax_code__in=codes)
        existing = existing.filter(tax_code__in=codes)
    existing.delete()
    decls = Declaration.objects.filter(period)
    rows = {}
    for r in decls.values("importer_exporter_tax_code", "flow").annotate(
        n=Count("id"), lines=Sum("line_count"), value=Sum("customs_value"), taxes=Sum("total_tax"),
        green=Count("id", filter=Q(channel=Channel.GREEN)), yellow=Count("id", filter=Q(channel=Channel.YELLOW)),
        red=Count("id", filter=Q(channel=Channel.RED)), first=Min("registered_on"), last=Max("registered_on"),
    ).order_by():
        key = (r["importer_exporter_tax_code"], r["flow"])
        rows[key] = ActivityMonth(
            tax_code=key[0], month=month, flow=key[1], declarations=r["n"], lines=r["lines"] or 0,
            value=r["value"] or 0, taxes=r["taxes"] or 0, channel_green=r["green"], channel_yellow=r["yellow"],
            channel_red=r["red"], first_on=r["first"], last_on=r["last"], procedure_types={},
        )
    if not rows:
        return 0
    for r in decls.values("importer_exporter_tax_code", "flow", "procedure_type").annotate(n=Count("id")).order_by():
        rows[(r["importer_exporter_tax_code"], r["flow"])].procedure_types[r["procedure_type"]] = r["n"]
    lines = DeclarationLine.objects.filter(**{f"declaration__{k}": v for k, v in period.children})
    tops = {"top_hs_chapters": lines.annotate(key=Substr("hs_code", 1, 2)), "top_origins": lines.annotate(
        key=Substr("origin_country", 1, 2))}
    for attr, qs in tops.items():
        acc: dict[tuple, list] = defaultdict(list)
        for r in qs.values("declaration__importer_exporter_tax_code", "declaration__flow", "key").annotate(
            v=Sum("customs_value"), n=Count("id")
        ).order_by():
            acc[(r["declaration__importer_exporter_tax_code"], r["declaration__flow"])].append(
                [r["key"], r["v"] or 0, r["n"]])
        for key, items in acc.items():
            items.sort(key=lambda x: (-x[1], x[0]))
            setattr(rows[key], attr, items[:TOP_N])
    ActivityMonth.objects.bulk_create(rows.values(), batch_size=2000)
    return len(rows)


def rebuild_all() -> int:
    """Recompute every profile row from scratch (after a bulk load outside the import, e.g. the demo)."""
    pairs = Declaration.objects.values_list("importer_exporter_tax_code", "registered_on").distinct().order_by()
    ActivityMonth.objects.all().delete()
    return refresh(months_of(pairs.iterator(chunk_size=10_000)))
