"""Unusual-transaction alerts, raised after each declaration import (``scan_import``).

Three checks, each set-based over the declarations of the import, against the enterprise's own history or its
peers (history = declarations registered before the import's first day):
  * ``price_outlier`` — a goods line priced below 30 % of the median of the same HS code, origin and unit
    (the ``price_below_peer_median`` criterion kind, restricted to the import);
  * ``volume_surge`` — the import's monthly value for an enterprise is ≥ 3 × its average over the 12 months
    before (at least 3 active months);
  * ``new_origin`` — an established enterprise (≥ 20 earlier goods lines) declares an HS-6 code from an origin it
    never used for that code before (earlier lines of any flow; those of replaced revisions and archived months do
    not count), read from the traded origins the import keeps (``stq.declarations.origins``).
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

from stq.declarations.models import ActivityMonth, Declaration, DeclarationLine, OriginDay
from stq.enterprises.models import Enterprise

from .criteria import KINDS
from .models import Alert, AlertKind, AlertScan, AlertState
from .runner import refresh_statistics, refresh_visibility

PRICE_RATIO = 0.3
SURGE_FACTOR = 3.0
MIN_HISTORY_MONTHS = 3
ESTABLISHED_LINES = 20
MAX_NUMBERS = 50


def _months(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month + 1


def _price_outliers(job_ids: list[int], as_of: dt.date) -> dict[int, dict[str, dict]]:
    """{job: {tax code: hit}} — one query for all the jobs (the peer medians are computed once)."""
    kind = KINDS["price_below_peer_median"]
    params = kind.validate({"ratio": PRICE_RATIO, "min_peers": 5, "lookback_days": 365})
    sql, args = kind.sql(params, as_of, list(job_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT q.declaration_id, q.tax_code, q.value, d.import_job_id FROM ({sql}) q "
                       f"JOIN {Declaration._meta.db_table} d ON d.id = q.declaration_id", args)
        rows = cursor.fetchall()
    out: dict[int, dict[str, dict]] = defaultdict(lambda: defaultdict(lambda: {"ids": [], "min_ratio": 1.0}))
    for declaration_id, tax_code, ratio, job_id in sorted(rows, key=lambda r: r[0]):
        hit = out[job_id][tax_code]
        hit["ids"].append(declaration_id)
        hit["min_ratio"] = min(hit["min_ratio"], float(ratio))
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


# The new-origin check reads the traded origins kept by the import (``stq.declarations.origins``): an index probe
# per batch pair and enterprise; False: recomputed from every earlier line of the batch's enterprises (the test
# that both agree sets it).
NEW_ORIGINS_FROM_TABLE = True


def _new_origins(job_ids: list[int], first_day: dt.date, last_day: dt.date) -> dict[int, dict[str, dict]]:
    """{job: {tax code: hit}} — for all the jobs at once. The jobs' declarations are registered from `first_day`
    to `last_day`: the bound that prunes the partitions. History: the live stored lines (any flow) registered
    before `first_day` (``stq.declarations.origins``)."""
    D, L = Declaration._meta.db_table, DeclarationLine._meta.db_table
    marks = ", ".join(["%s"] * len(job_ids))
    span = [first_day, last_day]
    batch = f"""
        SELECT d.import_job_id, d.importer_exporter_tax_code AS tax_code, d.id, l.line_no,
               SUBSTR(l.hs_code, 1, 6) AS hs6, l.origin_country
        FROM {L} l JOIN {D} d ON d.id = l.declaration_id AND d.registered_on = l.registered_on
        WHERE d.import_job_id IN ({marks}) AND d.flow = 'I'
          AND d.registered_on BETWEEN %s AND %s AND l.registered_on BETWEEN %s AND %s"""
    if NEW_ORIGINS_FROM_TABLE:
        O = OriginDay._meta.db_table  # noqa: E741
        # Two statements, each linear whatever the planner believes of the batch: a new import's rows are estimated
        # at one (its job id is in no statistics), and one statement joining the batch to its established
        # enterprises re-ran their probes for every batch line (≥ 230 s for a 50,000-line batch on 30 M lines,
        # benchmarks/HISTORY.md). First the established enterprises, each probed once (the sum of its first
        # ESTABLISHED_LINES days, each ≥ 1 line, reaches it exactly when all its days do), then the batch lines of
        # those enterprises (a constant list) with an index probe of each line's pair.
        with connection.cursor() as cursor:
            cursor.execute(f"""
                SELECT t.tax_code FROM (SELECT DISTINCT importer_exporter_tax_code AS tax_code FROM {D}
                                        WHERE import_job_id IN ({marks}) AND flow = 'I'
                                          AND registered_on BETWEEN %s AND %s) t
                WHERE (SELECT SUM(x.lines) FROM (SELECT o.lines FROM {O} o WHERE o.tax_code = t.tax_code
                                                  AND o.registered_on < %s LIMIT %s) x) >= %s""",
                           [*job_ids, *span, first_day, ESTABLISHED_LINES, ESTABLISHED_LINES])
            established = [r[0] for r in cursor.fetchall()]
        if not established:
            return {}
        sql = f"""
        SELECT b.import_job_id, b.tax_code, b.id, b.hs6, b.origin_country FROM ({batch}) b
        WHERE b.tax_code IN ({", ".join(["%s"] * len(established))})
          AND NOT EXISTS (SELECT 1 FROM {O} o WHERE o.tax_code = b.tax_code AND o.hs6 = b.hs6
                            AND o.origin_country = b.origin_country AND o.registered_on < %s)
        ORDER BY b.id, b.line_no"""
        args = [*job_ids, *span, *span, *established, first_day]
    else:
        sql = f"""
        WITH established AS (
            SELECT d2.importer_exporter_tax_code AS tax_code
            FROM {L} l2 JOIN {D} d2 ON d2.id = l2.declaration_id AND d2.registered_on = l2.registered_on
            WHERE d2.registered_on < %s AND l2.registered_on < %s AND d2.importer_exporter_tax_code IN (
                SELECT importer_exporter_tax_code FROM {D} WHERE import_job_id IN ({marks})
                  AND registered_on BETWEEN %s AND %s)
            GROUP BY d2.importer_exporter_tax_code HAVING COUNT(*) >= %s
        )
        SELECT b.import_job_id, b.tax_code, b.id, b.hs6, b.origin_country FROM ({batch}) b
        WHERE b.tax_code IN (SELECT tax_code FROM established)
          AND NOT EXISTS (
              SELECT 1 FROM {L} l3 JOIN {D} d3 ON d3.id = l3.declaration_id AND d3.registered_on = l3.registered_on
              WHERE d3.importer_exporter_tax_code = b.tax_code AND d3.registered_on < %s
                AND l3.registered_on < %s AND SUBSTR(l3.hs_code, 1, 6) = b.hs6 AND l3.origin_country = b.origin_country)
        ORDER BY b.id, b.line_no"""
        args = [first_day, first_day, *job_ids, *span, ESTABLISHED_LINES, *job_ids, *span, *span, first_day,
                first_day]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    out: dict[int, dict[str, dict]] = defaultdict(lambda: defaultdict(lambda: {"ids": [], "pairs": []}))
    for job_id, tax_code, declaration_id, hs6, origin in rows:
        hit = out[job_id][tax_code]
        if declaration_id not in hit["ids"]:
            hit["ids"].append(declaration_id)
        pair = f"{hs6}/{origin}"
        if pair not in hit["pairs"]:
            hit["pairs"].append(pair)
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
    return scan_imports([job_id]).get(job_id)


def scan_imports(job_ids: list[int]) -> dict[int, AlertScan]:
    """Raise the alerts of several imports (each once), with the same result as ``scan_import`` of each in turn,
    but reading the history once per group of imports of the same registration days (risk on arrival scores the
    batches stored since its last round together). Returns the scans made, by import."""
    done = set(AlertScan.objects.filter(import_job_id__in=job_ids).values_list("import_job_id", flat=True))
    pending = sorted(set(job_ids) - done)
    if not pending:
        return {}
    refresh_statistics(stale_only=True)  # the planner must know a large import's rows (a stale plan: minutes)
    refresh_visibility()  # the medians and the origins read from their indexes alone
    spans = {r["import_job_id"]: (r["first"], r["last"]) for r in Declaration.objects.filter(
        import_job_id__in=pending).values("import_job_id").annotate(first=Min("registered_on"),
                                                                    last=Max("registered_on"))}
    groups: dict[tuple, list[int]] = defaultdict(list)
    for job in pending:
        groups[spans.get(job, (None, None))].append(job)
    started = time.monotonic()
    found: dict[int, list[tuple[str, str, dict, list[int]]]] = {}
    for (first, last), jobs in groups.items():
        found.update(_findings(jobs, first, last))
    all_ids = {pk for hits in found.values() for *_, ids in hits for pk in ids[:MAX_NUMBERS]}
    numbers = {pk: f"{base}{revision}" for pk, base, revision in
               Declaration.objects.filter(pk__in=all_ids).values_list("pk", "base_number", "revision")}
    enterprises = dict(Enterprise.objects.filter(tax_code__in={f[1] for hits in found.values() for f in hits})
                       .values_list("tax_code", "id"))
    seconds = (time.monotonic() - started) / len(pending)
    scans = {}
    for job in pending:  # in order, as one scan after the other: a later import adds to an earlier one's open alert
        with transaction.atomic():
            scan, created = AlertScan.objects.get_or_create(import_job_id=job)
            if not created:
                continue
            fresh = _join_open_alerts(found[job], numbers)
            Alert.workflow.create_many(cases=[  # raised by the system: history rows and "created" events, in bulk
                Alert(kind=kind, tax_code=code, enterprise_id=enterprises.get(code), scan=scan, details=details,
                      declaration_numbers=sorted({numbers[i] for i in ids[:MAX_NUMBERS] if i in numbers}))
                for kind, code, details, ids in fresh
            ])
            scan.alerts = len(fresh)
            scan.seconds = seconds
            scan.save(update_fields=["alerts", "seconds"])
            scans[job] = scan
    return scans


def _findings(jobs: list[int], first: dt.date | None, last: dt.date | None) -> dict[int, list[tuple]]:
    """(kind, tax code, details, declaration ids) of each job of one group (the same registration days)."""
    found: dict[int, list[tuple[str, str, dict, list[int]]]] = {job: [] for job in jobs}
    if not first:
        return found
    prices = _price_outliers(jobs, last)
    origins = _new_origins(jobs, first, last)
    for job in jobs:
        for code, hit in prices.get(job, {}).items():
            found[job].append((AlertKind.PRICE_OUTLIER, code, {"min_ratio": round(hit["min_ratio"], 3)}, hit["ids"]))
        surges = _volume_surges(job, first)
        ids_by_code = defaultdict(list)
        if surges:
            for pk, code in (Declaration.objects.filter(import_job_id=job, importer_exporter_tax_code__in=list(surges))
                             .order_by("-customs_value", "pk").values_list("pk", "importer_exporter_tax_code")):
                ids_by_code[code].append(pk)
        for code, details in surges.items():
            found[job].append((AlertKind.VOLUME_SURGE, code, details, ids_by_code[code]))
        for code, hit in origins.get(job, {}).items():
            found[job].append((AlertKind.NEW_ORIGIN, code, {"pairs": hit["pairs"][:10]}, hit["ids"]))
    return found
