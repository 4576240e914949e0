"""The production set-up, started for real: collectstatic, gunicorn with deploy/gunicorn.conf.py, STQ_DEBUG=0,
TLS behind a proxy, JSON logs — then probes, static files and security headers over HTTP."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from .conftest import database_url

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production_server(db):
    # Not tmp_path: pytest prunes old numbered temp dirs, and parallel sessions on this machine would prune ours.
    with tempfile.TemporaryDirectory(prefix="stq-production-test-") as tmp:
        yield from _serve(Path(tmp))


def _serve(tmp_path: Path):
    url = database_url()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STQ_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update({"PYTHONPATH": str(REPO / "src"), "DJANGO_SETTINGS_MODULE": "stq.settings", "DATABASE_URL": url,
                "STQ_SECRET_KEY": "s" * 50, "STQ_VAR_DIR": str(tmp_path), "STQ_BEHIND_TLS": "1",
                "STQ_LOG_FORMAT": "json", "STQ_BIND": f"127.0.0.1:{port}", "STQ_WEB_WORKERS": "1",
                "STQ_WEB_THREADS": "2"})
    skip_big = [arg for name in ("drf_spectacular_sidecar", "rest_framework", "admin", "help", "reports", "django_htmx")
                for arg in ("-i", name)]  # compressing every library's files takes a minute on this machine
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0", *skip_big], cwd=REPO, env=env,
                   check=True, timeout=300)
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen([str(GUNICORN), "-c", "deploy/gunicorn.conf.py", "stq.wsgi"], cwd=REPO, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/healthz/", timeout=2)
                break
            except requests.RequestException:
                if server.poll() is not None:
                    break
                time.sleep(0.3)
        else:
            server.kill()
        if server.poll() is not None:
            raise RuntimeError("gunicorn did not start:\n" + log.read_text()[-3000:])
        try:
            yield base, log, tmp_path
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_gunicorn_serves_probes_static_files_and_security_headers(production_server):
    base, log, var = production_server
    https = {"X-Forwarded-Proto": "https"}
    assert requests.get(f"{base}/healthz/", timeout=10).json() == {"status": "ok"}  # plain HTTP allowed
    ready = requests.get(f"{base}/readyz/", timeout=10)
    assert ready.status_code == 200, ready.text
    redirected = requests.get(f"{base}/login/", allow_redirects=False, timeout=10)
    assert redirected.status_code == 301 and redirected.headers["Location"].startswith("https://")
    page = requests.get(f"{base}/login/", headers=https, timeout=10)
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "secure" in page.headers["Set-Cookie"].lower()  # the CSRF cookie
    css = requests.get(f"{base}/static/vendor/bootstrap/bootstrap.min.css",
                       headers={**https, "Accept-Encoding": "gzip"}, timeout=10)
    assert css.status_code == 200 and css.headers.get("Content-Encoding") == "gzip"
    assert (var / "static" / "vendor").is_dir()  # collectstatic wrote to STQ_VAR_DIR/static
    time.sleep(0.5)
    lines = [json.loads(line) for line in log.read_text().splitlines()]  # every line is JSON
    access = [entry for entry in lines if entry.get("logger") == "gunicorn.access"]
    assert any(entry["path"] == "/readyz/" and entry["status"] == 200 for entry in access)
    assert any(entry.get("logger") == "gunicorn.error" and "Listening at" in entry["message"] for entry in lines)
