"""API /api/v1/risk/… and the risk pages."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from stq.enterprises.models import Enterprise
from stq.risk import scoring
from stq.risk.models import Alert, Criterion, TargetList
from stq.risk.runner import run_criteria
from tests.risk import helpers as h

pytestmark = pytest.mark.django_db


def client_for(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.fixture
def scored(org):
    h.load_fixture(org.kv01pt)
    h.all_criteria(org.risk_manager, org.chq)
    run_criteria(as_of=h.AS_OF)
    scoring.assess(dt.date(2025, 12, 1))


def test_enterprise_and_declaration_risk(org, scored):
    c = client_for(org.analyst)
    r = c.get(f"/api/v1/risk/enterprises/{h.UNDERPRICER}/")
    assert r.status_code == 200
    body = r.json()
    assert body["score"] > 0 and body["classification"] in ("target", "monitor", "not_to_audit")
    assert body["hits"][0]["criterion"] == "PRICE" and "PRICE" in body["reasons"][0]
    assert body["history"][0]["computed_on"] == "2025-12-01"
    number = body["hits"][0]["declaration"]
    r = c.get(f"/api/v1/risk/declarations/{number}/")
    assert r.status_code == 200 and r.json()["hits"][0]["criterion"] == "PRICE" and r.json()["score"] is None
    assert c.get("/api/v1/risk/enterprises/0000000000/").status_code == 404
    assert c.get("/api/v1/risk/declarations/99999999999/").status_code == 404
    assert APIClient().get(f"/api/v1/risk/enterprises/{h.UNDERPRICER}/").status_code in (401, 403)


def test_target_list_post_and_get(org, scored):
    c = client_for(org.leader_kv01)
    r = c.post("/api/v1/risk/target-lists/", {"unit": "KV01", "period": "2026-Q1", "capacity": 3,
                                              "exploration_share": 0}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert [p["rank"] for p in body["picks"]] == [1, 2, 3] and body["picks"][0]["reasons"]
    assert c.get(f"/api/v1/risk/target-lists/{body['id']}/").json()["period"] == "2026-Q1"
    assert c.get("/api/v1/risk/target-lists/").json()["count"] == 1
    r = c.post("/api/v1/risk/target-lists/", {"unit": "KV01", "period": "2026-Q1", "capacity": 3}, format="json")
    assert r.status_code == 409
    r = client_for(org.officer1).post("/api/v1/risk/target-lists/", {"unit": "KV01-PT", "period": "2026",
                                                                     "capacity": 3}, format="json")
    assert r.status_code == 403


def test_criteria_get_post_and_alerts(org, scored):
    c = client_for(org.risk_manager)
    body = c.get("/api/v1/risk/criteria/").json()
    assert {x["code"]: x["hit_count"] for x in body}["PRICE"] == 1
    r = c.post("/api/v1/risk/criteria/", {
        "code": "P30", "name": "Giá thấp", "kind": "price_below_peer_median", "params": {"ratio": 0.3},
        "risk_area": "VALUATION", "weight": 40, "rationale": "r", "valid_from": "2025-01-01", "owner_unit": "CHQ"},
        format="json")
    assert r.status_code == 201 and r.json()["params"]["min_peers"] == 5
    r = c.post("/api/v1/risk/criteria/", {
        "code": "BAD", "name": "x", "kind": "price_below_peer_median", "params": {"ratio": 3},
        "risk_area": "VALUATION", "weight": 40, "rationale": "r", "valid_from": "2025-01-01", "owner_unit": "CHQ"},
        format="json")
    assert r.status_code == 400 and "params.ratio" in r.json()["fields"]
    r = client_for(org.officer1).post("/api/v1/risk/criteria/", {
        "code": "P31", "name": "x", "kind": "price_below_peer_median", "params": {}, "risk_area": "VALUATION",
        "weight": 40, "rationale": "r", "valid_from": "2025-01-01", "owner_unit": "CHQ"}, format="json")
    assert r.status_code == 403
    Alert.objects.create(kind="price_outlier", tax_code=h.UNDERPRICER, details={"min_ratio": 0.1},
                         declaration_numbers=["100000000010"])
    body = c.get("/api/v1/risk/alerts/").json()
    assert body["count"] == 1 and "10%" in body["results"][0]["text"]
    # the list's one FilterSet: open by default, one state, all; a bad value is a 400 naming the parameter
    Alert.objects.create(kind="price_outlier", tax_code=h.UNDERPRICER, details={"min_ratio": 0.2},
                         declaration_numbers=["100000000011"], state="dismissed", dismiss_reason="Đã xác minh")
    assert c.get("/api/v1/risk/alerts/").json()["count"] == 1
    assert c.get("/api/v1/risk/alerts/", {"state": "dismissed"}).json()["count"] == 1
    assert c.get("/api/v1/risk/alerts/", {"state": "all"}).json()["count"] == 2
    r = c.get("/api/v1/risk/alerts/", {"state": "closed"})
    assert r.status_code == 400 and set(r.json()) >= {"code", "detail", "fields"} and "state" in r.json()["fields"]


def test_pages_render(org, scored, client):
    Alert.objects.create(kind="volume_surge", tax_code=h.SURGER, details={"factor": 8},
                         enterprise=Enterprise.objects.get(tax_code=h.SURGER))
    client.force_login(org.risk_manager)
    crit = Criterion.objects.get(code="PRICE")
    for url in ("/risk/", "/risk/criteria/", "/risk/criteria/new/", f"/risk/criteria/{crit.pk}/",
                f"/risk/criteria/{crit.pk}/edit/", f"/risk/criteria/{crit.pk}/preview/", "/risk/models/",
                "/risk/target-lists/", "/risk/alerts/", f"/enterprises/{h.UNDERPRICER}/"):
        r = client.get(url)
        assert r.status_code == 200, url
    assert b'data-testid="risk-section"' in client.get(f"/enterprises/{h.UNDERPRICER}/").content
    page = client.get("/risk/alerts/", {"state": "closed"}).content.decode()  # a bad state: said, and no rows
    assert 'data-testid="filter-error"' in page and 'data-testid="alerts"' not in page
    client.force_login(org.leader_kv01)
    r = client.post("/risk/target-lists/", {"unit": org.kv01.pk, "period": "2026", "capacity": 2,
                                            "exploration_share": 0})
    target_list = TargetList.objects.get()
    assert r.status_code == 302 and r.url == f"/risk/target-lists/{target_list.pk}/"
    assert client.get(r.url).status_code == 200
    client.force_login(org.risk_manager)
    alert = Alert.objects.get()
    r = client.post(f"/risk/alerts/{alert.pk}/dismiss/", {"reason": "", "version": 1})
    alert.refresh_from_db()
    assert alert.state == "new"
    client.post(f"/risk/alerts/{alert.pk}/dismiss/", {"reason": "Đã xác minh", "version": 1})
    alert.refresh_from_db()
    assert alert.state == "dismissed"
    r = client.post(f"/risk/criteria/{crit.pk}/edit/", {
        "code": "PRICE", "name": "Giá", "kind": "price_below_peer_median", "price_below_peer_median__ratio": "7",
        "risk_area": crit.risk_area_id, "weight": 60, "rationale": "r", "valid_from": "2025-01-01",
        "owner_unit": org.chq.pk, "active": "on", "version": crit.version})
    assert r.status_code == 200 and r.context["form"].errors["price_below_peer_median__ratio"]
