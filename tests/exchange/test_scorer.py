"""Outside a transaction (the consumer's process), the rounds of risk on arrival run on the scorer thread, behind
the imports, on real commits; the consumer's last round and flush leave nothing unscored or unpublished."""

import threading

import pytest

from stq.enterprises.models import Enterprise
from stq.exchange import consumer, messages, outbound
from stq.exchange.models import Batch
from tests.declarations.helpers import TAX_A
from tests.exchange.conftest import drain
from tests.exchange.test_consumer import consume, decl, publish

pytestmark = pytest.mark.django_db(transaction=True)


def test_rounds_run_on_the_scorer_thread_and_every_batch_is_finished_and_published(rabbit, monkeypatch):
    threads = []
    finish = consumer.finish

    def observed(batches, **kwargs):
        threads.append(threading.current_thread().name)
        return finish(batches, **kwargs)

    monkeypatch.setattr(consumer, "finish", observed)
    Enterprise.objects.create(tax_code=TAX_A, name="DN A")
    publish([messages.from_rows(decl(i)) for i in range(1, 31)], rabbit.prefix)
    c = consume(rabbit.prefix, batch_size=10, backlog_batch_size=10)  # batches of 10 in the backlog too
    batches = Batch.objects.filter(consumer=c.name)
    assert batches.count() >= 3 and sum(b.declarations for b in batches) == 30
    assert not batches.filter(scored_at__isnull=True).exists()
    assert threads and all(name.startswith("scorer-") for name in threads)
    assert all("scored" in b.risk for b in batches)  # the model step ran per batch, by the consumer (no model here)
    assert outbound.waiting() == 0
    out = drain(rabbit.channel, rabbit.results_queue)  # the enterprise's new risk class, written by a round
    assert out and {p.type for p, _ in out} == {"enterprise.risk"}
