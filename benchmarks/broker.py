"""The connection to the clearance system under load: catch-up, live latency, faults (issue 22's figures).

    python benchmarks/broker.py [--phases setup,catchup,live,faults] [--declarations 60000] [--live-seconds 120]
                                [--json OUT]

Own database (``BROKER_BENCH_DB``, default ``stq_bench_broker``), re-created by ``setup``: the demo data
(``seed_demo``: organisation, enterprises, a year of declarations, criteria, alerts, a target list) and a model
version trained on the shared public data (FAST settings: the figure is the scoring cost, not its quality).
Each phase publishes a simulated day (``stq.exchange.simulator``: the demo generator's enterprises and planted
anomalies, 2 % amendments, a few malformed messages) under its own queue prefix and runs the real consumer
(``manage.py consume_declarations``) as a separate process.

* **catchup** — the whole day is published first, then the consumer starts: seconds from its start to the last
  batch stored and scored (limit 60 s for 60,000 declarations).
* **live** — the consumer runs; the simulator publishes at 50 declarations/s for ``--live-seconds``: p50/p95/max
  of publication → stored and scored (from the batches' ``latency_ms``; limit p95 < 2 s) and publication → alert
  (each alert's raise time minus the publication of the earliest of its declarations; limit p95 < 5 s).
* **faults** — on a RabbitMQ node of its own (``rabbitmq-server`` with its own node name, ports 5782/25782 and data
  directory under /tmp, so the machine's broker is never touched): the day is published, the consumer is killed
  with SIGKILL five times during the catch-up (restarted each time) and the broker is stopped and started once;
  then every declaration must be stored exactly once (new declarations written = distinct numbers published,
  archived revisions = replacements written, no duplicate), nothing left in the queue or unacknowledged, the
  malformed messages dead-lettered. Counts published / stored / dead-lettered are printed.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ["DATABASE_URL"] = os.environ.get("BROKER_BENCH_DB", "postgres://postgres@127.0.0.1:5432/stq_bench_broker")
os.environ.setdefault("STQ_MEDIA_ROOT", "/tmp/stq_bench_broker_media")
os.environ["STQ_TASKS_BACKEND"] = "immediate"

import _decl_bench  # noqa: E402

_decl_bench.BENCH_URL = os.environ["DATABASE_URL"]
MAIN_BROKER = os.environ.get("BROKER_BENCH_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
OWN = {"node": "stqbench@localhost", "port": 5782, "dist": 25782, "base": Path("/tmp/stq_bench_rabbit")}
OWN_URL = f"amqp://guest:guest@127.0.0.1:{OWN['port']}/%2F"
MALFORMED = 20


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def pct(values, q):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


# -- set-up -------------------------------------------------------------------------------------------------------
def setup_database():
    _decl_bench.drop()
    _decl_bench.setup()
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    from stq.risk import training
    from stq.risk.ml.model import ModelConfig

    data = ROOT.parent / "shared" / "data" / "customs-declarations" / "df_syn_train_eng.csv"
    if data.is_file():
        config = ModelConfig(num_boost_round=200, n_bags=1, holdout_months=1, holdout_folds=1)
        version = training.train_from_files([data], config=config)
        print(f"model v{version.number} trained on {data.name}", flush=True)
        from stq.risk.arrival import warm_up

        warm_up()  # compiled once, cached on disk (as after the first start of a consumer)
    from stq.declarations.models import Declaration, DeclarationLine

    print(f"demo data: {Declaration.objects.count()} declarations, {DeclarationLine.objects.count()} lines",
          flush=True)


def first_day(offset: int) -> dt.date:
    from stq.declarations.models import Declaration

    latest = Declaration.objects.order_by("-registered_on").values_list("registered_on", flat=True).first() \
        or dt.date.today()
    return latest + dt.timedelta(days=offset)


# -- helpers ------------------------------------------------------------------------------------------------------
def consumer(prefix: str, url: str, name: str, *extra) -> subprocess.Popen:
    env = {**os.environ, "STQ_BROKER_URL": url, "STQ_BROKER_PREFIX": prefix, "STQ_LOG_FORMAT": "json",
           "PYTHONPATH": str(ROOT / "src")}
    log = open(f"/tmp/stq_bench_{name}.log", "a")  # noqa: SIM115
    return subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "consume_declarations", "--name", name,
                             "--prefix", prefix, *extra], env=env, stdout=log, stderr=subprocess.STDOUT)


def depth(url: str, prefix: str) -> tuple[int, int]:
    from stq.exchange import broker

    n = broker.names(prefix)
    with contextlib.closing(broker.connect(url)) as conn:
        ch = conn.channel()
        return broker.queue_depth(ch, n.declarations), broker.queue_depth(ch, n.dead_queue)


def cleanup(url: str, prefix: str):
    from stq.exchange import broker

    with contextlib.suppress(Exception), contextlib.closing(broker.connect(url)) as conn:
        broker.delete(conn.channel(), broker.names(prefix))


def publish_day(n: int, day: dt.date, prefix: str, url: str, rate: float = 0.0, times: dict | None = None):
    from stq.exchange import simulator

    items = list(simulator.day_messages(n, day=day, seed=day.toordinal(), malformed=MALFORMED))
    t = time.monotonic()
    sent = simulator.publish(items, rate=rate, prefix=prefix, url=url,
                             on_sent=(lambda mid, at: times.__setitem__(mid, at)) if times is not None else None)
    seconds = time.monotonic() - t
    numbers = {}
    for mid, _ in items:
        if not mid.startswith("broken"):
            numbers[mid[:11]] = max(numbers.get(mid[:11], "0"), mid[11])
    return sent, numbers, seconds


def check_stored(numbers: dict, consumer_name_prefix: str) -> dict:
    """Every published declaration stored once, at its highest revision; the import jobs' own counts."""
    from django.db.models import Sum

    from stq.declarations.models import Declaration, DeclarationRevision, ImportJob
    from stq.exchange.models import Batch, DeadLetter

    bases = list(numbers)
    stored = dict(Declaration.objects.filter(base_number__in=bases).values_list("base_number", "revision"))
    wrong_revision = sum(1 for b, r in stored.items() if str(r) != numbers[b])
    batches = Batch.objects.filter(consumer__startswith=consumer_name_prefix)
    jobs = ImportJob.objects.filter(pk__in=[j for b in batches for j in b.jobs])
    sums = jobs.aggregate(new=Sum("declarations_new"), replaced=Sum("declarations_replaced"),
                          lines=Sum("lines_written"))
    archived = DeclarationRevision.objects.filter(base_number__in=bases).count()
    return {"published_declarations": len(bases), "stored": len(stored), "wrong_revision": wrong_revision,
            "new_written": sums["new"] or 0, "replaced_written": sums["replaced"] or 0, "archived": archived,
            "exactly_once": (len(stored) == len(bases) == (sums["new"] or 0) and archived == (sums["replaced"] or 0)
                             and not wrong_revision),
            "unscored_batches": batches.filter(scored_at__isnull=True).count(),
            "dead_letter_rows": DeadLetter.objects.filter(consumer__startswith=consumer_name_prefix).count()}


