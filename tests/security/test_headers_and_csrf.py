"""Transport security, cookies, CSRF everywhere and the content security policy."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((REPO / "src" / "stq").glob("*/templates/**/*.html"))


def _settings_under(env: dict) -> dict:
    """The settings module as a fresh process reads it from the environment."""
    code = ("import json, stq.settings as s; print(json.dumps({k: getattr(s, k, None) for k in ["
            "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', "
            "'SECURE_SSL_REDIRECT', 'DEBUG']}))")
    base = {k: v for k, v in os.environ.items() if not k.startswith("STQ_")}
    out = subprocess.run([sys.executable, "-c", code], env={**base, "PYTHONPATH": str(REPO / "src"), **env},
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_behind_tls_cookies_are_secure_and_hsts_is_sent():
    tls = _settings_under({"STQ_BEHIND_TLS": "1", "STQ_SECRET_KEY": "x" * 50})
    assert tls["SESSION_COOKIE_SECURE"] and tls["CSRF_COOKIE_SECURE"] and tls["SECURE_SSL_REDIRECT"]
    assert tls["SECURE_HSTS_SECONDS"] >= 31536000
    assert tls["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    plain = _settings_under({"STQ_DEBUG": "1"})
    assert not plain["SESSION_COOKIE_SECURE"] and not plain["SECURE_HSTS_SECONDS"]


def test_production_settings_refuse_to_start_without_a_secret_key():
    with pytest.raises(subprocess.CalledProcessError):
        _settings_under({"STQ_DEBUG": "0"})


def test_https_responses_carry_hsts_and_secure_cookies(settings, org):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    page = client.get("/login/")
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")
    assert page.cookies["csrftoken"]["secure"]
    signed_in = client.post("/login/", {"username": "officer1", "password": "pw-Stq-2026"})
    assert signed_in.status_code == 302
    session = signed_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_csrf_is_enforced_on_forms_and_on_session_authenticated_api_calls(org):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "officer1", "password": "pw-Stq-2026"}).status_code == 403
    token = client.get("/login/").cookies["csrftoken"].value
    assert client.post("/login/", {"username": "officer1", "password": "pw-Stq-2026",
                                   "csrfmiddlewaretoken": token}).status_code == 302
    # signed in with the session cookie: the API still wants the CSRF token for writes
    refused = client.post("/api/v1/units/KV01-PT/grants/", {"user": "officer1b", "role": "analyst"},
                          content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]


def _views(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_no_view_is_exempt_from_csrf():
    """Django views keep the CSRF middleware; DRF views are exempt from it but SessionAuthentication re-checks."""
    exempt = []
    for route, view in _views(get_resolver()):
        if not getattr(view, "csrf_exempt", False):
            continue
        cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
        if cls is not None and issubclass(cls, APIView):
            continue
        exempt.append(route)
    assert exempt == []


def test_content_security_policy_forbids_inline_and_foreign_scripts(client):
    policy = client.get("/login/")["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"] and "'unsafe-inline'" not in directives["style-src-elem"]
    assert "'unsafe-inline'" not in directives["style-src"] and "'unsafe-eval'" not in policy


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.I)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(REPO / "src" / "stq")))
def test_templates_have_no_inline_scripts(template):
    text = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to a static .js file"
    assert not EVENT_HANDLER.search(text), "on…= handler attribute: use addEventListener in a static .js file"
    assert not JS_URL.search(text)
    if "pdf" not in template.name:  # templates rendered to PDF on the server are not pages: no CSP applies
        assert "<style" not in text, "<style> element: move the rules to a static .css file"


def test_django_deployment_checks_pass_with_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("STQ_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update({"PYTHONPATH": str(REPO / "src"), "STQ_BEHIND_TLS": "1", "STQ_ALLOWED_HOSTS": "stq.example",
                "STQ_SECRET_KEY": "k9#Vq2!xLp7@Zr4$Wm8^Tn3&Yb6*Hc1(Jd5)Fg0-Ps2+Qe7=Ru4", "DATABASE_URL": "sqlite:///:memory:"})
    out = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--tag", "security"], cwd=REPO, env=env,
                         capture_output=True, text=True)
    warnings = set(re.findall(r"\(security\.(W\d+)\)", out.stdout + out.stderr))
    assert warnings <= {"W021"}, out.stderr  # W021: HSTS preload, a deliberate choice (it cannot be undone quickly)
