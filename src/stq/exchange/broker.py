"""The RabbitMQ side: connection, names and topology (pika, the kept client library).

Everything here is off unless ``STQ_BROKER_URL`` is set (``enabled()``). Names carry ``STQ_BROKER_PREFIX``
(default ``stq``), so that tests and benchmarks use their own:

==============================  ==========  =====================================================================
name                            type        purpose
==============================  ==========  =====================================================================
``<p>.declarations``            exchange    direct; the clearance system publishes declarations (routing key
                                            ``declaration``)
``<p>.declarations``            queue       quorum, durable; bound to the exchange; dead-letters to ``<p>.dead``
                                            (also after ``DELIVERY_LIMIT`` failed deliveries: a poison message)
``<p>.dead``                    exchange    fanout, for malformed messages and poison messages
``<p>.declarations.dead``       queue       quorum, durable; what could not be stored, with ``x-stq-reason``
``<p>.results``                 exchange    topic, durable; the risk results for channel selection (routing
                                            keys ``enterprise.risk``, ``target.pick``, ``criterion.hit``)
==============================  ==========  =====================================================================
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pika
from django.conf import settings

DELIVERY_LIMIT = 20  # a message redelivered this often (e.g. it crashes the consumer) is dead-lettered by RabbitMQ
DECLARATION_KEY = "declaration"


def enabled() -> bool:
    return bool(settings.STQ_BROKER_URL)


@dataclass(frozen=True)
class Names:
    prefix: str

    @property
    def declarations(self) -> str:
        return f"{self.prefix}.declarations"

    @property
    def dead_exchange(self) -> str:
        return f"{self.prefix}.dead"

    @property
    def dead_queue(self) -> str:
        return f"{self.prefix}.declarations.dead"

    @property
    def results(self) -> str:
        return f"{self.prefix}.results"


def names(prefix: str | None = None) -> Names:
    return Names(prefix or settings.STQ_BROKER_PREFIX)


def parameters(url: str | None = None, *, heartbeat: int = 60, timeout: float = 5.0) -> pika.URLParameters:
    params = pika.URLParameters(url or settings.STQ_BROKER_URL)
    params.heartbeat = heartbeat
    params.blocked_connection_timeout = 60
    params.socket_timeout = timeout
    params.stack_timeout = timeout * 2
    params.connection_attempts = 1
    return params


def connect(url: str | None = None, **kwargs) -> pika.BlockingConnection:
    return pika.BlockingConnection(parameters(url, **kwargs))


def declare(channel, n: Names) -> None:
    """Declare the exchanges and queues (idempotent: the same arguments every time)."""
    channel.exchange_declare(n.declarations, "direct", durable=True)
    channel.exchange_declare(n.dead_exchange, "fanout", durable=True)
    channel.exchange_declare(n.results, "topic", durable=True)
    channel.queue_declare(n.dead_queue, durable=True, arguments={"x-queue-type": "quorum"})
    channel.queue_bind(n.dead_queue, n.dead_exchange)
    channel.queue_declare(n.declarations, durable=True, arguments={
        "x-queue-type": "quorum", "x-dead-letter-exchange": n.dead_exchange,
        "x-delivery-limit": DELIVERY_LIMIT})
    channel.queue_bind(n.declarations, n.declarations, DECLARATION_KEY)


def delete(channel, n: Names) -> None:
    """Remove the topology (tests and benchmarks clean up their own prefix)."""
    for queue in (n.declarations, n.dead_queue):
        channel.queue_delete(queue)
    for exchange in (n.declarations, n.dead_exchange, n.results):
        channel.exchange_delete(exchange)


def queue_depth(channel, queue: str) -> int:
    return channel.queue_declare(queue, passive=True).method.message_count


def depths(n: Names | None = None) -> dict:
    """Messages waiting in the inbound queue and in the dead-letter queue (a fresh connection; for the pages)."""
    n = n or names()
    with contextlib.closing(connect(timeout=2.0)) as conn:
        ch = conn.channel()
        out = {}
        for key, queue in (("waiting", n.declarations), ("dead", n.dead_queue)):
            try:
                out[key] = queue_depth(ch, queue)
            except pika.exceptions.ChannelClosedByBroker:  # not declared yet
                out[key] = None
                ch = conn.channel()
        return out


def ping() -> bool:
    """For /readyz/: the broker accepts a connection and a channel."""
    with contextlib.closing(connect(timeout=2.0)) as conn:
        conn.channel().close()
    return True
