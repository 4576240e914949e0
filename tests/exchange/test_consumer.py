"""The consumer against the real RabbitMQ: batches stored through the file import's path, acknowledged only after
the commit, redeliveries changing nothing, malformed messages dead-lettered with their reason."""

import json
import time

import pytest
from django.db import OperationalError

from stq.declarations.layouts import COLUMNS
from stq.declarations.models import Declaration, DeclarationLine, DeclarationRevision, ImportJob
from stq.exchange import broker, consumer, messages, simulator
from stq.exchange.consumer import Consumer, Delivery, store_batch
from stq.exchange.models import Batch, ConsumerState, DeadLetter
from tests.declarations.helpers import row
from tests.exchange.conftest import URL, drain

pytestmark = pytest.mark.django_db


def decl(seq: int, revision: int = 0, *, lines: int = 2, value: int = 1000):
    number = f"10{seq:09d}{revision}"
    return [[row(number=number, line_no=str(i), line_customs_value=str(value * i),
                 customs_value=str(value * lines))[c] for c in COLUMNS] for i in range(1, lines + 1)]


def publish(bodies, prefix):
    return simulator.publish(((f"m{i}", b) for i, b in enumerate(bodies)), prefix=prefix, url=URL)


def consume(prefix, **kwargs):
    c = Consumer(name=f"test-{prefix}", prefix=prefix, url=URL, batch_size=kwargs.pop("batch_size", 50),
                 max_wait=0.1, **kwargs)
    c.run(idle_exit=0.5)
    return c


def test_a_batch_is_stored_through_the_import_and_a_malformed_message_is_dead_lettered(rabbit):
    bodies = [messages.from_rows(decl(i)) for i in range(1, 31)]
    bodies.insert(7, b'{"schema": "stq.declaration", "version": 1, "number": "1"')
    bodies.insert(20, messages.from_rows(decl(99))[:-2] + b"x}")
    publish(bodies, rabbit.prefix)
    c = consume(rabbit.prefix)
    assert Declaration.objects.count() == 30 and DeclarationLine.objects.count() == 60
    # through the declarations importer: an import job per batch, with its activity profile
    assert set(ImportJob.objects.values_list("status", flat=True)) == {"succeeded"}
    assert ImportJob.objects.filter(original_name__startswith="broker-").count() == Batch.objects.count()
    dead = drain(rabbit.channel, rabbit.names.dead_queue)
    assert sorted(p.headers["x-stq-reason"] for p, _ in dead) == ["bad_json", "bad_json"]
    assert {b for _, b in dead} == {bodies[7], bodies[20]}
    assert DeadLetter.objects.count() == 2
    # everything acknowledged: nothing waits, nothing unacknowledged comes back
    assert broker.queue_depth(rabbit.channel, rabbit.names.declarations) == 0
    state = ConsumerState.objects.get(name=c.name)
    assert (state.messages, state.declarations, state.dead_lettered) == (32, 30, 2)
    assert state.last_error == ""


def test_a_redelivered_message_changes_nothing(rabbit):
    bodies = [messages.from_rows(decl(i)) for i in range(1, 6)]
    first = store_batch([Delivery(body=b) for b in bodies])
    ids = dict(Declaration.objects.values_list("base_number", "id"))
    again = store_batch([Delivery(body=b) for b in bodies])  # the same batch: same checksum, skipped
    mixed = store_batch([Delivery(body=b) for b in bodies[:3]] + [Delivery(body=messages.from_rows(decl(6)))])
    assert (first.batch.declarations, again.batch.declarations, mixed.batch.declarations) == (5, 0, 1)
    assert (again.batch.unchanged, mixed.batch.unchanged) == (5, 3)
    assert Declaration.objects.count() == 6 and DeclarationRevision.objects.count() == 0
    assert {k: v for k, v in Declaration.objects.values_list("base_number", "id") if k in ids} == ids
    assert not first.dead and not again.dead and not mixed.dead


def test_an_amendment_replaces_the_declaration_and_archives_the_earlier_revision(rabbit):
    publish([messages.from_rows(decl(1)), messages.from_rows(decl(2))], rabbit.prefix)
    consume(rabbit.prefix)
    publish([messages.from_rows(decl(1, revision=1, lines=3, value=2000))], rabbit.prefix)
    consume(rabbit.prefix)
    d = Declaration.objects.get(base_number="10000000001")
    assert (d.revision, d.line_count, d.customs_value) == (1, 3, 6000)
    archived = DeclarationRevision.objects.get()
    assert (archived.base_number, archived.revision, len(archived.lines)) == ("10000000001", 0, 2)


def test_a_revision_conflict_is_dead_lettered_and_the_rest_of_the_batch_is_stored(rabbit):
    store_batch([Delivery(body=messages.from_rows(decl(1)))])
    conflicting = messages.from_rows(decl(1, lines=3))  # same number and revision, other lines
    publish([conflicting, messages.from_rows(decl(2)), messages.from_rows(decl(3))], rabbit.prefix)
    consume(rabbit.prefix)
    assert Declaration.objects.count() == 3 and Declaration.objects.get(base_number="10000000001").line_count == 2
    dead = drain(rabbit.channel, rabbit.names.dead_queue)
    assert [(p.headers["x-stq-reason"], b) for p, b in dead] == [("number:revision_conflict", conflicting)]


