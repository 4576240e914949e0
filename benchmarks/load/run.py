"""One command for the load test of issue #10: server up, locust, server down, then the lost-writes check.

    .venv/bin/python benchmarks/load/run.py [--db stq_bench_load] [--users 200] [--spawn-rate 2] [--duration 5m]
                                            [--workers 3] [--threads 4] [--out var/load]

  1. `collectstatic` into a private STQ_VAR_DIR, then gunicorn with deploy/gunicorn.conf.py and the production
     settings (DEBUG off, WhiteNoise serving the compressed static files, Redis cache) on 127.0.0.1:<port>;
     waits for /readyz/;
  2. notes the last CaseEvent id and the last history id of each case type;
  3. runs locust headless (benchmarks/load/locustfile.py) with `--users`, `--spawn-rate`, `--duration`, writing
     <out>/stats_stats.csv, <out>/stats_failures.csv and <out>/writes.json (successful workflow actions per case
     type and action, counted by the simulated users); samples the load average every 10 s. The locustfile resets
     the statistics 30 s (LOAD_SETTLE) after the last sign-in, after saving the ramp-up's in <out>/ramp.json: the
     CSV is the steady state, ramp.json the ramp-up with every sign-in;
  4. stops the server (SIGTERM, graceful);
  5. compares, per case type and action, the successful actions locust counted with the CaseEvent rows and the
     history rows (history_change_reason = the action) stored during the run; prints the per-endpoint table
     (requests, failures, median, p95, max, req/s), the 5xx lines of the access log and the verdict.
Exit status 0 only when nothing failed, no 5xx was logged and every count matches. Needs the `load` extra (locust).
The data set comes from fill.py (run it first on the same database).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
CASE_TYPES = {  # workflow name -> (content type, history table)
    "audit_case": (("audits", "auditcase"), "audits_historicalauditcase"),
    "audit_proposal": (("audits", "auditproposal"), "audits_historicalauditproposal"),
    "info_collection": (("collection", "infocollection"), "collection_historicalinfocollection"),
}
PAGE_TARGET_MS = 300


def server_env(db_url: str, var_dir: Path, extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STQ_")}
    env.update({
        "DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "stq.settings", "STQ_DEBUG": "0",
        "STQ_SECRET_KEY": "load-test-only-not-secret-" + "x" * 30, "STQ_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STQ_VAR_DIR": str(var_dir), "STQ_MEDIA_ROOT": str(var_dir / "media"), "STQ_TASKS_BACKEND": "db",
        "STQ_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT / "src"),
    })
    env.update(extra or {})
    return env


def start_server(env: dict, *, port: int, workers: int, threads: int, log_path: Path,
                 collectstatic: bool = True) -> subprocess.Popen:
    if collectstatic:
        subprocess.run([VENV_BIN / "python", "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT,
                       env=env, check=True)
    env = {**env, "STQ_BIND": f"127.0.0.1:{port}", "STQ_WEB_WORKERS": str(workers), "STQ_WEB_THREADS": str(threads)}
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([VENV_BIN / "gunicorn", "-c", "deploy/gunicorn.conf.py", "stq.wsgi"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz/", timeout=5) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    raise RuntimeError(f"gunicorn did not get ready in 90 s; see {log_path}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # the arbiter stops its workers gracefully
        try:
            proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _connect(db_url: str):
    import psycopg

    return psycopg.connect(db_url, autocommit=True)


def snapshot(db_url: str) -> dict:
    with _connect(db_url) as c:
        out = {"event": c.execute("SELECT coalesce(max(id), 0) FROM core_caseevent").fetchone()[0]}
        for kind, (_ct, table) in CASE_TYPES.items():
            out[kind] = c.execute(f"SELECT coalesce(max(history_id), 0) FROM {table}").fetchone()[0]
    return out


def stored_writes(db_url: str, before: dict) -> tuple[dict, dict]:
    """(events, history): {"<case type>.<action>": rows stored since `before`}, "create" events left out."""
    events, history = {}, {}
    with _connect(db_url) as c:
        for kind, ((app, model), table) in CASE_TYPES.items():
            rows = c.execute(
                "SELECT e.action, count(*) FROM core_caseevent e JOIN django_content_type t "
                "ON t.id = e.content_type_id WHERE e.id > %s AND t.app_label = %s AND t.model = %s "
                "GROUP BY e.action", [before["event"], app, model])
            events.update({f"{kind}.{a}": n for a, n in rows})
            rows = c.execute(f"SELECT history_change_reason, count(*) FROM {table} WHERE history_id > %s "
                             "GROUP BY history_change_reason", [before[kind]])
            history.update({f"{kind}.{a}": n for a, n in rows})
    return events, history


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(match) -> float:
    """CPU seconds used so far by the processes `match(pid, comm, session)` accepts and by their children already
    reaped (a parent's cutime/cstime): gunicorn's arbiter and workers, or PostgreSQL's postmaster and backends,
    including a recycled worker or a closed connection's backend."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # gone meanwhile
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()  # fields[0] is the state (field 3 of proc(5))
        if match(int(entry), comm, int(fields[3])):
            total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return total / TICK


def cpu_sample(server_pid: int) -> dict:
    """Where the CPU goes: the web server's process group, PostgreSQL (every backend of the cluster, so run it
    on a quiet machine) and the load generator."""
    return {"t": time.time(),
            "gunicorn": cpu_seconds(lambda pid, comm, sid: sid == server_pid),
            "postgres": cpu_seconds(lambda pid, comm, sid: comm.startswith("postgres")),
            "locust": cpu_seconds(lambda pid, comm, sid: comm.startswith("locust"))}


def cpu_per_request(samples: list[dict], since: float, requests: int) -> dict:
    """CPU milliseconds per request of each part over the samples taken after `since` (the steady state)."""
    window = [s for s in samples if s["t"] >= since]
    if len(window) < 2 or not requests:
        return {}
    first, last = window[0], window[-1]
    seconds = last["t"] - first["t"]
    out = {"window_s": round(seconds, 1), "cores": os.cpu_count()}
    for part in ("gunicorn", "postgres", "locust"):
        # the highest reading: a process that exited before the last sample (locust) takes its CPU with it
        used = max(s[part] for s in window) - first[part]
        out[part] = {"cpu_s": round(used, 1), "ms_per_request": round(1000 * used / requests, 1),
                     "cores_busy": round(used / seconds, 2) if seconds else 0}
    return out


def run_locust(host: str, out: Path, *, users: int, spawn_rate: float, duration: str, env: dict,
               locustfile: Path = HERE / "locustfile.py") -> int:
    cmd = [VENV_BIN / "locust", "-f", str(locustfile), "--host", host, "--headless", "--users", str(users),
           "--spawn-rate", str(spawn_rate), "--run-time", duration, "--csv", str(out / "stats"), "--only-summary",
           "--stop-timeout", "30", "--loglevel", "WARNING"]
    with open(out / "locust.log", "w") as log:
        return subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT).returncode


