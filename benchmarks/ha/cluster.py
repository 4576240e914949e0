"""A high-availability STQ on loopback, for the failover drill and the tests (issue #21).

    etcd (one member) ── Patroni pg1 ─┐  PostgreSQL 15, primary + synchronous standby (synchronous_mode)
                      └─ Patroni pg2 ─┘
    gunicorn web nodes (DATABASE_URL = both hosts, target_session_attrs=read-write) ── nginx (round robin)
    db_worker (restarted when it exits, as systemd's Restart=always does)

Every server listens on 127.0.0.1 on a free high port, keeps its data in one temporary directory, and runs as the
`postgres` user where PostgreSQL requires it (Patroni starts PostgreSQL itself). Nothing touches the machine's own
PostgreSQL, except reading a migrated database to copy the schema from (`copy_schema`). The Debian packages:
`patroni`, `etcd-server`, `nginx`; `missing()` names what is not installed.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
def _pg_bin() -> Path:
    """STQ_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin (15 on this project's machines)."""
    if os.environ.get("STQ_PG_BIN"):
        return Path(os.environ["STQ_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()
SCOPE = "stq-drill"
# Patroni's timing in the drill: the leader key lives TTL seconds after the last renewal, so a primary that dies
# without releasing it is replaced after at most TTL + LOOP_WAIT seconds (production: deploy/patroni/).
TTL, LOOP_WAIT, RETRY_TIMEOUT = 10, 1, 4


def missing() -> list[str]:
    need = {"patroni": "patroni", "etcd": "etcd-server", "nginx": "nginx"}
    out = [pkg for cmd, pkg in need.items() if not shutil.which(cmd) and not Path(f"/usr/sbin/{cmd}").exists()]
    if not (PG_BIN / "postgres").exists():
        out.append(f"postgresql-15 ({PG_BIN})")
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(url: str, timeout: float = 2.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, json.loads(r.read() or b"null")


def wait_for(check, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - anything until it answers
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready in {timeout:.0f} s (last error: {last})")


def _postgres_ids() -> tuple[int, int]:
    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


def _as_postgres() -> dict:
    if os.geteuid() != 0:
        return {}  # already an unprivileged user: run as ourselves
    uid, gid = _postgres_ids()
    return {"user": uid, "group": gid, "extra_groups": []}


def _kill_tree(pid: int, sig=signal.SIGKILL) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


class Etcd:
    def __init__(self, base: Path):
        self.dir = base / "etcd"
        self.client_port, self.peer_port = free_port(), free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.client_port}"

    def start(self) -> None:
        self.dir.mkdir(parents=True)
        peer = f"http://127.0.0.1:{self.peer_port}"
        client = f"http://127.0.0.1:{self.client_port}"
        self.proc = subprocess.Popen(
            ["etcd", "--name", "e1", "--data-dir", str(self.dir / "data"), "--listen-client-urls", client,
             "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
             "--initial-cluster", f"e1={peer}", "--initial-cluster-state", "new", "--log-level", "warn"],
            stdout=open(self.dir / "etcd.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)  # noqa: SIM115
        wait_for(lambda: http_json(f"{client}/health")[1].get("health") == "true", 30, "etcd")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class PatroniNode:
    def __init__(self, base: Path, name: str, etcd: Etcd):
        self.name, self.etcd = name, etcd
        self.dir = base / name
        self.pg_port, self.api_port = free_port(), free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def data_dir(self) -> Path:
        return self.dir / "data"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def config(self) -> dict:
        """The node's patroni.yml (JSON is YAML); deploy/patroni/patroni.yml is the production form of it."""
        hba = ["local all all trust", "host all all 127.0.0.1/32 trust",
               "host replication replicator 127.0.0.1/32 trust"]
        return {
            "scope": SCOPE, "namespace": "/stq/", "name": self.name,
            "restapi": {"listen": f"127.0.0.1:{self.api_port}", "connect_address": f"127.0.0.1:{self.api_port}"},
            "etcd3": {"hosts": [self.etcd.endpoint]},
            "bootstrap": {
                "dcs": {
                    "ttl": TTL, "loop_wait": LOOP_WAIT, "retry_timeout": RETRY_TIMEOUT,
                    "maximum_lag_on_failover": 1048576,
                    "synchronous_mode": True, "synchronous_mode_strict": False,
                    "postgresql": {"use_pg_rewind": True, "use_slots": True, "parameters": {
                        "wal_level": "replica", "hot_standby": "on", "max_wal_senders": 10,
                        "max_replication_slots": 10, "wal_keep_size": "256MB", "hot_standby_feedback": "on",
                        "max_standby_streaming_delay": "-1", "wal_log_hints": "on", "max_connections": 200,
                        "synchronous_commit": "on"}},
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "data-checksums"],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{self.pg_port}", "connect_address": f"127.0.0.1:{self.pg_port}",
                "data_dir": str(self.data_dir), "bin_dir": str(PG_BIN), "pgpass": str(self.dir / "pgpass"),
                "authentication": {"superuser": {"username": "postgres", "password": "drill"},
                                   "replication": {"username": "replicator", "password": "drill"},
                                   "rewind": {"username": "postgres", "password": "drill"}},
                # fsync off: the drill kills processes, not the machine (the OS keeps what was written), and the
                # machine's disk is shared; production keeps fsync on (deploy/patroni/patroni.yml)
                "parameters": {"unix_socket_directories": str(self.dir), "fsync": "off",
                               "shared_buffers": "64MB", "logging_collector": "off"},
                "pg_hba": hba,
            },
            "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False, "nosync": False},
        }

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        cfg = self.dir / "patroni.yml"
        cfg.write_text(json.dumps(self.config(), indent=1))
        if os.geteuid() == 0:
            uid, gid = _postgres_ids()
            for path in [self.dir, *self.dir.rglob("*")]:
                os.chown(path, uid, gid)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DATABASE_URL", "PATRONI"))}
        env.update({"HOME": str(self.dir), "PATH": f"{PG_BIN}:/usr/bin:/bin"})
        self.proc = subprocess.Popen(["patroni", str(cfg)], cwd=self.dir, env=env, start_new_session=True,
                                     stdout=open(self.dir / "patroni.log", "a"), stderr=subprocess.STDOUT,  # noqa: SIM115
                                     **_as_postgres())

    def role(self) -> str | None:
        try:
            return http_json(f"{self.api}/patroni", timeout=1)[1].get("role")
        except Exception:  # noqa: BLE001 - down or not answering
            return None

    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def kill_hard(self) -> None:
        """SIGKILL Patroni and PostgreSQL (postmaster and every backend) at once, like the host dying."""
        pids = [p for p in (self.proc.pid if self.proc else None, self.postmaster_pid()) if p]
        if pids and pids[-1]:
            pids += [int(d) for d in os.listdir("/proc") if d.isdigit() and _ppid(int(d)) == pids[-1]]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc:
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # Patroni stops PostgreSQL (fast shutdown) and releases the leader key
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_hard()
        pid = self.postmaster_pid()
        if pid and _alive(pid):
            os.kill(pid, signal.SIGQUIT)


def _ppid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


class Cluster:
    """etcd + two Patroni nodes; `url()` is the application's multi-host DATABASE_URL."""

    def __init__(self, base: Path, db: str = "stq"):
        self.base, self.db = base, db
        self.etcd = Etcd(base)
        self.nodes = [PatroniNode(base, "pg1", self.etcd), PatroniNode(base, "pg2", self.etcd)]

    def url(self, db: str | None = None, attrs: str = "read-write") -> str:
        hosts = ",".join(f"127.0.0.1:{n.pg_port}" for n in self.nodes)
        return f"postgres://postgres@{hosts}/{db or self.db}?target_session_attrs={attrs}&connect_timeout=2"

    def node_url(self, node: PatroniNode, db: str | None = None) -> str:
        return f"postgres://postgres@127.0.0.1:{node.pg_port}/{db or self.db}"

    def start(self, timeout: float = 90) -> None:
        self.etcd.start()
        self.nodes[0].start()
        wait_for(lambda: self.nodes[0].role() in ("primary", "master"), timeout, "the first Patroni node (primary)")
        self.nodes[1].start()
        self.wait_sync_standby(timeout)

    def members(self) -> list[dict]:
        for node in self.nodes:
            try:
                return http_json(f"{node.api}/cluster", timeout=1)[1]["members"]
            except Exception:  # noqa: BLE001 - ask the next one
                continue
        return []

    def leader(self) -> PatroniNode | None:
        names = [m["name"] for m in self.members() if m.get("role") == "leader" and m.get("state") == "running"]
        return next((n for n in self.nodes if names and n.name == names[0]), None)

    def standby(self) -> PatroniNode | None:
        leader = self.leader()
        return next((n for n in self.nodes if n is not leader), None)

    def wait_sync_standby(self, timeout: float) -> None:
        wait_for(lambda: any(m.get("role") == "sync_standby" and m.get("state") in ("running", "streaming")
                             for m in self.members()), timeout, "the synchronous standby")

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
        self.etcd.stop()


def copy_schema(source_url: str, target_url: str) -> None:
    """Create the target database from a migrated one (pg_dump | pg_restore: seconds, where `migrate` takes a
    minute on a busy machine)."""
    admin = target_url.split("?")[0].rsplit("/", 1)[0] + "/postgres?" + target_url.split("?", 1)[1]
    name = target_url.split("?")[0].rsplit("/", 1)[1]
    subprocess.run([PG_BIN / "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", admin, "-c", f'CREATE DATABASE "{name}"'],
                   check=True)
    dump = subprocess.Popen([PG_BIN / "pg_dump", "-Fc", "--no-owner", "--no-privileges", source_url],
                            stdout=subprocess.PIPE)
    subprocess.run([PG_BIN / "pg_restore", "--exit-on-error", "--no-owner", "--no-privileges", "--single-transaction",
                    "-d", target_url], stdin=dump.stdout, check=True)
    if dump.wait() != 0:
        raise RuntimeError("pg_dump of the source database failed")


def app_env(db_url: str, var_dir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STQ_", "DATABASE_"))}
    env.update({
        "DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "stq.settings", "STQ_DEBUG": "0",
        "STQ_SECRET_KEY": "ha-drill-only-not-secret-" + "x" * 30, "STQ_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STQ_VAR_DIR": str(var_dir), "STQ_MEDIA_ROOT": str(var_dir / "media"), "STQ_TASKS_BACKEND": "db",
        "STQ_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT / "src"), "STQ_STATIC_FROM_SOURCE": "1",
        "STQ_DB_CONN_MAX_AGE": "60",
    })
    env.update(extra)
    return env


class WebNode:
    """One gunicorn (deploy/gunicorn.conf.py, production settings) on its own port."""

    def __init__(self, name: str, env: dict, log_dir: Path, workers: int = 1, threads: int = 4):
        self.name, self.port = name, free_port()
        self.env = {**env, "STQ_BIND": f"127.0.0.1:{self.port}", "STQ_WEB_WORKERS": str(workers),
                    "STQ_WEB_THREADS": str(threads)}
        self.log = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> None:
        self.proc = subprocess.Popen([VENV_BIN / "gunicorn", "-c", "deploy/gunicorn.conf.py", "stq.wsgi"], cwd=ROOT,
                                     env=self.env, stdout=open(self.log, "w"), stderr=subprocess.STDOUT,  # noqa: SIM115
                                     start_new_session=True)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 90) -> None:
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            return http_json(f"{self.base}/readyz/", timeout=5)[0] == 200
        wait_for(ready, timeout, f"web node {self.name}", interval=0.5)

    def kill_hard(self) -> None:
        _kill_tree(self.proc.pid)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_hard()


class Worker:
    """`manage.py db_worker`, started again whenever it exits (systemd: stq-worker.service, Restart=always)."""

    def __init__(self, env: dict, log_dir: Path, restart_after: float = 1.0):
        self.env, self.log, self.restart_after = env, log_dir / "worker.log", restart_after
        self.proc: subprocess.Popen | None = None
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._supervise, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _supervise(self) -> None:
        with open(self.log, "a") as log:
            while not self._stop.is_set():
                self.proc = subprocess.Popen([VENV_BIN / "python", "manage.py", "db_worker", "--interval", "0.5"],
                                             cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                             start_new_session=True)
                self.proc.wait()
                if not self._stop.is_set():
                    self.restarts += 1
                    self._stop.wait(self.restart_after)

    def stop(self) -> None:
        self._stop.set()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _kill_tree(self.proc.pid)
        self._thread.join(timeout=35)


NGINX_CONF = """daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
    client_max_body_size 64m;
{upstream}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://stq_web;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


def upstream_block(ports: list[int]) -> str:
    """The upstream of deploy/nginx/stq.conf with several web nodes (the same failure rules)."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)
    return ("    upstream stq_web {\n" + servers + "\n    }\n"
            "    proxy_next_upstream error timeout http_502 http_503;\n")


class Nginx:
    def __init__(self, base: Path, ports: list[int]):
        self.dir, self.port = base / "nginx", free_port()
        self.ports = ports
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.dir.mkdir(parents=True)
        conf = self.dir / "nginx.conf"
        conf.write_text(NGINX_CONF.format(dir=self.dir, port=self.port, upstream=upstream_block(self.ports)))
        if os.geteuid() == 0:  # workers run as nobody: let them use the temp paths
            os.chmod(self.dir, 0o777)
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(self.dir), "-e", str(self.dir / "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=open(self.dir / "stderr.log", "w"),  # noqa: SIM115
                                     start_new_session=True)
        wait_for(lambda: http_json(f"{self.base}/healthz/")[0] == 200, 30, "nginx")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _kill_tree(self.proc.pid)


def temp_base() -> Path:
    base = Path(tempfile.mkdtemp(prefix="stq-ha-"))
    os.chmod(base, 0o755)
    return base
