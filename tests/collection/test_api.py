"""The REST API: list/create/read/edit, one endpoint for every action (409 in the wrong state), results, duplicates."""

import pytest
from rest_framework.test import APIClient

from stq.collection.models import CollectionResult, InfoCollection

from .factories import BRANCH_CODE, act, branch, enterprise, proposal

pytestmark = pytest.mark.django_db
BASE = "/api/v1/info-collections/"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def new_payload(**kw):
    return {"unit": "KV01-PT", "enterprise": "0100109106", "signs": "Giá khai báo thấp", "risk_areas": ["VALUATION"],
            "collection_form": "outside_body", "addressee": "Ngân hàng ABC", "planned_start": "2026-03-02",
            "planned_end": "2026-03-10", **kw}


def test_create_read_patch_and_list(org):
    enterprise()
    r = api(org.officer1).post(BASE, new_payload(), format="json")
    assert r.status_code == 201, r.data
    pk = r.data["id"]
    assert r.data["state"] == "draft" and r.data["risk_areas"] == ["VALUATION"] and "submit" in r.data[
        "available_actions"]
    r = api(org.officer1).patch(f"{BASE}{pk}/", {"addressee": "Cục Thuế", "version": r.data["version"]}, format="json")
    assert r.status_code == 200 and r.data["addressee"] == "Cục Thuế"
    r = api(org.officer1).patch(f"{BASE}{pk}/", {"addressee": "X", "version": 1}, format="json")
    assert r.status_code == 409 and r.data["code"] == "stale"
    assert api(org.officer1).get(BASE).data["count"] == 1
    assert api(org.officer2).get(BASE).data["count"] == 0  # another unit does not see it
    assert api(org.officer2).get(f"{BASE}{pk}/").status_code == 404
    assert api(org.leader_kv01).get(BASE, {"risk_area": "VALUATION", "state": "draft"}).data["count"] == 1
    assert api(org.leader_kv01).get(BASE, {"risk_area": "ORIGIN"}).data["count"] == 0


def test_create_validation_and_permission(org):
    enterprise()
    r = api(org.officer1).post(BASE, new_payload(enterprise="0100109107", planned_end="2026-03-01"), format="json")
    assert r.status_code == 400 and "enterprise" in r.data["fields"]
    r = api(org.officer1).post(BASE, new_payload(planned_end="2026-03-01"), format="json")
    assert r.status_code == 400 and r.data["code"] == "invalid" and "planned_end" in r.data["fields"]
    r = api(org.officer2).post(BASE, new_payload(), format="json")
    assert r.status_code == 403 and r.data["code"] == "forbidden"
    assert not InfoCollection.objects.exists()


def test_actions_endpoint_and_results(org):
    case = proposal(org.officer1, org.kv01pt)
    url = f"{BASE}{case.pk}/actions/"
    r = api(org.approver1).post(url, {"action": "approve"}, format="json")
    assert r.status_code == 409 and r.data["code"] == "invalid_state"
    assert api(org.officer1).post(url, {"action": "fly"}, format="json").status_code == 400
    assert api(org.officer1).post(url, {"action": "submit"}, format="json").data["state"] == "submitted"
    r = api(org.officer1).post(url, {"action": "approve"}, format="json")
    assert r.status_code == 403
    r = api(org.approver1).post(url, {"action": "return"}, format="json")
    assert r.status_code == 400 and r.data["code"] == "note_required" and "note" in r.data["fields"]
    assert api(org.approver1).post(url, {"action": "approve"}, format="json").data["state"] == "in_progress"
    results = [{"risk_area": a.code, "findings": "Giá thấp 30%", "amount_at_risk": 120_000_000,
                "recommendation": "field_audit"} for a in case.risk_areas.all()]
    bad = [dict(results[0], amount_at_risk=-1)]
    r = api(org.officer1).put(f"{BASE}{case.pk}/results/", {"results": bad}, format="json")
    assert r.status_code == 400 and not CollectionResult.objects.exists()
    r = api(org.officer1).put(f"{BASE}{case.pk}/results/", {"results": results}, format="json")
    assert r.status_code == 200 and len(r.data["results"]) == 2
    for action in ("record_results", "submit_report"):
        assert api(org.officer1).post(url, {"action": action}, format="json").status_code == 200
    r = api(org.approver1).post(url, {"action": "close", "note": "Đồng ý"}, format="json")
    assert r.status_code == 200 and r.data["state"] == "closed" and r.data["leader_opinion"] == "Đồng ý"


def test_duplicates_endpoint(org):
    head = enterprise()
    branch(head)
    act(org.officer2, proposal(org.officer2, org.kv02pt, head), "submit")
    r = api(org.officer1).get("/api/v1/duplicates/", {"tax_code": BRANCH_CODE})
    assert r.status_code == 200 and [d["unit_code"] for d in r.data] == ["KV02-PT"]
    assert set(r.data[0]) == {"kind", "kind_label", "unit_code", "unit_name", "number", "state", "state_label",
                              "tax_code", "enterprise_name", "dates"}
    r = api(org.officer1).get("/api/v1/duplicates/", {"tax_code": "123"})
    assert r.status_code == 400 and r.data["code"] == "invalid_tax_code"
    assert api(org.nobody).get("/api/v1/duplicates/", {"tax_code": BRANCH_CODE}).status_code == 403
    assert APIClient().get("/api/v1/duplicates/", {"tax_code": BRANCH_CODE}).status_code in (401, 403)
