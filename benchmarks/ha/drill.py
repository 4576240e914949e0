"""Failover drill of issue #21: the database primary dies under load; nothing acknowledged may be lost.

    .venv/bin/python benchmarks/ha/drill.py [--source-db URL] [--writers 4] [--before 4] [--after 8]
                                            [--import-lines 20000] [--out benchmarks/ha/last-drill.json]

  1. etcd and two Patroni nodes on loopback (benchmarks/ha/cluster.py): a primary and a synchronous standby;
  2. the database `stq` copied from a migrated one (--source-db, default the machine's stq_h21 … see below) and
     seeded (benchmarks/ha/seed.py); two gunicorn web nodes behind nginx, with DATABASE_URL naming BOTH database
     hosts (target_session_attrs=read-write) and the database task worker (restarted when it exits);
  3. writers: officers (one per unit, through nginx and the API) each create an information collection (a
     gap-free case number) and submit it (a workflow action), in a loop; a risk manager uploads a declaration
     import of --import-lines goods lines, run by the worker;
  4. --before seconds into the load (and once the import is running) the primary is killed hard: SIGKILL to its
     Patroni and to every PostgreSQL process of it. Until the kill the drill holds the import's merge lock
     (``declarations.merge``) on the primary, so the kill lands inside the import however fast it is (the import
     stages its file, then waits for the lock in its merge transaction);
  5. the load goes on for --after seconds after the application answers writes again; then the checks:
     * a new primary within FAILOVER_LIMIT_S seconds (Patroni's TTL + loop_wait + promotion);
     * the web nodes were not restarted and answer writes again (persistent connections are health-checked and
       libpq finds the new primary);
     * every write that got a success answer is in the database (case by id and number, submit as state and
       event), case numbers of every unit gap-free 1..counter, the import whole or absent;
     * the errors the users saw during the switch (count, first and last time);
  6. (unless --no-rejoin) the killed node is started again: Patroni rewinds it (pg_rewind) and it becomes the new
     primary's synchronous standby; the time it takes is reported.
Prints the figures as JSON (and writes --out). Exit status 0 only when every check passes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.ha import cluster as ha  # noqa: E402

FAILOVER_LIMIT_S = 30  # kill → new primary accepting writes (TTL 10 s + loop_wait 1 s + promotion, busy machine)
APP_BACK_LIMIT_S = 45  # kill → the first acknowledged write through the application


@dataclass
class Journal:
    """What the users saw: acknowledged writes and errors, with monotonic times."""

    creates: list[dict] = field(default_factory=list)  # {"id", "number", "unit", "t"}
    submits: list[dict] = field(default_factory=list)  # {"id", "t"}
    errors: list[dict] = field(default_factory=list)  # {"t" (sent), "t_end" (answered), "what", "status"}
    # a submit that failed for the user (the primary died between its commit and the answer) and was in fact
    # saved: sent again, it is refused with 409 because the case is already submitted
    submits_saved_unanswered: list[dict] = field(default_factory=list)  # {"id", "t"}
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, row: dict) -> None:
        with self.lock:
            getattr(self, kind).append(row)


def api_session(base: str, username: str, password: str) -> requests.Session:
    s = requests.Session()
    for _ in range(30):
        try:
            r = s.post(f"{base}/api/v1/auth/token/", json={"username": username, "password": password}, timeout=15)
            if r.status_code == 200:
                s.headers["Authorization"] = f"Token {r.json()['token']}"
                return s
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{username} could not sign in at {base}")


class Officer(threading.Thread):
    """Creates an information collection in its unit and submits it, again and again until stopped."""

    def __init__(self, base: str, officer: dict, seed: dict, journal: Journal, stop: threading.Event):
        super().__init__(daemon=True)
        self.base, self.unit, self.journal, self.stop_event = base, officer["unit"], journal, stop
        self.session = api_session(base, officer["username"], seed["password"])
        self.seed = seed
        self.rng = random.Random(officer["username"])

    def _post(self, path: str, body: dict, what: str, retry: bool = False) -> dict | None:
        t = time.monotonic()
        try:
            r = self.session.post(f"{self.base}{path}", json=body, timeout=30)
        except requests.RequestException as exc:
            self.journal.add("errors", {"t": t, "t_end": time.monotonic(), "what": what,
                                        "status": type(exc).__name__})
            return None
        if r.status_code in (200, 201):
            return {**r.json(), "_t0": t}
        if retry and what == "submit" and r.status_code == 409:
            state = self.session.get(f"{self.base}{path.removesuffix('actions/')}", timeout=30).json().get("state")
            if state == "submitted":  # the earlier attempt was saved; its answer was lost with the primary
                return {"_saved_unanswered": True, "_t0": t}
        self.journal.add("errors", {"t": t, "t_end": time.monotonic(), "what": what, "status": r.status_code,
                                    "body": r.text[:200]})
        return None

    def run(self) -> None:
        today = dt.date.today()
        while not self.stop_event.is_set():
            case = self._post("/api/v1/info-collections/", {
                "unit": self.unit, "enterprise": self.rng.choice(self.seed["tax_codes"]),
                "signs": "Diễn tập chuyển đổi dự phòng: dấu hiệu vi phạm về trị giá.",
                "risk_areas": self.seed["risk_areas"][:1], "collection_form": "declarant",
                "addressee": "Công ty (diễn tập)", "planned_start": str(today),
                "planned_end": str(today + dt.timedelta(days=10))}, "create")
            if case is None:
                time.sleep(0.2)
                continue
            self.journal.add("creates", {"id": case["id"], "number": case["number"], "unit": self.unit,
                                         "t0": case["_t0"], "t": time.monotonic()})
            attempt = 0
            while not self.stop_event.is_set():  # the workflow action on the case just created, until it is acked
                done = self._post(f"/api/v1/info-collections/{case['id']}/actions/", {"action": "submit"}, "submit",
                                  retry=attempt > 0)
                attempt += 1
                if done is not None:
                    kind = "submits_saved_unanswered" if done.get("_saved_unanswered") else "submits"
                    self.journal.add(kind, {"id": case["id"], "t": time.monotonic()})
                    break
                time.sleep(0.2)


def write_import_file(path: Path, lines: int, tax_codes: list[str], start_number: int) -> int:
    sys.path.insert(0, str(ha.ROOT / "src"))
    from stq.declarations.demo import write_csv

    return write_csv(path, lines, tax_codes=tax_codes, year=2025, seed=start_number, start_number=start_number)


def import_numbers(path: Path) -> set[str]:
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        return {row[0][:11] for row in reader}


def upload_import(session: requests.Session, base: str, path: Path) -> dict:
    with open(path, "rb") as fh:
        r = session.post(f"{base}/api/v1/declarations/imports/", files={"file": (path.name, fh, "text/csv")},
                         data={"format": "stq"}, timeout=120)
    r.raise_for_status()
    return r.json()


def job_status(session: requests.Session, base: str, job_id: int) -> str | None:
    try:
        r = session.get(f"{base}/api/v1/declarations/imports/{job_id}/", timeout=10)
        return r.json().get("status") if r.status_code == 200 else None
    except (requests.RequestException, ValueError):
        return None


def check_database(db_url: str, journal: Journal, import_file: Path | None, job: dict | None) -> dict:
    """The checks on what the database holds afterwards (see the module docstring)."""
    import psycopg

    out: dict = {}
    with psycopg.connect(db_url, autocommit=True) as c:
        rows = dict(c.execute("SELECT id, number FROM collection_infocollection").fetchall())
        lost = [w for w in journal.creates if rows.get(w["id"]) != w["number"]]
        states = dict(c.execute("SELECT id, state FROM collection_infocollection").fetchall())
        events = {r[0] for r in c.execute(
            "SELECT e.object_id FROM core_caseevent e JOIN django_content_type t ON t.id = e.content_type_id "
            "WHERE t.app_label = 'collection' AND t.model = 'infocollection' AND e.action = 'submit'")}
        lost_submits = [w for w in journal.submits if states.get(w["id"]) != "submitted" or w["id"] not in events]
        out["acknowledged_creates"], out["lost_creates"] = len(journal.creates), len(lost)
        out["acknowledged_submits"], out["lost_submits"] = len(journal.submits), len(lost_submits)
        out["stored_cases"] = len(rows)
        gaps = {}
        for unit_code, year, kind, last in c.execute(
                "SELECT u.code, n.year, n.kind, n.last FROM core_numbercounter n JOIN org_unit u ON u.id = n.unit_id "
                "WHERE n.kind = 'TTTT'").fetchall():
            suffix = f"/{year}/{kind}-{unit_code}"
            seqs = sorted(int(num.split("/")[0]) for num in rows.values() if num.endswith(suffix))
            if seqs != list(range(1, last + 1)):
                gaps[unit_code] = {"counter": last, "missing": sorted(set(range(1, last + 1)) - set(seqs))[:10],
                                   "stored": len(seqs)}
        out["number_gaps"] = gaps
        if import_file is not None:
            numbers = import_numbers(import_file)
            found = c.execute("SELECT count(DISTINCT base_number) FROM declarations_declaration "
                              "WHERE base_number = ANY(%s)", [list(numbers)]).fetchone()[0]
            status = c.execute("SELECT status FROM declarations_importjob WHERE id = %s",
                               [job["id"]]).fetchone() if job else None
            out["import"] = {"declarations_in_file": len(numbers), "found": found,
                             "job_status": status[0] if status else None,
                             "whole_or_absent": found in (0, len(numbers))}
    return out


def hold_merge_lock(db_url: str):
    """A connection to the primary holding the session advisory lock that every import merge takes
    (``stq.declarations.importer.merge_lock``: ``pg_advisory_xact_lock(hashtext('declarations.merge'), 0)``), so an
    import started now stays "running" until the primary dies with this connection. Returned to keep it open."""
    import psycopg

    conn = psycopg.connect(db_url, autocommit=True)
    conn.execute("SELECT pg_advisory_lock(hashtext('declarations.merge'), 0)")
    return conn


def run_drill(cl: ha.Cluster, web_base: str, seed: dict, work: Path, *, writers: int = 4, before: float = 4,
              after: float = 8, import_lines: int = 20000, kill_timeout: float = 20, reimport: bool = True,
              rejoin: bool = False) -> dict:
    """Writers + import through `web_base`, kill the primary hard, wait, check. Returns the figures."""
    journal, stop = Journal(), threading.Event()
    officers = [Officer(web_base, o, seed, journal, stop) for o in seed["officers"][:writers]]
    risk = api_session(web_base, seed["risk_manager"], seed["password"])
    import_file = work / "drill-import.csv"
    write_import_file(import_file, import_lines, seed["tax_codes"], start_number=random.randint(100000, 900000))
    old = cl.leader()
    merge_gate = hold_merge_lock(cl.node_url(old))
    t_start = time.monotonic()
    for o in officers:
        o.start()
    job = upload_import(risk, web_base, import_file)
    deadline = time.monotonic() + kill_timeout
    status = job["status"]
    while time.monotonic() < deadline and (status not in ("running",) or time.monotonic() - t_start < before):
        if status in ("succeeded", "failed", "crashed", "skipped"):
            break
        time.sleep(0.1)
        status = job_status(risk, web_base, job["id"]) or status
    import_status_at_kill = status
    t_kill = time.monotonic()
    old.kill_hard()
    merge_gate.close()  # (its server is gone: the lock went with it)
    new = ha.wait_for(lambda: (lambda n: n if n is not None and n is not old else None)(cl.leader()),
                      FAILOVER_LIMIT_S + 30, "a new primary", interval=0.1)
    t_primary = time.monotonic()
    # back: the first write acknowledged among the requests sent after the kill (the old primary is gone by then)
    t_back = ha.wait_for(lambda: next((w["t"] for w in list(journal.creates) if w["t0"] > t_kill), None),
                         APP_BACK_LIMIT_S + 30, "the first acknowledged write after the kill", interval=0.1)
    time.sleep(after)
    stop.set()
    for o in officers:
        o.join(timeout=40)
    final_status = job_status(risk, web_base, job["id"])
    checks = check_database(cl.url(), journal, import_file, job)
    if reimport and checks["import"]["found"] == 0:  # the interrupted import is absent: the user sends it again
        job2 = upload_import(risk, web_base, import_file)
        ha.wait_for(lambda: job_status(risk, web_base, job2["id"]) in ("succeeded", "failed", "crashed"), 120,
                    "the import sent again after the switch", interval=0.5)
        again = check_database(cl.url(), Journal(), import_file, job2)["import"]
        checks["import_again"] = {**again, "whole": again["found"] == again["declarations_in_file"]}
    errors_during = [e for e in journal.errors if e["t"] >= t_kill - 1]
    figures = {
        "old_primary": old.name, "new_primary": new.name,
        "seconds_to_new_primary": round(t_primary - t_kill, 1),
        "seconds_to_first_acknowledged_write": round(t_back - t_kill, 1),
        "failover_limit_s": FAILOVER_LIMIT_S, "app_back_limit_s": APP_BACK_LIMIT_S,
        "writers": len(officers), "load_seconds": round(time.monotonic() - t_start, 1),
        "import_status_at_kill": import_status_at_kill, "import_status_after": final_status,
        "user_errors": len(journal.errors), "user_errors_during_switch": len(errors_during),
        "errors_window_s": (round(errors_during[-1]["t"] - errors_during[0]["t"], 1) if errors_during else 0),
        "error_kinds": sorted({str(e["status"]) for e in journal.errors}),
        "acknowledged_after_kill": sum(1 for w in journal.creates if w["t"] > t_kill),
        "submits_saved_but_unanswered": len(journal.submits_saved_unanswered),
    }
    figures.update(checks)
    if rejoin:  # the old primary's host comes back: Patroni rewinds it and it follows the new primary
        t0 = time.monotonic()
        old.start()
        cl.wait_sync_standby(120)
        figures["seconds_old_primary_back_as_sync_standby"] = round(time.monotonic() - t0, 1)
    figures["ok"] = (checks.get("import_again", {}).get("whole", True)
                     and figures["lost_creates"] == 0 and figures["lost_submits"] == 0 and not figures["number_gaps"]
                     and figures["import"]["whole_or_absent"]
                     and figures["seconds_to_new_primary"] <= FAILOVER_LIMIT_S
                     and figures["seconds_to_first_acknowledged_write"] <= APP_BACK_LIMIT_S
                     and figures["acknowledged_after_kill"] > 0)
    return figures


class Stack:
    """The whole drill set-up: cluster, database, seed, worker, web nodes, nginx (a context manager)."""

    def __init__(self, source_db: str, *, web_nodes: int = 2, replica: bool = False, extra_env: dict | None = None):
        self.source_db, self.web_count, self.replica, self.extra_env = source_db, web_nodes, replica, extra_env or {}
        self.base = ha.temp_base()
        self.cluster = ha.Cluster(self.base)
        self.webs: list[ha.WebNode] = []
        self.nginx: ha.Nginx | None = None
        self.worker: ha.Worker | None = None
        self.seed: dict = {}
        self.timings: dict = {}

    def env(self, **extra) -> dict:
        more = dict(self.extra_env)
        if self.replica:  # any standby, else the primary (after a failover with one node left)
            more["DATABASE_REPLICA_URL"] = self.cluster.url(attrs="prefer-standby")
        return ha.app_env(self.cluster.url(), self.base / "var", **more, **extra)

    def __enter__(self) -> Stack:
        t0 = time.monotonic()
        try:
            self.cluster.start()
            self.timings["cluster_s"] = round(time.monotonic() - t0, 1)
            ha.copy_schema(self.source_db, self.cluster.url())
            self.timings["schema_s"] = round(time.monotonic() - t0, 1)
            (self.base / "var" / "media").mkdir(parents=True)
            env = self.env()
            # the set-up data need not wait for the standby at each commit
            seed_env = {**env, "PGOPTIONS": "-c synchronous_commit=local"}
            out = subprocess.run([sys.executable, str(Path(__file__).with_name("seed.py"))], cwd=ha.ROOT, env=seed_env,
                                 capture_output=True, text=True)
            if out.returncode:
                raise RuntimeError(f"benchmarks/ha/seed.py failed ({out.returncode}):\n{out.stderr[-4000:]}")
            self.seed = json.loads(out.stdout.strip().splitlines()[-1])
            self.timings["seed_s"] = round(time.monotonic() - t0, 1)
            self.worker = ha.Worker(env, self.base)
            self.worker.start()
            self.webs = [ha.WebNode(f"web{i + 1}", env, self.base) for i in range(self.web_count)]
            for w in self.webs:
                w.start(wait=False)
            for w in self.webs:
                w.wait_ready()
            self.timings["web_s"] = round(time.monotonic() - t0, 1)
            self.nginx = ha.Nginx(self.base, [w.port for w in self.webs])
            self.nginx.start()
            self.timings["stack_s"] = round(time.monotonic() - t0, 1)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.nginx:
            self.nginx.stop()
        for w in self.webs:
            w.stop()
        if self.worker:
            self.worker.stop()
        self.cluster.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source-db", default="postgres://postgres@127.0.0.1:5432/stq_h21",
                        help="a migrated STQ database to copy the schema from (read only)")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--before", type=float, default=4)
    parser.add_argument("--after", type=float, default=8)
    parser.add_argument("--import-lines", type=int, default=20000)
    parser.add_argument("--out", default="")
    parser.add_argument("--no-rejoin", action="store_true", help="leave the killed node down")
    args = parser.parse_args()
    if ha.missing():
        print(f"drill: missing packages: {ha.missing()}", file=sys.stderr)
        return 2
    with Stack(args.source_db) as stack:
        figures = run_drill(stack.cluster, stack.nginx.base, stack.seed, stack.base, writers=args.writers,
                            before=args.before, after=args.after, import_lines=args.import_lines,
                            rejoin=not args.no_rejoin)
        figures.update(stack.timings)
        figures["web_node_restarts"] = sum(1 for w in stack.webs if w.proc.poll() is not None)
        figures["worker_restarts"] = stack.worker.restarts
    print(json.dumps(figures, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1) + "\n")
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
