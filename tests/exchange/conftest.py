"""The broker fixtures: the real RabbitMQ (127.0.0.1:5672, guest/guest; STQ_TEST_BROKER_URL to change), under a
prefix unique to the test so that parallel runs never share a queue; everything is deleted afterwards."""

import contextlib
import os
import uuid

import pika
import pytest

from stq.exchange import broker

URL = os.environ.get("STQ_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@pytest.fixture
def rabbit(settings):
    prefix = f"stqtest.{uuid.uuid4().hex[:10]}"
    settings.STQ_BROKER_URL = URL
    settings.STQ_BROKER_PREFIX = prefix
    n = broker.names(prefix)
    conn = broker.connect(URL)
    channel = conn.channel()
    broker.declare(channel, n)
    results = channel.queue_declare(f"{prefix}.results.test", durable=False, exclusive=True).method.queue
    channel.queue_bind(results, n.results, "#")
    n_results = results
    yield type("Rabbit", (), {"names": n, "channel": channel, "connection": conn, "results_queue": n_results,
                              "prefix": prefix})
    with contextlib.suppress(Exception):
        conn.close()
    with contextlib.closing(broker.connect(URL)) as conn2:
        broker.delete(conn2.channel(), n)


def drain(channel, queue: str) -> list[tuple[pika.spec.BasicProperties, bytes]]:
    out = []
    while True:
        method, props, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            return out
        out.append((props, body))