def stats_table(out: Path) -> tuple[list[dict], dict]:
    def num(value: str) -> float:
        try:
            return float(value)
        except ValueError:  # "N/A": no request of that kind since the reset
            return 0.0

    rows, total = [], {}
    with open(out / "stats_stats.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            row = {"type": r["Type"], "name": r["Name"], "requests": int(r["Request Count"]),
                   "failures": int(r["Failure Count"]), "median": num(r["Median Response Time"]),
                   "p95": num(r["95%"]), "max": num(r["Max Response Time"]), "rps": num(r["Requests/s"])}
            if r["Name"] == "Aggregated":
                total = row
            elif row["requests"] or row["failures"]:
                rows.append(row)
    return sorted(rows, key=lambda r: (r["name"], r["type"])), total


def markdown(rows: list[dict], total: dict) -> str:
    lines = ["| endpoint | method | requests | failures | median ms | p95 ms | max ms | req/s |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in [*rows, {**total, "name": "**all**", "type": ""}]:
        flag = " ✗" if r["p95"] >= PAGE_TARGET_MS and r["type"] == "GET" else ""
        lines.append(f"| `{r['name']}` | {r['type']} | {r['requests']:,} | {r['failures']} | {r['median']:.0f} | "
                     f"{r['p95']:.0f}{flag} | {r['max']:.0f} | {r['rps']:.2f} |")
    return "\n".join(lines)


def server_errors(log_path: Path) -> list[str]:
    bad = []
    for line in log_path.read_text(errors="replace").splitlines():
        if '"status":5' in line or "Traceback" in line or "[ERROR]" in line or "WORKER TIMEOUT" in line:
            bad.append(line[:300])
    return bad


def verify(writes: dict, events: dict, history: dict) -> list[str]:
    problems = []
    for key in sorted(set(writes) | set(events) | set(history)):
        w, e, h = writes.get(key, 0), events.get(key, 0), history.get(key, 0)
        if not (w == e == h):
            problems.append(f"{key}: {w} successful requests, {e} events, {h} history rows")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="stq_bench_load")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=2)
    parser.add_argument("--duration", default="5m")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--out", default=str(ROOT / "var" / "load"))
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="STQ_CACHE_URL ('' = local memory)")
    args = parser.parse_args()

    db_url = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = server_env(db_url, out / "var", {"STQ_CACHE_URL": args.redis} if args.redis else None)
    result = run(db_url, out, env, users=args.users, spawn_rate=args.spawn_rate, duration=args.duration,
                 workers=args.workers, threads=args.threads, port=args.port)
    return 0 if result["ok"] else 1


