"""Outbound results: the changes the risk engine makes, published to ``<prefix>.results`` (topic exchange) for the
clearance system's channel selection. The records and the envelope are those of the export
(``stq.risk.results_export``), so the file, the API and the broker carry the same content.

Routing keys: ``enterprise.risk`` (enterprises whose risk class, compliance level or classification changed),
``criterion.hit`` (new criteria hits of the declarations just stored), ``target.pick`` (the picks of a new audit
target list). Messages are persistent, JSON, ``type`` = the routing key, ``message_id`` = SHA-256 of the body
(the same change published twice has the same id: a receiver can drop the repeat).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging

from stq.risk import results_export

from . import broker

log = logging.getLogger("stq.exchange.outbound")
MAX_RECORDS = 5000  # per message


def messages_for(result: dict) -> list[tuple[str, bytes]]:
    """(routing key, body) of the changes in one ``assess_arrival`` result."""
    out = []
    sections = (("enterprises", results_export.enterprise_records(result.get("changed_enterprises") or [])
                 if result.get("changed_enterprises") else []),
                ("criteria_hits", results_export.hit_records(result.get("criteria_hits") or [])
                 if result.get("criteria_hits") else []))
    for section, records in sections:
        for i in range(0, len(records), MAX_RECORDS):
            msg = results_export.change_message(section, records[i:i + MAX_RECORDS])
            out.append((results_export.KINDS[section], results_export.render(msg)))
    return out


def _publish(channel, n: broker.Names, items: list[tuple[str, bytes]]) -> int:
    import pika

    for key, body in items:
        channel.basic_publish(n.results, key, body, pika.BasicProperties(
            delivery_mode=2, content_type="application/json", type=key,
            message_id=hashlib.sha256(body).hexdigest()))
    return len(items)


def publish_changes(channel, result: dict, n: broker.Names | None = None) -> int:
    return _publish(channel, n or broker.names(), messages_for(result))


def publish_target_list(target_list_id: int) -> int:
    """The picks of a new target list (after its transaction commits; off unless the broker is configured)."""
    if not broker.enabled():
        return 0
    records = results_export.pick_records(target_list_id=target_list_id)
    items = [(results_export.KINDS["target_picks"],
              results_export.render(results_export.change_message("target_picks", records[i:i + MAX_RECORDS])))
             for i in range(0, len(records), MAX_RECORDS)]
    try:
        with contextlib.closing(broker.connect()) as conn:
            channel = conn.channel()
            channel.confirm_delivery()
            broker.declare(channel, broker.names())
            return _publish(channel, broker.names(), items)
    except Exception:  # the list is stored; the daily file/API export carries it anyway
        log.exception("publishing target list %s failed", target_list_id)
        return 0
