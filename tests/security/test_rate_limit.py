"""Failed sign-ins are limited per client address and per user name; successful ones never count."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

LIMIT = 5


@pytest.fixture
def limits(settings):
    settings.STQ_RATE_LIMITS = {"attempts": LIMIT, "window_seconds": 300}


def test_the_sign_in_form_refuses_after_too_many_failures(org, limits):
    client = Client()
    for _ in range(LIMIT):
        assert client.post("/login/", {"username": "officer1", "password": "wrong"}).status_code == 200
    blocked = client.post("/login/", {"username": "officer1", "password": "pw-Stq-2026"})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) == 300
    # another address is still refused for this user name (a distributed guess at one account) ...
    other = Client(REMOTE_ADDR="10.9.8.7").post("/login/", {"username": "officer1", "password": "pw-Stq-2026"})
    assert other.status_code == 429
    # ... but may sign in as someone else
    assert Client(REMOTE_ADDR="10.9.8.7").post("/login/", {"username": "officer2",
                                                            "password": "pw-Stq-2026"}).status_code == 302


def test_the_token_endpoint_refuses_after_too_many_failures(org, limits):
    client = APIClient()
    for attempt in range(LIMIT):
        answer = client.post("/api/v1/auth/token/", {"username": f"guess{attempt}", "password": "x"}, format="json")
        assert answer.status_code == 400
    blocked = client.post("/api/v1/auth/token/", {"username": "officer1", "password": "pw-Stq-2026"}, format="json")
    assert blocked.status_code == 429 and blocked.json()["code"] == "rate_limited"


def test_successful_sign_ins_do_not_count(org, limits):
    for _ in range(LIMIT * 2):
        assert Client().post("/login/", {"username": "officer1", "password": "pw-Stq-2026"}).status_code == 302
        answer = APIClient().post("/api/v1/auth/token/", {"username": "officer1", "password": "pw-Stq-2026"},
                                  format="json")
        assert answer.status_code == 200


def test_behind_the_proxy_the_forwarded_address_is_the_client(org, limits, settings):
    settings.STQ_TRUST_X_FORWARDED_FOR = True
    for attempt in range(LIMIT):
        Client(HTTP_X_FORWARDED_FOR="203.0.113.5").post("/login/", {"username": f"u{attempt}", "password": "x"})
    assert Client(HTTP_X_FORWARDED_FOR="203.0.113.5").post(
        "/login/", {"username": "officer2", "password": "pw-Stq-2026"}).status_code == 429
    assert Client(HTTP_X_FORWARDED_FOR="203.0.113.6").post(
        "/login/", {"username": "officer2", "password": "pw-Stq-2026"}).status_code == 302


def test_failed_returns_from_the_central_sign_in_are_limited_too(limits, settings):
    settings.STQ_OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "stq"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://sso.example/auth"
    client = Client()
    for _ in range(LIMIT):  # no sign-in was started in this session: each return is refused and sent to /login/
        answer = client.get("/oidc/callback/?code=guess&state=guess")
        assert answer.status_code == 302 and answer["Location"] == "/login/"
    assert client.get("/oidc/callback/?code=guess&state=guess").status_code == 429