def wait_drained(url, prefix, numbers: dict, timeout=1800):
    """Until nothing waits in the queue and every published declaration is stored at its last revision (messages
    prefetched by the consumer are not counted as waiting by the broker)."""
    from stq.declarations.models import Declaration

    t = time.monotonic()
    bases = list(numbers)
    while time.monotonic() - t < timeout:
        with contextlib.suppress(Exception):
            if depth(url, prefix)[0] == 0:
                stored = dict(Declaration.objects.filter(base_number__in=bases).values_list("base_number",
                                                                                            "revision"))
                if len(stored) == len(bases) and all(str(r) == numbers[b] for b, r in stored.items()):
                    return True
        time.sleep(2)
    return False


# -- phases -------------------------------------------------------------------------------------------------------
def catchup(args, out):
    from django.db.models import Max

    from stq.exchange.models import Batch

    prefix = f"stqbench.{uuid.uuid4().hex[:8]}"
    day = first_day(1)
    sent, numbers, pub = publish_day(args.declarations, day, prefix, MAIN_BROKER)
    print(f"catchup: {sent} messages published in {pub:.1f}s; load {load()}", flush=True)
    name = f"catchup-{prefix}"
    started = time.time()
    cap = ["--backlog-batch-size", str(args.backlog_batch_size)] if args.backlog_batch_size else []
    proc = consumer(prefix, MAIN_BROKER, name, "--idle-exit", "5", *cap)
    proc.wait()
    last = Batch.objects.filter(consumer=name).aggregate(m=Max("scored_at"))["m"]
    seconds = last.timestamp() - started
    counts = check_stored(numbers, name)
    dead = depth(MAIN_BROKER, prefix)[1]
    cleanup(MAIN_BROKER, prefix)
    from stq.exchange.models import Batch as B

    batches = B.objects.filter(consumer=name)
    first_received = batches.order_by("received_at").values_list("received_at", flat=True).first()
    out["catchup"] = {"published": sent, "seconds": round(seconds, 1), "limit_s": 60, "dead_lettered": dead,
                      "batches": batches.count(), "load_after": load(),
                      "consumer_start_to_first_batch_s": round(first_received.timestamp() - started, 1),
                      "stored_s": round(max(b.stored_at for b in batches).timestamp() - started, 1),
                      "raw_copy_s": raw_copy([j for b in batches for j in b.jobs]),
                      "declarations_per_s": round(len(numbers) / seconds, 1), **counts}
    print("catchup:", json.dumps(out["catchup"]), flush=True)


