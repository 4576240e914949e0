"""The outbox of outbound results: written in the transaction of the change, published by the consumer's loop once
the broker takes it — with the real RabbitMQ unreachable first (a wrong port), then reachable."""

import json

import pytest
from django.utils import timezone

from stq.enterprises.models import Enterprise
from stq.exchange import consumer, outbound
from stq.exchange.consumer import Consumer, Delivery, store_batch
from stq.exchange.models import Batch, OutboxMessage
from stq.risk import results_export, scoring, services
from stq.risk.models import CriterionHit, EnterpriseRisk
from tests.exchange.conftest import URL, drain
from tests.exchange.test_arrival import bodies, history  # noqa: F401  (fixture)
from tests.risk import helpers as h
from tests.risk.test_alerts import new_rows

pytestmark = pytest.mark.django_db
DOWN = "amqp://guest:guest@127.0.0.1:1/%2F"  # nothing listens there: the broker is unreachable


def received(rabbit) -> list[tuple[str, str, dict]]:
    return [(p.type, p.message_id, json.loads(b)) for p, b in drain(rabbit.channel, rabbit.results_queue)]


def test_changes_wait_in_the_outbox_while_the_broker_is_down_and_go_out_once_when_it_is_back(history, rabbit, client):  # noqa: F811
    store_batch([Delivery(body=b) for b in bodies(new_rows())], consumer="c1",
                on_changes=outbound.enqueue_changes)  # stored and scored while nothing is published
    waiting = list(OutboxMessage.objects.filter(published_at__isnull=True))
    assert {m.routing_key for m in waiting} == {"enterprise.risk", "criterion.hit"}
    hits = list(CriterionHit.objects.filter(criterion__code="PRICE").values_list("pk", flat=True))
    # the consumer cannot reach the broker: it retries, nothing goes out, nothing is lost
    down = Consumer(name="c1", prefix=rabbit.prefix, url=DOWN)
    report = down._error

    def once(message):  # one attempt, then stop
        report(message)
        down.stop = True

    down._error = once
    down.run(retry_seconds=0)
    down.state.refresh_from_db()
    assert "broker" in down.state.last_error and outbound.waiting() == len(waiting)
    assert received(rabbit) == []
    client.force_login(history.risk_manager)  # the health page says what waits
    page = client.get("/exchange/").content.decode()  # in Vietnamese, the default
    assert f"{len(waiting)} kết quả gửi đi đang chờ trong hộp thư đi" in page
    # the broker is reachable: the consumer's loop publishes the outbox, in order, each message once
    Consumer(name="c1", prefix=rabbit.prefix, url=URL, batch_size=50, max_wait=0.1).run(idle_exit=0.3)
    out = received(rabbit)
    assert [(t, mid) for t, mid, _ in out] == [(m.routing_key, m.message_id) for m in waiting]
    by_type = {t: doc for t, _, doc in out}
    assert by_type["criterion.hit"]["criteria_hits"] == results_export.hit_records(hits)
    assert {r["tax_code"] for r in by_type["enterprise.risk"]["enterprises"]} == set(h.PEERS)
    assert outbound.waiting() == 0 and all(m.published_at for m in OutboxMessage.objects.all())
    Consumer(name="c1", prefix=rabbit.prefix, url=URL).run(idle_exit=0.3)
    assert received(rabbit) == []  # published once


def test_a_message_published_again_after_a_lost_mark_has_the_same_id(history, rabbit):  # noqa: F811
    store_batch([Delivery(body=b) for b in bodies(new_rows())], on_changes=outbound.enqueue_changes)
    outbound.flush(rabbit.channel, rabbit.names)
    first = received(rabbit)
    OutboxMessage.objects.update(published_at=None)  # killed after the broker's confirmation, before the mark
    outbound.flush(rabbit.channel, rabbit.names)
    again = received(rabbit)
    assert [mid for _, mid, _ in again] == [mid for _, mid, _ in first]  # the receiver drops the repeats


def test_the_changes_and_their_messages_commit_together_or_not_at_all(history, monkeypatch):  # noqa: F811
    def fails(*args, **kwargs):
        raise RuntimeError("killed during the enterprise risk")

    assess = scoring.assess
    monkeypatch.setattr(scoring, "assess", fails)
    outcome = store_batch([Delivery(body=b) for b in bodies(new_rows())], consumer="c2",
                          on_changes=outbound.enqueue_changes)  # stored; risk on arrival failed (logged)
    assert outcome.batch.declarations and Batch.objects.get(pk=outcome.batch.pk).scored_at is None
    assert not CriterionHit.objects.exists() and not OutboxMessage.objects.exists()
    monkeypatch.setattr(scoring, "assess", assess)
    assert consumer.recover("c2", on_changes=outbound.enqueue_changes) == 1  # at the next start
    assert {m.routing_key for m in OutboxMessage.objects.all()} == {"enterprise.risk", "criterion.hit"}
    assert CriterionHit.objects.filter(criterion__code="PRICE").exists()


def test_a_target_list_made_while_the_broker_is_down_goes_out_later(history, rabbit, settings,  # noqa: F811
                                                                     django_capture_on_commit_callbacks):
    org = history
    store_batch([Delivery(body=b) for b in bodies(new_rows())])
    EnterpriseRisk.objects.update(classification="target", score=90)
    for e in Enterprise.objects.filter(tax_code__in=h.PEERS):
        EnterpriseRisk.objects.filter(tax_code=e.tax_code).update(enterprise=e)
    settings.STQ_BROKER_URL = DOWN
    with django_capture_on_commit_callbacks(execute=True):  # the attempt after the commit fails: it waits
        tl = services.target_list_generate(actor=org.risk_manager, unit=org.kv01pt,
                                           period=str(timezone.localdate().year), capacity=2, exploration_share=0,
                                           seed=1)
    assert outbound.waiting() == 1 and received(rabbit) == []
    settings.STQ_BROKER_URL = URL
    assert outbound.flush(rabbit.channel, rabbit.names) == 1
    [(kind, _, doc)] = received(rabbit)
    assert kind == "target.pick" and doc["target_picks"] == results_export.pick_records(target_list_id=tl.pk)
    assert outbound.flush(rabbit.channel, rabbit.names) == 0
