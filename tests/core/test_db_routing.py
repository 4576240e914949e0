"""Issue #21 pieces that need no cluster: the multi-host DATABASE_URL, the replica router's decisions and the
read-your-writes pin, and the 503 a database switch answers. The real replica and failover:
tests/ops/test_high_availability.py."""

import json
import time

import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from stq import dburl
from stq.core import db_routing
from stq.core.db_unavailable import DatabaseUnavailableMiddleware


def test_multi_host_url_becomes_libpq_host_and_port_lists():
    config = dburl.parse("postgres://stq:p%40ss@db1:5432,db2:5433,[::1]:5434/stq_prod"
                         "?target_session_attrs=read-write&connect_timeout=3", conn_max_age=60)
    assert config["HOST"] == "db1,db2,::1" and config["PORT"] == "5432,5433,5434"
    assert config["NAME"] == "stq_prod" and config["USER"] == "stq" and config["PASSWORD"] == "p@ss"
    assert config["OPTIONS"] == {"target_session_attrs": "read-write", "connect_timeout": 3}
    assert dburl.parse("postgres://stq@db1,db2/stq")["PORT"] == "5432"  # default port for every host
    single = dburl.parse("postgres://stq@db1:5432/stq")
    assert single["HOST"] == "db1" and single["PORT"] == 5432


def test_multi_host_url_refused_for_other_engines_and_empty_hosts():
    with pytest.raises(ValueError, match="only supported for PostgreSQL"):
        dburl.parse("mysql://u@h1,h2/db")
    with pytest.raises(ValueError, match="empty host"):
        dburl.parse("postgres://u@h1,,h2/db")


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(db_routing, "replica_configured", lambda: True)
    monkeypatch.setattr(db_routing, "_replica_answers", lambda: True)


def _through_middleware(request, status=200):
    seen = {}

    def view(req):
        seen["db"] = db_routing.ReplicaRouter().db_for_read(None)
        return HttpResponse(status=status)

    response = db_routing.ReplicaReadMiddleware(view)(request)
    return seen["db"], response


@pytest.mark.parametrize("path", ["/reports/form-19/", "/declarations/", "/api/v1/declarations/", "/risk/alerts/",
                                  "/api/v1/risk/criteria/", "/audits/export.xlsx"])
def test_heavy_reads_go_to_the_replica(with_replica, path):
    db, response = _through_middleware(RequestFactory().get(path))
    assert db == "replica" and db_routing.PIN_COOKIE not in response.cookies
    assert db_routing.ReplicaRouter().db_for_read(None) == "default"  # only inside that request


@pytest.mark.parametrize("path", ["/collection/", "/declarations/imports/3/", "/api/v1/declarations/imports/3/",
                                  "/enterprises/"])
def test_other_reads_stay_on_the_primary(with_replica, path):
    assert _through_middleware(RequestFactory().get(path))[0] == "default"


def test_a_write_pins_the_client_to_the_primary_for_a_while(with_replica, settings):
    settings.STQ_REPLICA_PIN_SECONDS = 10
    db, response = _through_middleware(RequestFactory().post("/reports/form-19/reconcile/"))
    assert db == "default"
    cookie = response.cookies[db_routing.PIN_COOKIE]
    assert cookie["max-age"] == 10 and cookie["httponly"]
    assert time.time() + 8 < float(cookie.value) <= time.time() + 11
    pinned = RequestFactory().get("/reports/form-19/")
    pinned.COOKIES[db_routing.PIN_COOKIE] = cookie.value
    assert _through_middleware(pinned)[0] == "default"  # reads its own write on the primary
    expired = RequestFactory().get("/reports/form-19/")
    expired.COOKIES[db_routing.PIN_COOKIE] = str(time.time() - 1)
    assert _through_middleware(expired)[0] == "replica"


def test_a_refused_write_does_not_pin(with_replica):
    assert db_routing.PIN_COOKIE not in _through_middleware(RequestFactory().post("/x/"), status=403)[1].cookies


def test_an_unreachable_replica_leaves_the_reads_on_the_primary(monkeypatch):
    monkeypatch.setattr(db_routing, "replica_configured", lambda: True)
    monkeypatch.setattr(db_routing, "_replica_answers", lambda: False)
    assert _through_middleware(RequestFactory().get("/reports/"))[0] == "default"


def test_without_a_replica_everything_reads_the_primary():
    assert _through_middleware(RequestFactory().get("/reports/"))[0] == "default"


def test_router_writes_and_migrates_on_the_primary_only():
    router = db_routing.ReplicaRouter()
    assert router.db_for_write(None) == "default"
    assert router.allow_migrate("default", "core") and not router.allow_migrate("replica", "core")


@pytest.mark.parametrize("path, api", [("/api/v1/info-collections/", True), ("/collection/", False)])
def test_a_database_switch_answers_503_with_retry_after(path, api):
    request = RequestFactory().post(path)
    response = DatabaseUnavailableMiddleware(lambda r: None).process_exception(
        request, OperationalError("connection to server failed"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    if api:
        assert json.loads(response.content)["code"] == "database_unavailable"
    else:
        assert b"<p>" in response.content
    assert DatabaseUnavailableMiddleware(lambda r: None).process_exception(request, ValueError()) is None
