"""Operations: the health page (lag, rate, dead letters, last error), the JSON log line of each batch, and the
broker in /readyz/ when the connection is configured."""

import json
import logging

import pytest

from stq.core.logging import JsonFormatter
from stq.exchange import messages
from stq.exchange.consumer import Consumer
from stq.exchange.models import ConsumerState
from tests.exchange.test_consumer import consume, decl, publish

pytestmark = pytest.mark.django_db


def test_readyz_leaves_the_broker_out_unless_configured(client, settings):
    settings.STQ_BROKER_URL = ""
    body = client.get("/readyz/").json()
    assert "broker" not in body["checks"]


def test_readyz_reports_the_broker_when_configured(client, rabbit, settings):
    response = client.get("/readyz/")
    assert response.status_code == 200 and response.json()["checks"]["broker"] == "ok"
    settings.STQ_BROKER_URL = "amqp://guest:guest@127.0.0.1:1/%2F"  # nothing listens there
    response = client.get("/readyz/")
    assert response.status_code == 503 and response.json()["checks"]["broker"] == "failing"


def test_the_health_page_shows_lag_rate_dead_letters_and_the_last_error(client, org, rabbit, caplog):
    publish([messages.from_rows(decl(i)) for i in range(1, 6)] + [b"{broken"], rabbit.prefix)
    with caplog.at_level(logging.INFO, logger="stq.exchange.consumer"):
        c = consume(rabbit.prefix)
    line = json.loads(JsonFormatter().format(next(r for r in caplog.records if r.message == "batch stored")))
    assert (line["messages"], line["declarations"], line["dead_lettered"], line["waiting"]) == (6, 5, 1, 0)
    assert line["consumer"] == c.name and line["rate"] > 0 and line["lag_seconds"] >= 0
    Consumer(name="broken-db", prefix=rabbit.prefix)._error("OperationalError: the database went away")
    client.force_login(org.risk_manager)
    page = client.get("/exchange/").content.decode()
    assert "the database went away" in page and c.name in page and "bad_json" in page
    state = ConsumerState.objects.get(name=c.name)
    assert state.rate > 0 and state.waiting == 0
    client.force_login(org.nobody)
    assert client.get("/exchange/").status_code == 403


def test_the_health_page_says_the_connection_is_off(client, org, settings):
    settings.STQ_BROKER_URL = ""
    client.force_login(org.risk_manager)
    assert 'data-testid="broker-off"' in client.get("/exchange/").content.decode()
