"""Central sign-in against a real OpenID Connect provider (django-oauth-toolkit in a subprocess), over HTTP."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from stq.org.models import Role, RoleGrant, User
from stq.org.services import PROVIDER_REASON
from tests.factories import GrantFactory, UnitFactory, UserFactory

from .conftest import CLIENT_ID, CLIENT_SECRET, set_claims

pytestmark = pytest.mark.django_db(transaction=True)


def _provider_login(session: requests.Session, provider, response, username: str) -> requests.Response:
    """Fill in the provider's own sign-in form (the page a person would see)."""
    assert response.url.startswith(f"{provider.url}/accounts/login/"), response.url
    return session.post(response.url, data={
        "username": username, "password": provider.password,
        "csrfmiddlewaretoken": session.cookies.get("provider_csrftoken"),
        "next": parse_qs(urlsplit(response.url).query)["next"][0],
    }, allow_redirects=True, timeout=30)


def sign_in(provider, username: str) -> tuple[requests.Session, requests.Response]:
    """STQ's "sign in with the sector account" link → the provider's form → back to STQ, following redirects."""
    session = requests.Session()
    first = session.get(f"{provider.stq}/oidc/authenticate/", timeout=30)
    return session, _provider_login(session, provider, first, username)


def active_grants(user) -> set[tuple[str, str, bool]]:
    return {(g.role, g.unit.code, g.include_units_below) for g in RoleGrant.objects.active().filter(user=user)}


def test_first_sign_in_creates_the_user_by_sub_and_maps_unit_and_roles(central_sign_in):
    provider = central_sign_in
    UnitFactory(code="KV01-PT", name="Đội KTSTQ KV I")
    set_claims(provider, "lan", {"stq_unit": "KV01-PT", "stq_roles": ["ktstq-officer", "no-such-group"]})

    session, landed = sign_in(provider, "lan")

    assert landed.status_code == 200 and landed.url == f"{provider.stq}/"
    user = User.objects.get(external_subject=provider.subs["lan"])
    assert user.username == "lan" and user.email == "lan@customs.example" and user.unit.code == "KV01-PT"
    assert not user.has_usable_password() and not user.is_staff and not user.is_superuser
    assert active_grants(user) == {("officer", "KV01-PT", False)}
    made = RoleGrant.history.get(user_id=user.pk, history_type="+")
    assert made.history_change_reason == PROVIDER_REASON and made.granted_by is None
    me = session.get(f"{provider.stq}/api/v1/me/", timeout=30).json()  # the STQ session works for the API
    assert me["username"] == "lan" and [g["role"] for g in me["roles"]] == ["officer"]


def test_changed_claims_move_provider_grants_but_keep_grants_made_by_an_administrator(central_sign_in):
    provider = central_sign_in
    unit = UnitFactory(code="KV02-PT", name="Đội KTSTQ KV II")
    set_claims(provider, "tuan", {"stq_unit": "KV02-PT", "stq_roles": "ktstq-officer ktstq-dept-leader"})
    sign_in(provider, "tuan")
    user = User.objects.get(external_subject=provider.subs["tuan"])
    assert active_grants(user) == {("officer", "KV02-PT", False), ("approver", "KV02-PT", True)}
    GrantFactory(user=user, role=Role.ANALYST, unit=unit)  # made by the unit administrator, not by the provider

    set_claims(provider, "tuan", {"stq_unit": "KV02-PT", "stq_roles": ["ktstq-leader"]})
    sign_in(provider, "tuan")

    assert User.objects.filter(external_subject=provider.subs["tuan"]).count() == 1  # same account, by sub
    assert active_grants(user) == {("approver", "KV02-PT", False), ("analyst", "KV02-PT", False)}


def test_unmapped_claims_grant_nothing_and_never_administrator(central_sign_in):
    provider = central_sign_in
    UnitFactory(code="KV03", name="Chi cục KV III")
    set_claims(provider, "hoa", {"stq_unit": "KV03", "stq_roles": ["admin", "unit_admin", "superuser"]})

    session, landed = sign_in(provider, "hoa")

    assert landed.url == f"{provider.stq}/"
    user = User.objects.get(external_subject=provider.subs["hoa"])
    assert active_grants(user) == set()
    assert not user.is_staff and not user.is_superuser
    assert session.get(f"{provider.stq}/api/v1/units/KV03/grants/", timeout=30).status_code == 404


def test_roles_without_a_known_unit_grant_nothing(central_sign_in):
    provider = central_sign_in
    set_claims(provider, "hoa", {"stq_unit": "NO-SUCH-UNIT", "stq_roles": ["ktstq-officer"]})
    sign_in(provider, "hoa")
    user = User.objects.get(external_subject=provider.subs["hoa"])
    assert user.unit is None and active_grants(user) == set()