def run(db_url: str, out: Path, env: dict, *, users: int, spawn_rate: float, duration: str, workers: int,
        threads: int, port: int, locust_env: dict | None = None, collectstatic: bool = True) -> dict:
    log_path = out / "gunicorn.log"
    print(f"load average before: {os.getloadavg()}", flush=True)
    t_start = time.monotonic()
    server = start_server(env, port=port, workers=workers, threads=threads, log_path=log_path,
                          collectstatic=collectstatic)
    print(f"server ready in {time.monotonic() - t_start:.1f} s ({workers} workers x {threads} threads)", flush=True)
    loads, cpu, stop = [], [], threading.Event()

    def sample():
        while not stop.wait(10):
            loads.append(os.getloadavg()[0])
            cpu.append(cpu_sample(server.pid))

    try:
        before = snapshot(db_url)
        writes_file, ramp_file = out / "writes.json", out / "ramp.json"
        writes_file.unlink(missing_ok=True)
        ramp_file.unlink(missing_ok=True)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.monotonic()
        rc = run_locust(f"http://127.0.0.1:{port}", out, users=users, spawn_rate=spawn_rate, duration=duration,
                        env={**os.environ, "LOAD_WRITES_FILE": str(writes_file), "LOAD_RAMP_FILE": str(ramp_file),
                             **(locust_env or {})})
        elapsed = time.monotonic() - t0
        stop.set()
        cpu.append(cpu_sample(server.pid))
    finally:
        t_stop = time.monotonic()
        stop_server(server)
        print(f"server stopped in {time.monotonic() - t_stop:.1f} s", flush=True)
    writes = json.loads(writes_file.read_text()) if writes_file.exists() else {}
    events, history = stored_writes(db_url, before)
    rows, total = stats_table(out)
    ramp = json.loads(ramp_file.read_text()) if ramp_file.exists() else {"rows": []}
    ramp_rows = [r for r in ramp["rows"] if r["name"] != "Aggregated"]
    ramp_total = next((r for r in ramp["rows"] if r["name"] == "Aggregated"), {"failures": 0})
    ramp_errors = ramp.get("errors", [])
    errors = server_errors(log_path)
    problems = verify(writes, events, history)
    table = markdown(rows, total)
    # the steady state starts when the locustfile saved the ramp-up's figures and reset the statistics
    steady_from = ramp_file.stat().st_mtime if ramp_file.exists() else 0
    steady_requests = int(total.get("requests", 0))
    cpu_use = cpu_per_request(cpu, steady_from, steady_requests)
    ramp_table = markdown(sorted(ramp_rows, key=lambda r: (r["name"], r["type"])), ramp_total) if ramp_rows else ""
    (out / "table.md").write_text(f"steady state\n\n{table}\n\nramp-up\n\n{ramp_table}\n")
    print("ramp-up (every sign-in happens here):")
    print(ramp_table)
    print("\nsteady state (all users signed in):")
    print(table)
    print(f"\nlocust exit {rc}; {elapsed:.0f} s; load average during the run: "
          f"mean {sum(loads) / max(len(loads), 1):.2f}, max {max(loads, default=0):.2f}")
    if cpu_use:
        print(f"where the CPU goes in the steady state ({cpu_use['window_s']} s, {steady_requests:,} requests, "
              f"{cpu_use['cores']} cores): " + "; ".join(
                  f"{part} {cpu_use[part]['ms_per_request']} ms/request ({cpu_use[part]['cores_busy']} cores busy)"
                  for part in ("gunicorn", "postgres", "locust")))
    print("writes (successful requests / CaseEvent rows / history rows):")
    for key in sorted(set(writes) | set(events) | set(history)):
        print(f"  {key}: {writes.get(key, 0)} / {events.get(key, 0)} / {history.get(key, 0)}")
    print(f"  total: {sum(writes.values())} / {sum(events.values())} / {sum(history.values())}")
    for line in errors[:20]:
        print("server error:", line)
    for p in problems:
        print("MISMATCH:", p)
    ok = (total.get("failures", 1) == 0 and ramp_total.get("failures", 0) == 0 and not errors and not problems
          and bool(writes))
    print("RESULT:", "OK" if ok else "FAILED")
    summary = {"ok": ok, "rows": rows, "total": total, "ramp_rows": ramp_rows, "ramp_total": ramp_total,
               "ramp_errors": ramp_errors,
               "writes": writes, "events": events, "history": history,
               "problems": problems, "server_errors": errors, "load_mean": sum(loads) / max(len(loads), 1),
               "load_max": max(loads, default=0), "elapsed_s": elapsed, "locust_rc": rc, "cpu": cpu_use}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


if __name__ == "__main__":
    sys.exit(main())
