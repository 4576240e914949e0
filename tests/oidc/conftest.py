"""A real OpenID Connect provider (django-oauth-toolkit) served in a subprocess for the central sign-in tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

REPO = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "stq-test-client", "stq-test-secret-0123456789"
ROLE_MAP = {"ktstq-officer": "officer", "ktstq-leader": "approver", "ktstq-dept-leader": "approver+"}
PASSWORD = "provider-Pw-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def provider(live_server):
    with tempfile.TemporaryDirectory(prefix="stq-oidc-provider-") as tmp:  # not tmp_path: parallel sessions prune it
        yield from _serve(Path(tmp), live_server)


def _serve(data: Path, live_server):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (data / "rsa.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    claims_file = data / "claims.json"
    claims_file.write_text("{}")
    users = [{"username": name, "password": PASSWORD, "email": f"{name}@customs.example", "first_name": "Nguyễn",
              "last_name": name.title()} for name in ("lan", "minh", "hoa", "tuan")]
    port = _free_port()
    env = {**os.environ, "PROVIDER_DATA_DIR": str(data), "PROVIDER_CLAIMS_FILE": str(claims_file),
           "DJANGO_SETTINGS_MODULE": "tests.oidc.provider.settings", "PYTHONPATH": str(REPO),
           "PROVIDER_SETUP": json.dumps({
               "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
               "redirect_uri": f"{live_server.url}/oidc/callback/", "post_logout_uri": f"{live_server.url}/login/",
               "users": users})}
    for name in ("DATABASE_URL", "STQ_DEBUG"):
        env.pop(name, None)
    log = (data / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "tests.oidc.provider.serve", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=log, text=True)
    subs = {}
    deadline = time.monotonic() + 60
    for line in proc.stdout:
        if line.startswith("sub "):
            _, name, sub = line.split()
            subs[name] = sub
        if line.strip() == "ready" or time.monotonic() > deadline:
            break
    base = f"http://127.0.0.1:{port}"
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("the OIDC provider did not start: " + (data / "server.log").read_text()[-2000:])
    yield SimpleNamespace(url=base, subs=subs, claims_file=claims_file, password=PASSWORD, stq=live_server.url)
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def central_sign_in(settings, provider):
    """STQ configured for the test provider, as the STQ_OIDC_* environment variables would do in production."""
    settings.STQ_OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.url}/o/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.url}/o/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider.url}/o/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider.url}/o/.well-known/jwks.json"
    settings.STQ_OIDC_LOGOUT_ENDPOINT = f"{provider.url}/o/logout/"
    settings.STQ_OIDC_ROLE_MAP = ROLE_MAP
    return provider


def set_claims(provider, username: str, claims: dict) -> None:
    current = json.loads(provider.claims_file.read_text())
    current[username] = claims
    provider.claims_file.write_text(json.dumps(current))
