"""Unusual-transaction alerts, raised after each declaration import (``scan_import``).

Three checks, each set-based over the declarations of the import, against the enterprise's own history or its
peers (history = declarations registered before the import's first day):
  * ``price_outlier`` — a goods line priced below 30 % of the median of the same HS code, origin and unit
    (the ``price_below_peer_median`` criterion kind, restricted to the import);
  * ``volume_surge`` — the import's monthly value for an enterprise is ≥ 3 × its average over the 12 months
    before (at least 3 active months);
  * ``new_origin`` — an established enterprise (≥ 20 earlier goods lines) declares an HS-6 code from an origin it
    never used for that code before.
One alert per (kind, enterprise), listing the declarations behind it; while that alert is new (unhandled), later
imports of the same day add their declarations to it instead of raising it again (the broker connection imports
in small batches). The scan is idempotent per import.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from stq.declarations.models import ActivityMonth, Declaration, DeclarationLine
from stq.enterprises.models import Enterprise

from .criteria import KINDS
from .models import Alert, AlertKind, AlertScan, AlertState
from .runner import refresh_statistics

PRICE_RATIO = 0.3
SURGE_FACTOR = 3.0
MIN_HISTORY_MONTHS = 3
ESTABLISHED_LINES = 20
MAX_NUMBERS = 50


def _months(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month + 1


def _price_outliers(job_id: int, as_of: dt.date) -> dict[str, dict]:
    kind = KINDS["price_below_peer_median"]
    params = kind.validate({"ratio": PRICE_RATIO, "min_peers": 5, "lookback_days": 365})
    sql, args = kind.sql(params, as_of, job_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT q.declaration_id, q.tax_code, q.value FROM ({sql}) q", args)
        rows = cursor.fetchall()
    out: dict[str, dict] = defaultdict(lambda: {"ids": [], "min_ratio": 1.0})
    for declaration_id, tax_code, ratio in rows:
        out[tax_code]["ids"].append(declaration_id)
        out[tax_code]["min_ratio"] = min(out[tax_code]["min_ratio"], float(ratio))
    return out


def _volume_surges(job_id: int, first_day: dt.date) -> dict[str, dict]:
    job = (Declaration.objects.filter(import_job_id=job_id)
           .values("importer_exporter_tax_code")
           .annotate(value=Sum("customs_value"), first=Min("registered_on"), last=Max("registered_on")))
    month0 = first_day.replace(day=1)
    since = dt.date(month0.year - 1, month0.month, 1)
    history = {r["tax_code"]: r for r in ActivityMonth.objects.filter(
        tax_code__in=[j["importer_exporter_tax_code"] for j in job], month__gte=since, month__lt=month0)
        .values("tax_code").annotate(value=Sum("value"), months=Count("month", distinct=True))}
    out = {}
    for j in job:
        h = history.get(j["importer_exporter_tax_code"])
        if not h or h["months"] < MIN_HISTORY_MONTHS or not h["value"]:
            continue
        monthly = j["value"] / _months(j["first"], j["last"])
        past = h["value"] / h["months"]
        if monthly >= SURGE_FACTOR * past:
            out[j["importer_exporter_tax_code"]] = {"factor": round(monthly / past, 1), "monthly": int(monthly),
                                                     "past_monthly": int(past)}
    return out


def _new_origins(job_id: int, first_day: dt.date) -> dict[str, dict]:
    D, L = Declaration._meta.db_table, DeclarationLine._meta.db_table
    sql = f"""
        WITH established AS (
            SELECT d2.importer_exporter_tax_code AS tax_code
            FROM {L} l2 JOIN {D} d2 ON d2.id = l2.declaration_id
            WHERE d2.registered_on < %s AND d2.importer_exporter_tax_code IN (
                SELECT importer_exporter_tax_code FROM {D} WHERE import_job_id = %s)
            GROUP BY d2.importer_exporter_tax_code HAVING COUNT(*) >= %s
        )
        SELECT d.importer_exporter_tax_code, d.id, SUBSTR(l.hs_code, 1, 6), l.origin_country
        FROM {L} l JOIN {D} d ON d.id = l.declaration_id
        WHERE d.import_job_id = %s AND d.flow = 'I'
          AND d.importer_exporter_tax_code IN (SELECT tax_code FROM established)
          AND NOT EXISTS (
              SELECT 1 FROM {L} l3 JOIN {D} d3 ON d3.id = l3.declaration_id
              WHERE d3.importer_exporter_tax_code = d.importer_exporter_tax_code AND d3.registered_on < %s
                AND SUBSTR(l3.hs_code, 1, 6) = SUBSTR(l.hs_code, 1, 6) AND l3.origin_country = l.origin_country)"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [first_day, job_id, ESTABLISHED_LINES, job_id, first_day])
        rows = cursor.fetchall()
    out: dict[str, dict] = defaultdict(lambda: {"ids": [], "pairs": []})
    for tax_code, declaration_id, hs6, origin in rows:
        out[tax_code]["ids"].append(declaration_id)
        pair = f"{hs6}/{origin}"
        if pair not in out[tax_code]["pairs"]:
            out[tax_code]["pairs"].append(pair)
    return out


