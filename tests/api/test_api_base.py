"""API base: schema, token sign-in, me, units, and the grants endpoint under the policy."""

import pytest
from rest_framework.test import APIClient

from stq.org.models import Role, RoleGrant


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_schema_generates(org):
    response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/auth/token/", "/api/v1/me/", "/api/v1/units/", "/api/v1/units/{code}/grants/"} <= set(paths)
    assert APIClient().get("/api/v1/docs/").status_code == 200


def test_token_sign_in_and_me(org):
    client = APIClient()
    bad = client.post("/api/v1/auth/token/", {"username": "officer1", "password": "wrong"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_credentials"
    assert "password" in bad.json()["fields"]
    ok = client.post("/api/v1/auth/token/", {"username": "officer1", "password": "pw-Stq-2026"}, format="json")
    assert ok.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {ok.json()['token']}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == "officer1" and me["unit"]["code"] == "KV01-PT"
    assert [(r["role"], r["unit"]) for r in me["roles"]] == [("officer", "KV01-PT")]


def test_anonymous_is_refused(org):
    assert APIClient().get("/api/v1/me/").status_code in (401, 403)


def test_units_tree(org):
    data = client_for(org.officer1).get("/api/v1/units/").json()
    by_code = {u["code"]: u for u in data}
    assert by_code["KV01-PT"]["parent"] == "KV01" and by_code["KV01-PT"]["path"] == "CHQ/KV01/KV01-PT/"


def test_grants_endpoint_obeys_the_policy(org):
    admin = client_for(org.admin_kv01pt)
    listed = admin.get("/api/v1/units/KV01-PT/grants/")
    assert listed.status_code == 200 and {g["user"] for g in listed.json()} >= {"officer1", "approver1"}
    created = admin.post("/api/v1/units/KV01-PT/grants/", {"user": "officer1b", "role": "approver"}, format="json")
    assert created.status_code == 201, created.json()
    # another unit's administrator sees nothing there: 404, not 403
    assert client_for(org.admin_kv02pt).get("/api/v1/units/KV01-PT/grants/").status_code == 404
    assert client_for(org.officer1).post(
        "/api/v1/units/KV01-PT/grants/", {"user": "officer1b", "role": "approver"}, format="json").status_code == 404
    # a user of another unit cannot be granted here; a bad role is a 400 naming the field
    r = admin.post("/api/v1/units/KV01-PT/grants/", {"user": "officer2", "role": "officer"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "user_not_in_unit"
    r = admin.post("/api/v1/units/KV01-PT/grants/", {"user": "officer1b", "role": "king"}, format="json")
    assert r.status_code == 400 and "role" in r.json()["fields"]
    # a second unit admin is a 409
    r = client_for(org.admin_kv01).post("/api/v1/units/KV01-PT/grants/", {"user": "officer1", "role": "unit_admin"},
                                        format="json")
    assert r.status_code == 409 and r.json()["code"] == "unit_admin_exists"
    # revoke
    grant_id = created.json()["id"]
    assert admin.delete(f"/api/v1/units/KV01-PT/grants/{grant_id}/").status_code == 204
    assert RoleGrant.objects.get(pk=grant_id).revoked_at is not None
    assert admin.delete(f"/api/v1/units/KV01-PT/grants/{grant_id}/").status_code == 409


@pytest.mark.parametrize("role", [Role.OFFICER, Role.APPROVER, Role.ANALYST, Role.RISK_MANAGER])
def test_only_the_unit_admin_lists_grants(org, role):
    user = {"officer": org.officer1, "approver": org.approver1, "analyst": org.analyst,
            "risk_manager": org.risk_manager}[role]
    assert client_for(user).get("/api/v1/units/KV01-PT/grants/").status_code == 404