def test_a_local_account_with_the_same_email_is_not_taken_over(central_sign_in):
    provider = central_sign_in
    local = UserFactory(username="minh", email="minh@customs.example")
    set_claims(provider, "minh", {})

    sign_in(provider, "minh")

    central = User.objects.get(external_subject=provider.subs["minh"])
    assert central.pk != local.pk and central.username != "minh"
    local.refresh_from_db()
    assert local.external_subject is None


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def provider_access_token(provider, username: str) -> str:
    """An access token issued by the provider to the STQ client (authorization code flow with PKCE)."""
    session = requests.Session()
    verifier, challenge = _pkce()
    redirect_uri = f"{provider.stq}/oidc/callback/"
    login_page = session.get(f"{provider.url}/o/authorize/", params={
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect_uri, "scope": "openid email profile",
        "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"}, timeout=30)
    response = session.post(login_page.url, data={
        "username": username, "password": provider.password,
        "csrfmiddlewaretoken": session.cookies.get("provider_csrftoken"),
        "next": parse_qs(urlsplit(login_page.url).query)["next"][0]}, allow_redirects=False, timeout=30)
    while not response.headers["Location"].startswith(redirect_uri):
        response = session.get(requests.compat.urljoin(provider.url, response.headers["Location"]),
                               allow_redirects=False, timeout=30)
    code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
    token = requests.post(f"{provider.url}/o/token/", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET, "code_verifier": verifier}, timeout=30)
    token.raise_for_status()
    return token.json()["access_token"]


def test_the_api_accepts_the_providers_bearer_token(central_sign_in):
    provider = central_sign_in
    UnitFactory(code="KV04", name="Chi cục KV IV")
    set_claims(provider, "lan", {"stq_unit": "KV04", "stq_roles": ["ktstq-leader"]})
    token = provider_access_token(provider, "lan")

    me = requests.get(f"{provider.stq}/api/v1/me/", headers={"Authorization": f"Bearer {token}"}, timeout=30)

    assert me.status_code == 200, me.text
    body = me.json()
    assert body["username"] == "lan" and body["unit"]["code"] == "KV04"
    assert [(g["role"], g["unit"]) for g in body["roles"]] == [("approver", "KV04")]
    assert User.objects.get(external_subject=provider.subs["lan"]).username == "lan"
    forged = requests.get(f"{provider.stq}/api/v1/me/", headers={"Authorization": "Bearer not-a-real-token"},
                          timeout=30)
    assert forged.status_code in (401, 403)


def test_sign_out_ends_the_session_at_the_provider_too(central_sign_in):
    provider = central_sign_in
    set_claims(provider, "lan", {})
    session, _landed = sign_in(provider, "lan")

    out = session.post(f"{provider.stq}/logout/", headers={"X-CSRFToken": session.cookies.get("csrftoken")},
                       allow_redirects=False, timeout=30)

    assert out.status_code == 302 and out.headers["Location"].startswith(f"{provider.url}/o/logout/")
    assert "id_token_hint=" in out.headers["Location"]
    back = session.get(out.headers["Location"], timeout=30)
    assert back.url == f"{provider.stq}/login/"
    assert session.get(f"{provider.stq}/api/v1/me/", timeout=30).status_code in (401, 403)
    again = session.get(f"{provider.stq}/oidc/authenticate/", timeout=30)  # the provider asks for the password again
    assert again.url.startswith(f"{provider.url}/accounts/login/")


def test_the_sign_in_page_offers_the_central_sign_in_only_when_configured(client, settings, central_sign_in):
    assert 'data-testid="central-sign-in"' in client.get("/login/").content.decode()
    settings.STQ_OIDC_ENABLED = False
    assert 'data-testid="central-sign-in"' not in client.get("/login/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
    token = provider_access_token(central_sign_in, "lan")  # a real token, but the central sign-in is off
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code in (401, 403)


def test_a_deactivated_account_cannot_sign_in_centrally_nor_use_a_bearer_token(central_sign_in):
    provider = central_sign_in
    set_claims(provider, "hoa", {})
    sign_in(provider, "hoa")
    user = User.objects.get(external_subject=provider.subs["hoa"])
    user.is_active = False
    user.save()

    _session, landed = sign_in(provider, "hoa")

    assert landed.url == f"{provider.stq}/login/"
    token = provider_access_token(provider, "hoa")
    refused = requests.get(f"{provider.stq}/api/v1/me/", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert refused.status_code in (401, 403)