def _join_open_alerts(found: list[tuple], numbers: dict[int, str]) -> list[tuple]:
    """Imports arrive in small batches (the broker connection): a (kind, enterprise) that already has a new,
    unhandled alert raised today gets the batch's declarations added to that alert instead of a second alert.
    Returns the findings that still need an alert of their own."""
    if not found:
        return found
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    open_alerts = {(a.kind, a.tax_code): a for a in Alert.objects.select_for_update().filter(
        state=AlertState.NEW, raised_at__gte=start, tax_code__in={f[1] for f in found})}
    fresh = []
    for kind, code, details, ids in found:
        alert = open_alerts.get((kind, code))
        if alert is None:
            fresh.append((kind, code, details, ids))
            continue
        more = [numbers[i] for i in ids[:MAX_NUMBERS] if i in numbers]
        merged = sorted(set(alert.declaration_numbers) | set(more))[:MAX_NUMBERS]
        if merged != alert.declaration_numbers:
            before = {"declaration_numbers": alert.declaration_numbers}
            alert.declaration_numbers = merged
            alert.save(update_fields=["declaration_numbers"])
            Alert.workflow.record(actor=None, case=alert, kind="declarations_added", before=before,
                                  after={"declaration_numbers": merged})
    return fresh


def scan_import(job_id: int) -> AlertScan | None:
    """Raise the alerts of one import (once)."""
    if AlertScan.objects.filter(import_job_id=job_id).exists():
        return None
    refresh_statistics()  # every scan: the planner must know the import's rows (a stale plan takes minutes)
    span = Declaration.objects.filter(import_job_id=job_id).aggregate(first=Min("registered_on"),
                                                                      last=Max("registered_on"))
    started = time.monotonic()
    found: list[tuple[str, str, dict, list[int]]] = []
    if span["first"]:
        for code, hit in _price_outliers(job_id, span["last"]).items():
            found.append((AlertKind.PRICE_OUTLIER, code, {"min_ratio": round(hit["min_ratio"], 3)}, hit["ids"]))
        surges = _volume_surges(job_id, span["first"])
        ids_by_code = defaultdict(list)
        if surges:
            for pk, code in (Declaration.objects.filter(import_job_id=job_id,
                                                        importer_exporter_tax_code__in=list(surges))
                             .order_by("-customs_value").values_list("pk", "importer_exporter_tax_code")):
                ids_by_code[code].append(pk)
        for code, details in surges.items():
            found.append((AlertKind.VOLUME_SURGE, code, details, ids_by_code[code]))
        for code, hit in _new_origins(job_id, span["first"]).items():
            found.append((AlertKind.NEW_ORIGIN, code, {"pairs": hit["pairs"][:10]}, hit["ids"]))
    numbers = {}
    all_ids = {pk for *_, ids in found for pk in ids[:MAX_NUMBERS]}
    for pk, base, revision in Declaration.objects.filter(pk__in=all_ids).values_list("pk", "base_number", "revision"):
        numbers[pk] = f"{base}{revision}"
    enterprises = dict(Enterprise.objects.filter(tax_code__in={f[1] for f in found}).values_list("tax_code", "id"))
    with transaction.atomic():
        scan, created = AlertScan.objects.get_or_create(import_job_id=job_id)
        if not created:
            return None
        found = _join_open_alerts(found, numbers)
        Alert.workflow.create_many(cases=[  # raised by the system: history rows and "created" events, in bulk
            Alert(kind=kind, tax_code=code, enterprise_id=enterprises.get(code), scan=scan, details=details,
                  declaration_numbers=sorted({numbers[i] for i in ids[:MAX_NUMBERS] if i in numbers}))
            for kind, code, details, ids in found
        ])
        scan.alerts = len(found)
        scan.seconds = time.monotonic() - started
        scan.save(update_fields=["alerts", "seconds"])
    return scan
