"""Outbound results: the changes the risk engine makes, published to ``<prefix>.results`` (topic exchange) for the
clearance system's channel selection. The records and the envelope are those of the export
(``stq.risk.results_export``), so the file, the API and the broker carry the same content.

Routing keys: ``enterprise.risk`` (enterprises whose risk class, compliance level or classification changed),
``criterion.hit`` (new criteria hits of the declarations just stored), ``target.pick`` (the picks of a new audit
target list). Messages are persistent, JSON, ``type`` = the routing key, ``message_id`` = SHA-256 of the body
(the same change published twice has the same id: a receiver can drop the repeat).

Through an outbox (``OutboxMessage``): a message is written in the transaction of the change it reports
(``enqueue_changes`` inside risk on arrival's last transaction; a target list's row inside the list's) and
``flush`` publishes the waiting ones in order, with publisher confirms, marking each published only after the
broker confirmed it. The consumer flushes after each batch, at start and when idle; the web process tries once
after a target list's commit. While the broker is down the messages wait; none is lost, and one published twice
(a crash between the confirmation and the mark) has the same message id.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging

from django.db import transaction
from django.utils import timezone

from stq.risk import results_export

from . import broker
from .models import OutboxMessage

log = logging.getLogger("stq.exchange.outbound")
MAX_RECORDS = 5000  # per message
FLUSH_ROWS = 500  # messages per flush transaction
TARGET_LIST = "target_list:"


def messages_for(result: dict) -> list[tuple[str, bytes]]:
    """(routing key, body) of the changes in one ``assess_arrival`` result."""
    out = []
    sections = (("enterprises", results_export.enterprise_records(result.get("changed_enterprises") or [])
                 if result.get("changed_enterprises") else []),
                ("criteria_hits", results_export.hit_records(result.get("criteria_hits") or [])
                 if result.get("criteria_hits") else []))
    for section, records in sections:
        out += _chunks(section, records)
    return out


def _chunks(section: str, records: list[dict]) -> list[tuple[str, bytes]]:
    return [(results_export.KINDS[section],
             results_export.render(results_export.change_message(section, records[i:i + MAX_RECORDS])))
            for i in range(0, len(records), MAX_RECORDS)]


def _row(key: str, body: bytes) -> OutboxMessage:
    return OutboxMessage(routing_key=key, body=body, message_id=hashlib.sha256(body).hexdigest())


def enqueue_changes(result: dict) -> int:
    """Write the messages of one ``assess_arrival`` result to the outbox (in the caller's transaction)."""
    rows = [_row(key, body) for key, body in messages_for(result)]
    OutboxMessage.objects.bulk_create(rows)
    return len(rows)


def enqueue_target_list(target_list_id: int) -> None:
    """The picks of a new target list, in the list's transaction (rendered by the first flush after it)."""
    OutboxMessage.objects.create(routing_key=results_export.KINDS["target_picks"],
                                 source=f"{TARGET_LIST}{target_list_id}")


def _render_pending() -> None:
    """Give the target lists' rows their bodies (fixed before anything is published, in their own transaction)."""
    with transaction.atomic():
        for row in OutboxMessage.objects.select_for_update(skip_locked=True).filter(
                published_at__isnull=True, body__isnull=True).order_by("pk"):
            records = results_export.pick_records(target_list_id=int(row.source.removeprefix(TARGET_LIST)))
            chunks = _chunks("target_picks", records) or []
            if not chunks:  # a list with no picks: nothing to say
                row.delete()
                continue
            (_, first), *more = chunks
            row.body, row.message_id = first, hashlib.sha256(first).hexdigest()
            row.save(update_fields=["body", "message_id"])
            OutboxMessage.objects.bulk_create([_row(key, body) for key, body in more])


def flush(channel, n: broker.Names | None = None) -> int:
    """Publish the waiting messages in order (publisher confirms on `channel`); the number published. A broker
    failure is raised with the unconfirmed messages still waiting."""
    import pika

    n = n or broker.names()
    _render_pending()
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(OutboxMessage.objects.select_for_update(skip_locked=True)
                        .filter(published_at__isnull=True, body__isnull=False).order_by("pk")[:FLUSH_ROWS])
            for row in rows:
                channel.basic_publish(n.results, row.routing_key, bytes(row.body), pika.BasicProperties(
                    delivery_mode=2, content_type="application/json", type=row.routing_key,
                    message_id=row.message_id))
            OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(published_at=timezone.now())
        sent += len(rows)
        if len(rows) < FLUSH_ROWS:
            return sent


def waiting() -> int:
    return OutboxMessage.objects.filter(published_at__isnull=True).count()


def try_flush() -> int:
    """One attempt on a fresh connection (the web process, after a target list's commit); on failure the
    messages wait for the consumer's loop."""
    if not broker.enabled():
        return 0
    try:
        with contextlib.closing(broker.connect()) as conn:
            channel = conn.channel()
            channel.confirm_delivery()
            broker.declare(channel, broker.names())
            return flush(channel)
    except Exception:
        log.warning("outbound results wait in the outbox: the broker is not reachable", exc_info=True)
        return 0
