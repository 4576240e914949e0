"""Issue #21 on real servers: etcd + two Patroni nodes (primary and synchronous standby), two gunicorn web nodes
behind nginx, the task worker, Redis for the shared cache — all on loopback, started once for this module
(benchmarks/ha). In order: heavy reads from the replica with read-your-writes, a backup taken from the standby and
restored, a web node killed under load, then the failover drill (the primary killed hard).

Needs the Debian packages patroni, etcd-server, nginx (.ci/run installs them) and Redis on 127.0.0.1:6379 (db 13,
a key prefix of its own); skipped, saying which is missing, only where they are not there.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests
from benchmarks.ha import cluster as ha
from benchmarks.ha import drill
from django.db import connection

from .conftest import database_url

REPO = Path(__file__).resolve().parents[2]
REDIS_DB = 13
PIN_SECONDS = 6


def _redis():
    import redis

    return redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_timeout=2)


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("the high-availability set-up is PostgreSQL's")
    if missing := ha.missing():
        pytest.skip(f"Debian packages not installed: {', '.join(missing)} (.ci/run installs them)")
    try:
        _redis().ping()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({exc}); .ci/run installs redis-server")
    prefix = f"stq-ha-test-{uuid.uuid4().hex[:8]}"
    env = {"STQ_CACHE_URL": f"redis://127.0.0.1:6379/{REDIS_DB}", "STQ_CACHE_KEY_PREFIX": prefix,
           "STQ_SIGNIN_MAX_FAILURES": "3", "STQ_REPLICA_PIN_SECONDS": str(PIN_SECONDS)}
    with django_db_blocker.unblock(), drill.Stack(database_url(), replica=True, extra_env=env) as s:
        s.prefix = prefix
        print("high-availability stack up:", s.timings)
        try:
            yield s
        finally:
            _clear_cache(prefix)


def _clear_cache(prefix: str) -> None:
    r = _redis()
    for key in r.scan_iter(match=f"{prefix}:*", count=500):
        r.delete(key)


class ReplayGate:
    """Holds the standby's replay back for real: the standby holds a lock on a small table, the primary takes an
    ACCESS EXCLUSIVE lock on it (WAL-logged), and replay waits at that record (max_standby_streaming_delay = -1)
    while every later change stays unapplied. Commits go on: synchronous_commit waits for the standby's flush, not
    its replay. (pg_wal_replay_pause() cannot do it: Patroni resumes a paused replay.)"""

    def __init__(self, stack):
        self.primary = psycopg.connect(stack.cluster.node_url(stack.cluster.leader()), autocommit=True)
        self.standby = psycopg.connect(stack.cluster.node_url(stack.cluster.standby()), autocommit=True)

    def __enter__(self):
        self.primary.execute("CREATE TABLE IF NOT EXISTS ha_replay_gate (x int)")
        ha.wait_for(lambda: self.standby.execute("SELECT to_regclass('ha_replay_gate')").fetchone()[0], 30,
                    "the gate table on the standby")
        self.standby.execute("BEGIN")
        self.standby.execute("LOCK TABLE ha_replay_gate IN ACCESS SHARE MODE")
        with self.primary.transaction():
            self.primary.execute("LOCK TABLE ha_replay_gate IN ACCESS EXCLUSIVE MODE")
        return self

    def __exit__(self, *exc):
        self.standby.execute("COMMIT")
        self.primary.execute("DROP TABLE ha_replay_gate")
        self.primary.close()
        self.standby.close()


def _count(session, base, number) -> int:
    r = session.get(f"{base}/api/v1/declarations/", params={"number": number}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["count"]


def test_heavy_reads_go_to_the_replica_and_a_writer_reads_its_own_write(stack, tmp_path):
    """Replay on the standby is held back: the import's declarations are on the primary only. The client that sent
    the import (pinned to the primary by its cookie) finds them; another client's declaration search, served by the
    replica, does not — until replay goes on."""
    base, seed = stack.nginx.base, stack.seed
    writer = drill.api_session(base, seed["risk_manager"], seed["password"])
    reader = drill.api_session(base, seed["risk_manager"], seed["password"])  # same person, another client
    reader.cookies.clear()  # its sign-in (a POST) pinned it to the primary for PIN_SECONDS
    path = tmp_path / "replica.csv"
    drill.write_import_file(path, 300, seed["tax_codes"], start_number=7000)
    number = sorted(drill.import_numbers(path))[0]
    with ReplayGate(stack):
        job = drill.upload_import(writer, base, path)
        assert "stq_primary_until" in writer.cookies  # the write pinned this client to the primary
        ha.wait_for(lambda: drill.job_status(writer, base, job["id"]) == "succeeded", 90, "the import")
        assert _count(writer, base, number) == 1  # read-your-writes: from the primary
        assert _count(reader, base, number) == 0  # the replica has not replayed the import yet
        assert reader.get(f"{base}/reports/", timeout=30).status_code < 500  # a heavy page on the standby
    ha.wait_for(lambda: _count(reader, base, number) == 1, 30, "the replica catching up")
    writer.cookies.clear()  # the pin over (max-age PIN_SECONDS): the writer is served by the replica again
    assert _count(writer, base, number) == 1


def test_backup_from_the_standby_restores_identically(stack):
    env = {**ha.app_env(stack.cluster.url(), stack.base / "var"), "PATH": f"{ha.PG_BIN}:/usr/bin:/bin"}
    out = subprocess.run(["scripts/check-backup.sh", "--from-standby", "--scratch", "stq_ha_restore_check"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    standby = stack.cluster.standby()
    assert f"dumping from the standby 127.0.0.1:{standby.pg_port}" in out.stderr
    assert "backup check OK" in out.stdout


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else f"{path}: none"


def _sign_in(session: requests.Session, base: str, username: str, password: str) -> None:
    page = session.get(f"{base}/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = session.post(f"{base}/login/", data={"username": username, "password": password,
                                              "csrfmiddlewaretoken": token}, headers={"Referer": f"{base}/login/"},
                     allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text[:500]


def test_two_web_nodes_share_sessions_rate_limits_and_work_and_lose_nothing_when_one_dies(stack, tmp_path):
    base, seed = stack.nginx.base, stack.seed
    web1, web2 = stack.webs
    officer = seed["officers"][0]["username"]
    # a session opened through nginx is valid on both nodes (sessions in the database)
    browser = requests.Session()
    _sign_in(browser, base, officer, seed["password"])
    for node in (web1, web2):
        page = requests.get(f"{node.base}/", cookies=browser.cookies, allow_redirects=False, timeout=30)
        # anonymous: 302 to the sign-in page; signed in: the home page with the sign-out form
        assert page.status_code == 200 and 'action="/logout/"' in page.text, (node.name, page.status_code)
    # failed sign-ins are counted in the shared cache: 3 allowed, the 4th refused on whichever node
    victim = f"nobody-{uuid.uuid4().hex[:6]}"
    codes = [requests.post(f"{node.base}/api/v1/auth/token/", json={"username": victim, "password": "wrong"},
                           timeout=30).status_code for node in (web1, web2, web1, web2)]
    assert all(code in (400, 401) for code in codes[:3]) and codes[3] == 429, codes
    assert any(_redis().scan_iter(match=f"{stack.prefix}:*"))  # the counters are in Redis, under the prefix
    _clear_cache(stack.prefix)  # the limit also counts per address: every client here is 127.0.0.1
    # background work: an import sent through nginx is run by the one worker on the database queue
    risk = drill.api_session(base, seed["risk_manager"], seed["password"])
    path = tmp_path / "nodes.csv"
    drill.write_import_file(path, 200, seed["tax_codes"], start_number=8000)
    job = drill.upload_import(risk, base, path)
    # writers through nginx; web1 dies (SIGKILL to gunicorn and its workers) in the middle
    journal, stop = drill.Journal(), threading.Event()
    officers = [drill.Officer(base, o, seed, journal, stop) for o in seed["officers"][1:4]]
    for o in officers:
        o.start()
    time.sleep(3)
    acked_before = len(journal.creates)
    t_kill = time.monotonic()  # before the signal: kill_hard waits for the processes to be gone, and a request
    web1.kill_hard()  # in flight on web1 then ends in a 502 (nginx retries no POST) that belongs after the kill
    time.sleep(4)
    stop.set()
    for o in officers:
        o.join(timeout=40)
    ha.wait_for(lambda: drill.job_status(risk, base, job["id"]) == "succeeded", 90, "the import")
    result = drill.check_database(stack.cluster.url(), journal, path, job)
    assert acked_before > 0 and sum(1 for w in journal.creates if w["t0"] > t_kill) > 0  # served by web2 after
    assert result["lost_creates"] == 0 and result["lost_submits"] == 0, result
    assert result["number_gaps"] == {}, result
    assert result["import"]["found"] == result["import"]["declarations_in_file"]
    # no error before the kill (nginx's error log says why, should one come)
    assert [e for e in journal.errors if e["t_end"] < t_kill] == [], _tail(stack.nginx.dir / "error.log")
    stack.ha_web_kill = {"errors": len(journal.errors), "kinds": sorted({str(e["status"]) for e in journal.errors}),
                         "acknowledged": len(journal.creates) + len(journal.submits)}
    web1.start(wait=False)  # back for the drill (nginx sends it traffic again after fail_timeout)
    web1.wait_ready()


def test_failover_drill_primary_killed_hard_loses_no_acknowledged_write(stack):
    """The drill of benchmarks/ha/drill.py, short: 4 writers, an import, the primary's Patroni and PostgreSQL
    SIGKILLed; a new primary within drill.FAILOVER_LIMIT_S, the application back without restart, every
    acknowledged write found, case numbers gap-free, the interrupted import whole or absent (the script also sends
    it again and checks it whole)."""
    nodes = [w for w in stack.webs if w.proc.poll() is None]
    pids = [w.proc.pid for w in nodes]
    figures = drill.run_drill(stack.cluster, stack.nginx.base, stack.seed, stack.base, writers=4, before=1,
                              after=3, import_lines=15000, reimport=False)
    print("failover drill:", figures)
    assert figures["new_primary"] != figures["old_primary"]
    assert figures["seconds_to_new_primary"] <= drill.FAILOVER_LIMIT_S, figures
    assert figures["seconds_to_first_acknowledged_write"] <= drill.APP_BACK_LIMIT_S, figures
    assert figures["acknowledged_after_kill"] > 0
    assert figures["lost_creates"] == 0 and figures["lost_submits"] == 0, figures
    assert figures["number_gaps"] == {}, figures
    assert figures["import_status_at_kill"] == "running", figures  # the kill hit the import in the middle
    assert figures["import"]["whole_or_absent"], figures
    assert set(figures["error_kinds"]) <= {"503", "502"}, figures  # the switch answers "try again", not 500
    assert nodes and [w.proc.pid for w in nodes] == pids and all(w.proc.poll() is None for w in nodes)  # no restart
    assert figures["ok"]
