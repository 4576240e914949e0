"""Reads for the health page: the consumers' state, the recent batches and dead letters, the queue depths."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum
from django.utils import timezone

from . import broker
from .models import Batch, ConsumerState, DeadLetter, OutboxMessage

STALE_SECONDS = 60  # a consumer not heard of for this long is shown as stopped


def percentile(values: list[int], q: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def status() -> dict:
    now = timezone.now()
    consumers = list(ConsumerState.objects.order_by("-seen_at")[:20])
    for c in consumers:
        c.running = (now - c.seen_at).total_seconds() < STALE_SECONDS
    recent = list(Batch.objects.order_by("-pk")[:50])
    latencies = [ms for b in recent for ms in (b.latency_ms or [])]
    hour = Batch.objects.filter(received_at__gte=now - dt.timedelta(hours=1)).aggregate(
        batches=Count("id"), messages=Sum("messages"), declarations=Sum("declarations"),
        dead=Sum("dead_lettered"))
    queues, broker_error = None, ""
    if broker.enabled():
        try:
            queues = broker.depths()
        except Exception as exc:  # the page reports, it does not fail
            broker_error = f"{type(exc).__name__}: {exc}"
    last_error = ConsumerState.objects.exclude(last_error="").order_by("-last_error_at").first()
    return {
        "enabled": broker.enabled(), "names": broker.names(), "queues": queues, "broker_error": broker_error,
        "consumers": consumers, "batches": recent[:15], "hour": hour,
        "latency_p50": percentile(latencies, 0.5), "latency_p95": percentile(latencies, 0.95),
        "unscored": Batch.objects.filter(scored_at__isnull=True).count(),
        "outbox_waiting": OutboxMessage.objects.filter(published_at__isnull=True).count(),
        "dead_letters": list(DeadLetter.objects.order_by("-pk")[:15]), "dead_total": DeadLetter.objects.count(),
        "last_error": last_error,
    }