def depth_after_requeue(rabbit, expected: int, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while (depth := broker.queue_depth(rabbit.channel, rabbit.names.declarations)) != expected \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    return depth


def test_messages_are_acknowledged_only_after_the_batch_is_committed(rabbit, monkeypatch):
    publish([messages.from_rows(decl(i)) for i in range(1, 11)], rabbit.prefix)

    def crash(*args, **kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(consumer, "run_import", crash)
    c = Consumer(name="crashing", prefix=rabbit.prefix, url=URL, batch_size=50, max_wait=0.1)
    with broker.connect(URL) as conn, pytest.raises(OperationalError):
        c.run_once(conn, idle_exit=0.5)
    # the connection is gone, nothing was acknowledged: all ten are back in the queue, nothing stored (the broker
    # requeues a closed connection's unacknowledged messages asynchronously: wait a few seconds for them)
    assert depth_after_requeue(rabbit, 10) == 10
    assert Declaration.objects.count() == 0
    monkeypatch.undo()
    consume(rabbit.prefix)
    assert Declaration.objects.count() == 10
    assert broker.queue_depth(rabbit.channel, rabbit.names.declarations) == 0


def test_a_batch_stored_but_not_scored_is_scored_at_the_next_start(rabbit):
    outcome = store_batch([Delivery(body=messages.from_rows(decl(i))) for i in range(1, 4)], consumer="c1",
                          arrival=False)  # as if killed between the import's commit and the scoring
    assert outcome.batch.scored_at is None
    assert consumer.recover("c1") == 1
    outcome.batch.refresh_from_db()
    assert outcome.batch.scored_at is not None and outcome.batch.jobs
    assert consumer.recover("c1") == 0


def test_the_simulator_publishes_a_day_with_amendments_and_the_generators_enterprises(rabbit):
    items = list(simulator.day_messages(200, seed=3, amend_share=0.1, malformed=2))
    docs = [json.loads(b) for _, b in items if not _.startswith("broken")]
    numbers = [d["number"] for d in docs]
    assert len({n[:11] for n in numbers}) == 200 and len(numbers) > 210  # amendments: revision 1 of some
    assert {n[11] for n in numbers} == {"0", "1"} and len({d["registered_on"] for d in docs}) == 1
    assert sum(1 for i, _ in items if i.startswith("broken")) == 2
    assert 2.5 < sum(len(d["lines"]) for d in docs) / len(docs) < 3.5  # about three goods lines each
    publish([b for _, b in items], rabbit.prefix)
    consume(rabbit.prefix, batch_size=100)
    assert Declaration.objects.count() == 200
    assert Declaration.objects.filter(revision=1).count() == len(numbers) - 200
    assert DeadLetter.objects.count() == 2


def test_a_message_that_breaks_the_import_is_isolated_and_dead_lettered(rabbit, monkeypatch):
    real = consumer.run_import

    def fragile(job):
        with job.file.open("rb") as fh:
            if b"10000000003" in fh.read():  # something the import's checks do not catch
                raise ValueError("unexpected")
        return real(job)

    monkeypatch.setattr(consumer, "run_import", fragile)
    bodies = [messages.from_rows(decl(i)) for i in range(1, 9)]
    publish(bodies, rabbit.prefix)
    consume(rabbit.prefix)
    assert sorted(Declaration.objects.values_list("base_number", flat=True)) == \
        [f"1000000000{i}" for i in (1, 2, 4, 5, 6, 7, 8)]
    dead = drain(rabbit.channel, rabbit.names.dead_queue)
    assert [(p.headers["x-stq-reason"], b) for p, b in dead] == [("error:ValueError", bodies[2])]
    assert broker.queue_depth(rabbit.channel, rabbit.names.declarations) == 0


def test_a_message_with_a_bad_value_is_dead_lettered_with_the_imports_reason_and_the_rest_stored(rabbit):
    bad_date = json.loads(messages.from_rows(decl(3)))
    bad_date["registered_on"] = "2025-02-30"
    bad_tax = json.loads(messages.from_rows(decl(5)))
    bad_tax["lines"][1]["hs_code"] = "8542"
    bodies = [messages.from_rows(decl(i)) for i in (1, 2, 4, 6)]
    bodies[2:2] = [json.dumps(bad_date).encode(), json.dumps(bad_tax).encode()]
    outcome = store_batch([Delivery(body=b, message_id=str(i)) for i, b in enumerate(bodies)])
    assert sorted(Declaration.objects.values_list("base_number", flat=True)) == \
        [f"1000000000{i}" for i in (1, 2, 4, 6)]
    assert sorted((d.body, reason) for d, reason in outcome.dead) == sorted(
        [(bodies[2], "registered_on:bad_date"), (bodies[3], "hs_code:bad_hs_code")])
    assert outcome.batch.declarations == 4 and outcome.batch.dead_lettered == 2


def test_a_backlog_is_taken_in_batches_up_to_the_backlog_cap(rabbit):
    publish([messages.from_rows(decl(i, lines=1)) for i in range(1, 121)], rabbit.prefix)
    c = consume(rabbit.prefix, batch_size=20, backlog_batch_size=60)
    assert Declaration.objects.count() == 120
    sizes = list(Batch.objects.order_by("pk").values_list("messages", flat=True))
    assert sum(sizes) == 120 and max(sizes) > 20 and max(sizes) <= 60  # larger than batch_size while it waits
    assert c.backlog == 0 and c._cap() == 20  # no backlog: batches of batch_size again