def raw_copy(job_ids: list[int]) -> float:
    """The floor beside the catch-up, in the same run: the seconds to COPY its import files (the same CSV bytes)
    into an unlogged table of text columns, and nothing else (no check, no merge, no index, no risk)."""
    from django.db import connection

    from stq.declarations.layouts import COLUMNS
    from stq.declarations.models import ImportJob

    cols = ", ".join(f"c{i} text" for i in range(len(COLUMNS)))
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE UNLOGGED TABLE stq_bench_raw_copy ({cols})")
        try:
            for job in ImportJob.objects.filter(pk__in=job_ids):
                with job.file.open("rb") as fh, cursor.cursor.copy(
                        "COPY stq_bench_raw_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
                    while block := fh.read(1 << 20):
                        copy.write(block)
        finally:
            cursor.execute("DROP TABLE stq_bench_raw_copy")
    return round(time.monotonic() - started, 1)


def live(args, out):
    from stq.exchange.models import Batch
    from stq.risk.models import Alert, AlertState

    prefix = f"stqbench.{uuid.uuid4().hex[:8]}"
    day = first_day(1)
    name = f"live-{prefix}"
    # the earlier phases' alerts are handled first: an anomaly of an enterprise whose alert of the day is still new
    # joins that alert instead of raising one (``alerts._join_open_alerts``), and the figure needs alerts raised
    Alert.objects.filter(state=AlertState.NEW).update(state=AlertState.ACKNOWLEDGED)
    proc = consumer(prefix, MAIN_BROKER, name)
    time.sleep(8)  # the consumer's start (Django, the model) is not part of the figure
    since = dt.datetime.now(dt.UTC)
    times: dict[str, float] = {}
    n = int(args.live_seconds * args.rate)
    sent, numbers, pub = publish_day(n, day, prefix, MAIN_BROKER, rate=args.rate, times=times)
    wait_drained(MAIN_BROKER, prefix, numbers)
    time.sleep(5)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    lat = [ms for b in Batch.objects.filter(consumer=name) for ms in b.latency_ms]
    alert_lat = []
    for a in Alert.objects.filter(raised_at__gte=since):
        published = [times[x] for x in a.declaration_numbers if x in times]
        if published:
            alert_lat.append(int((a.raised_at.timestamp() - min(published)) * 1000))
    counts = check_stored(numbers, name)
    cleanup(MAIN_BROKER, prefix)
    rounds = {}  # a round's batches share its scored_at and its stages; its wait: from its first batch stored
    for b in Batch.objects.filter(consumer=name, scored_at__isnull=False).order_by("-stored_at"):
        rounds[b.scored_at] = (b.risk.get("stages") or {}, (b.scored_at - b.stored_at).total_seconds())
    stages = [s for s, _ in rounds.values()]
    out["rounds"] = {"rounds": len(rounds), "batches": Batch.objects.filter(consumer=name).count(),
                     "first_stored_to_round_end_p50_s": pct([w for _, w in rounds.values()], 0.5),
                     **{f"{k}_p50_max_s": [pct([s.get(k, 0) for s in stages], 0.5), max([s.get(k, 0) for s in stages]
                                                                                        or [0])]
                        for k in ("alerts", "criteria", "enterprises")}}
    out["live"] = {"rate": args.rate, "published": sent, "publish_seconds": round(pub, 1),
                   "stored_p50_ms": pct(lat, 0.5), "stored_p95_ms": pct(lat, 0.95), "stored_max_ms": max(lat or [0]),
                   "limit_stored_p95_ms": 2000, "alerts": len(alert_lat), "alert_p50_ms": pct(alert_lat, 0.5),
                   "alert_p95_ms": pct(alert_lat, 0.95), "alert_max_ms": max(alert_lat or [0]),
                   "limit_alert_p95_ms": 5000, "load_after": load(), **counts}
    print("live:", json.dumps(out["live"]), flush=True)


def own_broker(action: str):
    env = {**os.environ, "RABBITMQ_NODENAME": OWN["node"], "RABBITMQ_NODE_PORT": str(OWN["port"]),
           "RABBITMQ_DIST_PORT": str(OWN["dist"]), "RABBITMQ_MNESIA_BASE": str(OWN["base"] / "mnesia"),
           "RABBITMQ_LOG_BASE": str(OWN["base"] / "log"), "RABBITMQ_PID_FILE": str(OWN["base"] / "pid"),
           "RABBITMQ_ENABLED_PLUGINS_FILE": str(OWN["base"] / "enabled_plugins"),
           "RABBITMQ_CONFIG_FILE": str(OWN["base"] / "rabbitmq"),
           "RABBITMQ_ADVANCED_CONFIG_FILE": str(OWN["base"] / "advanced.config"),
           "RABBITMQ_CONF_ENV_FILE": str(OWN["base"] / "rabbitmq-env.conf")}
    if action == "start":
        for sub in ("mnesia", "log"):
            (OWN["base"] / sub).mkdir(parents=True, exist_ok=True)
        (OWN["base"] / "enabled_plugins").write_text("[].\n")
        (OWN["base"] / "advanced.config").write_text("[].\n")
        (OWN["base"] / "rabbitmq-env.conf").write_text("")
        (OWN["base"] / "rabbitmq.conf").write_text(f"loopback_users = none\nlisteners.tcp.local = 127.0.0.1:"
                                                   f"{OWN['port']}\n")
        subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(OWN["base"])], check=False)
        def running():
            return subprocess.run(["rabbitmq-diagnostics", "-n", OWN["node"], "-q", "check_port_connectivity"],
                                  env=env, capture_output=True).returncode == 0

        if not running():
            subprocess.Popen(["rabbitmq-server"], env=env, stdout=open(OWN["base"] / "server.out", "a"),  # noqa: SIM115
                             stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + 300
            while not running():
                if time.monotonic() > deadline:
                    raise RuntimeError("own RabbitMQ node did not start")
                time.sleep(2)
    elif action == "stop":
        subprocess.run(["rabbitmqctl", "-n", OWN["node"], "stop"], env=env, check=False, capture_output=True)
    elif action == "queues":
        return subprocess.run(["rabbitmqctl", "-n", OWN["node"], "-q", "list_queues", "name", "messages_ready",
                               "messages_unacknowledged"], env=env, capture_output=True, text=True).stdout
    return None


def faults(args, out):
    prefix = f"stqbench.{uuid.uuid4().hex[:8]}"
    day = first_day(1)
    t0 = time.monotonic()
    own_broker("start")
    print(f"faults: own broker up in {time.monotonic() - t0:.0f}s", flush=True)
    sent, numbers, pub = publish_day(args.fault_declarations, day, prefix, OWN_URL)
    print(f"faults: {sent} messages published in {pub:.1f}s", flush=True)
    name = f"faults-{prefix}"
    events = []
    started = time.monotonic()
    proc = consumer(prefix, OWN_URL, name)
    for i in range(5):
        time.sleep(args.kill_every)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        events.append(f"{time.monotonic() - started:.0f}s kill -9 #{i + 1}")
        if i == 2:
            own_broker("stop")
            events.append(f"{time.monotonic() - started:.0f}s broker stopped")
            proc = consumer(prefix, OWN_URL, name)  # starts while the broker is down: it retries
            time.sleep(3)
            own_broker("start")
            events.append(f"{time.monotonic() - started:.0f}s broker started")
            continue
        proc = consumer(prefix, OWN_URL, name)
    print("faults:", "; ".join(events), flush=True)
    wait_drained(OWN_URL, prefix, numbers)
    time.sleep(5)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=300)
    seconds = time.monotonic() - started
    queues = own_broker("queues")
    counts = check_stored(numbers, name)
    ready, dead = depth(OWN_URL, prefix)
    own_broker("stop")
    out["faults"] = {"published": sent, "malformed_published": MALFORMED, "events": events,
                     "seconds_to_drain": round(seconds, 1), "left_in_queue": ready, "dead_lettered": dead,
                     "queues": queues.strip().splitlines(), "load_after": load(), **counts}
    print("faults:", json.dumps(out["faults"]), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--phases", default="setup,catchup,live,faults")
    parser.add_argument("--declarations", type=int, default=60_000)
    parser.add_argument("--live-seconds", type=float, default=120)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--kill-every", type=float, default=10)
    parser.add_argument("--fault-declarations", type=int, default=60_000)
    parser.add_argument("--backlog-batch-size", type=int, default=None,
                        help="the catch-up consumer's batch cap in a backlog (default: the command's)")
    parser.add_argument("--json")
    args = parser.parse_args()
    phases = args.phases.split(",")
    out = {"machine": f"{os.cpu_count()} cores, load {load()} at start", "declarations": args.declarations}
    if "setup" in phases:
        setup_database()
    else:
        _decl_bench.setup(create=False)
    for phase, fn in (("catchup", catchup), ("live", live), ("faults", faults)):
        if phase in phases:
            fn(args, out)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
