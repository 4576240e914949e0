"""The inbound consumer: declarations from the queue, stored in batches through the file import's path.

One loop (``Consumer.run``): take up to ``batch_size`` messages (or what arrived within ``max_wait`` seconds of the
first), then ``store_batch``:

While the queue has a backlog (a catch-up: more messages waiting than ``batch_size``), the batch takes what is
ready up to ``backlog_batch_size`` (4 × ``batch_size`` by default) instead: fewer, larger batches, each import's
and model call's fixed cost paid fewer times.

1. each message is read by the message layout (``messages.to_rows``); one that is not a declaration (not JSON,
   another schema, a field or the lines missing) is set aside for the dead-letter queue with its reason;
2. a ``Batch`` row is written, then the good messages become one STQ-layout CSV imported by the declarations
   importer (``import_job_create`` + ``run_import``: the same staging, value checks (in SQL), merge, archive of
   replaced revisions and activity profile as an uploaded file). A declaration whose rows the import refuses (a bad
   value: ``registered_on:bad_date``…; a ``revision_conflict``: the same revision already stored with other lines)
   is set aside too — the errors' row numbers lead back to its message — and the rest is imported again;
3. risk on arrival (``stq.risk.arrival``): the batch's declarations are scored by the model at once (work in
   proportion to the batch); the rest (alerts, criteria, enterprise risk: set-based SQL that reads the history —
   peer medians, earlier origins) runs in rounds, each for all the batches stored since the last one
   (``finish``): on the ``Scorer`` thread, behind the imports, so storing never waits for it. (Inside a caller's
   transaction — tests — the rounds run on the consumer's own thread: after a batch, unless the queue holds more
   than a batch, when they are deferred for ``SCORE_EVERY`` seconds or twice the last round's duration.) The
   outbound results of what changed are written to the outbox in a round's last transaction (``outbound``) and
   published by the consumer after each batch, every second when idle, and at its end;
4. the set-aside messages are published to the dead-letter exchange (publisher confirms), and only then is every
   message of the batch acknowledged (one ``basic_ack`` up to the last delivery tag).

At-least-once delivery, exactly-once in effect: a message redelivered after a crash either finds its content
stored (same number and revision, same lines: the import changes nothing; a byte-identical batch is skipped by
its checksum) or is stored now. A consumer killed after the import's commit but before step 3 leaves its batch
unscored: ``recover`` (at every start, and when the queue is idle) scores it from its import jobs; a failure of
step 3 itself is logged and left to ``recover`` (the batch is stored: it is acknowledged). A batch that fails for
another reason than the database connection is split in halves until the message that breaks it is alone; that
one is dead-lettered (``error:<exception>``), the others are stored.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.utils import timezone

from stq.core.limits import NOTE_MAX
from stq.declarations.importer import run_import
from stq.declarations.layouts import COLUMNS
from stq.declarations.models import ImportJob, ImportStatus
from stq.declarations.services import import_job_create
from stq.risk.signals import scanned_on_arrival

from . import broker, messages
from .models import Batch, ConsumerState, DeadLetter

log = logging.getLogger("stq.exchange.consumer")
MAX_ATTEMPTS = 5
BACKLOG_WAIT = 3.0  # seconds a batch may wait to fill up while the queue has a backlog
SCORE_EVERY = 30.0  # in a backlog, the deferred batches are finished together every SCORE_EVERY seconds, or
# twice the last round's duration if longer (the rounds take at most a third of the time: storing goes on)


@dataclass
class Delivery:
    body: bytes
    tag: int = 0
    message_id: str = ""
    published_ms: int | None = None  # the message's timestamp property, in milliseconds


@dataclass
class Outcome:
    batch: Batch | None = None
    dead: list[tuple[Delivery, str]] = field(default_factory=list)
    changes: dict = field(default_factory=dict)


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


def _refused_rows(job: ImportJob) -> dict[int, str]:
    """{CSV row number: reason ``field:code``} from the errors CSV of a failed import."""
    out: dict[int, str] = {}
    if not job.errors_file:
        return out
    with job.errors_file.open("rb") as fh:
        for row in csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")):
            if (row.get("row") or "").isascii() and (row.get("row") or "").isdigit():
                out.setdefault(int(row["row"]), f"{row.get('field') or 'row'}:{row.get('code')}")
    return out


def store_batch(deliveries: list[Delivery], *, consumer: str = "default", arrival: bool = True,
                on_changes=None, defer: bool = False) -> Outcome:
    """Steps 1–3 of the module docstring (the caller publishes the dead letters, then acknowledges). ``defer``:
    after the model scores, the rest of risk on arrival is left to ``recover`` (the consumer, during a backlog)."""
    outcome = Outcome()
    good: dict[str, tuple[Delivery, list[list[str]]]] = {}
    unchanged = 0
    for d in deliveries:
        try:
            rows = messages.to_rows(d.body, validate=False)  # the values: checked by the import (in SQL)
        except messages.Malformed as exc:
            outcome.dead.append((d, exc.reason))
            continue
        number = rows[0][0]
        if number in good:  # the same declaration and revision twice in one batch
            if good[number][1] == rows:
                unchanged += 1
            else:
                outcome.dead.append((d, "number:revision_conflict"))
            continue
        good[number] = (d, rows)
    batch = outcome.batch = Batch.objects.create(consumer=consumer, messages=len(deliveries))
    jobs: list[int] = []
    attempt = 0
    while good:
        attempt += 1
        owners = [key for key, (_, rows) in good.items() for _ in rows]  # CSV row n + 2 belongs to owners[n]
        data = _csv([r for _, rows in good.values() for r in rows])
        job = import_job_create(actor=None, file=ContentFile(data, name=f"broker-{batch.pk}-{attempt}.csv"),
                                enqueue=False)
        if job.status == ImportStatus.QUEUED:
            with scanned_on_arrival():  # its alerts: by risk on arrival below, with its round's other batches
                job = run_import(job)
        if job.status == ImportStatus.SKIPPED:  # byte-identical batch already stored (a redelivery)
            unchanged += len(good)
            break
        if job.status == ImportStatus.SUCCEEDED:
            jobs.append(job.pk)
            batch.declarations = job.declarations_new + job.declarations_replaced
            batch.lines = job.lines_written
            unchanged += len(good) - batch.declarations
            break
        refused: dict[str, str] = {}
        for row_no, reason in sorted(_refused_rows(job).items()):
            if 2 <= row_no < len(owners) + 2:
                refused.setdefault(owners[row_no - 2], reason)
        if not refused or attempt >= MAX_ATTEMPTS:
            raise RuntimeError(f"import of batch {batch.pk} failed: {job.status} {job.message}")
        for key, reason in refused.items():
            outcome.dead.append((good.pop(key)[0], reason))
    batch.unchanged = unchanged
    batch.dead_lettered = len(outcome.dead)
    batch.jobs = jobs
    batch.stored_at = timezone.now()
    batch.save(update_fields=["declarations", "lines", "unchanged", "dead_lettered", "jobs", "stored_at"])
    if arrival:
        try:
            score_model(batch, deliveries)
            if not defer:
                finish([batch], on_changes=on_changes)
        except Exception:  # stored and committed: acknowledged; ``recover`` scores it later
            log.exception("risk on arrival failed", extra={"consumer": consumer, "batch": batch.pk})
    return outcome


def score_model(batch: Batch, deliveries: list[Delivery] | None = None) -> None:
    """The batch's declarations scored by the active model (right after the import: proportional to the batch),
    and the latency of each message from its publication to stored and scored."""
    from stq.risk.arrival import score_jobs

    scored, number = score_jobs(batch.jobs) if batch.jobs else (0, None)
    if deliveries:
        now_ms = timezone.now().timestamp() * 1000
        batch.latency_ms = [int(now_ms - d.published_ms) for d in deliveries if d.published_ms]
    batch.risk = {"scored": scored, "model_version": number}
    batch.save(update_fields=["latency_ms", "risk"])


def finish(batches: list[Batch], *, on_changes=None) -> dict:
    """The rest of risk on arrival (alerts, criteria, enterprises) for the import jobs of `batches` together — the
    history is read once for all of them — then the outbound changes and the batches marked scored, in one
    transaction. A batch that was not scored by the model yet (a crash before it) is scored first."""
    from stq.risk.arrival import assess_arrival

    for batch in batches:
        if "scored" not in batch.risk:
            score_model(batch)

    def done(result):  # in risk on arrival's last transaction: the changes, their messages, the batches scored
        if result and on_changes is not None:
            on_changes(result)
        now = timezone.now()
        summary = {k: (len(v) if isinstance(v, list) else v) for k, v in result.items()
                   if k not in ("scored", "model_version")}
        for batch in batches:
            batch.scored_at = now
            batch.risk = {**batch.risk, **summary, "batches_together": len(batches),
                          "import_seconds": round((batch.stored_at - batch.received_at).total_seconds(), 3)
                          if batch.stored_at else None}
            batch.save(update_fields=["scored_at", "risk"])

    jobs = sorted({job for batch in batches for job in batch.jobs})
    if jobs:
        return assess_arrival(jobs, on_changes=done, score=False)
    done({})
    return {}


def recover(consumer: str, *, on_changes=None, ready_only: bool = False) -> int:
    """Finish the batches of `consumer` stored but not scored, together: those the consumer deferred during a
    backlog, and those a crash left between the import and the scoring. Marks "crashed" the import jobs a killed
    consumer (or any dead worker) left running. Returns the number of batches finished. ``ready_only``: only those
    the consumer has finished storing (the scorer thread's rounds)."""
    from stq.declarations.services import sweep_abandoned_imports

    sweep_abandoned_imports()
    pending = Batch.objects.filter(consumer=consumer, scored_at__isnull=True)
    if ready_only:  # the scorer thread: only the batches the consumer has stored and scored by the model
        pending = pending.filter(stored_at__isnull=False, risk__has_key="scored")
    batches = list(pending.order_by("pk"))
    for batch in batches:
        if batch.stored_at is None:  # killed during the import: its job may have committed all the same
            names = [f"broker-{batch.pk}-{i}.csv" for i in range(1, MAX_ATTEMPTS + 1)]
            batch.jobs = list(ImportJob.objects.filter(original_name__in=names, status=ImportStatus.SUCCEEDED)
                              .values_list("pk", flat=True))
            batch.save(update_fields=["jobs"])
    if batches:
        finish(batches, on_changes=on_changes)
    return len(batches)


class Scorer(threading.Thread):
    """The rounds of risk on arrival behind the imports, on a thread of the consumer's process with its own
    database connection: storing is never held up by them. Each round takes every batch stored since the last
    one (``recover(ready_only=True)``); the consumer wakes it after each batch. ``close`` runs a last round."""

    def __init__(self, consumer: Consumer):
        super().__init__(name=f"scorer-{consumer.name}", daemon=True)
        self.consumer = consumer
        self.wake = threading.Event()
        self.closing = False

    def run(self) -> None:
        try:
            while True:
                self.wake.wait(timeout=5.0)
                self.wake.clear()
                last = self.closing
                close_old_connections()
                try:
                    recover(self.consumer.name, on_changes=self.consumer._changes(), ready_only=True)
                except Exception as exc:  # stored and acknowledged: tried again at the next round
                    log.exception("risk on arrival failed", extra={"consumer": self.consumer.name})
                    ConsumerState.objects.filter(pk=self.consumer.state.pk).update(
                        last_error=f"risk on arrival: {type(exc).__name__}: {exc}"[:NOTE_MAX],
                        last_error_at=timezone.now())
                    time.sleep(1.0)
                if last:
                    return
        finally:
            connections.close_all()  # this thread's connection

    def close(self) -> None:
        self.closing = True
        self.wake.set()
        self.join()


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Consumer:
    """The consumer loop over the broker (pika, blocking connection), with reconnection."""

    def __init__(self, *, name: str | None = None, prefix: str | None = None, url: str | None = None,
                 batch_size: int = 5000, max_wait: float = 0.25, publish_results: bool = True,
                 backlog_batch_size: int | None = None):
        self.name = name or "consumer"
        self.names = broker.names(prefix)
        self.url = url
        self.batch_size = batch_size
        self.backlog_batch_size = max(batch_size, backlog_batch_size or 4 * batch_size)
        self.max_wait = max_wait
        self.publish_results = publish_results
        self.stop = False
        self.backlog = 0  # messages waiting in the queue after the last batch
        self.pending_since: float | None = None  # the first batch stored but not finished (deferred in a backlog)
        self.last_round = 0.0  # seconds the last round of risk on arrival took
        self.scorer: Scorer | None = None  # the thread of the rounds, while consuming (PostgreSQL)
        self.state, _ = ConsumerState.objects.update_or_create(
            name=self.name, defaults={"queue": self.names.declarations, "started_at": timezone.now(),
                                      "seen_at": timezone.now()})

    # -- bookkeeping -----------------------------------------------------------------------------------------------
    def _error(self, message: str) -> None:
        self.state.last_error = message[:NOTE_MAX]  # the newest error, cut to its column
        self.state.last_error_at = timezone.now()
        self.state.save(update_fields=["last_error", "last_error_at"])
        log.error("consumer error", extra={"consumer": self.name, "error": message[:4000]})

    def _report(self, outcome: Outcome, seconds: float, waiting: int | None) -> None:
        batch = outcome.batch or Batch(messages=len(outcome.dead), dead_lettered=len(outcome.dead))
        s = self.state
        s.seen_at = timezone.now()
        s.batches += 1
        s.messages += batch.messages
        s.declarations += batch.declarations
        s.dead_lettered += len(outcome.dead)
        s.waiting = waiting
        s.rate = round(batch.messages / seconds, 1) if seconds > 0 else 0
        s.lag_seconds = round(max(batch.latency_ms) / 1000, 3) if batch.latency_ms else None
        s.save()
        log.info("batch stored", extra={
            "consumer": self.name, "batch": batch.pk, "messages": batch.messages, "declarations": batch.declarations,
            "lines": batch.lines, "unchanged": batch.unchanged, "dead_lettered": len(outcome.dead),
            "seconds": round(seconds, 3), "rate": s.rate, "waiting": waiting, "lag_seconds": s.lag_seconds,
            "risk": batch.risk})

    # -- the loop --------------------------------------------------------------------------------------------------
    def _dead_letter(self, channel, outcome: Outcome) -> None:
        import pika

        for d, reason in outcome.dead:
            channel.basic_publish(
                self.names.dead_exchange, "", d.body,
                pika.BasicProperties(delivery_mode=2, message_id=d.message_id or None,
                                     content_type="application/json",
                                     headers={"x-stq-reason": reason, "x-stq-consumer": self.name,
                                              "x-stq-batch": outcome.batch.pk if outcome.batch else 0}),
                mandatory=False)
        if outcome.dead:
            DeadLetter.objects.bulk_create([
                DeadLetter(consumer=self.name, message_id=(d.message_id or "")[:100], reason=reason[:200],
                           excerpt=d.body[:200].decode("utf-8", "replace")) for d, reason in outcome.dead])

    def _changes(self, channel=None):
        """What risk on arrival does with its changes: messages in the outbox (published by ``_flush``)."""
        if not self.publish_results:
            return None
        from .outbound import enqueue_changes

        return enqueue_changes

    def _flush(self, channel) -> None:
        """Publish the outbox (a broker failure is raised: the loop reconnects, the messages wait)."""
        if self.publish_results:
            from .outbound import flush

            flush(channel, self.names)

    def run_once(self, connection, idle_exit: float | None = None) -> None:
        channel = connection.channel()
        channel.confirm_delivery()
        broker.declare(channel, self.names)
        channel.basic_qos(prefetch_count=min(self.backlog_batch_size, 65535))  # AMQP's limit
        self.backlog = broker.queue_depth(channel, self.names.declarations)
        from stq.risk.arrival import warm_up

        warm_up()  # the model loaded and compiled before the first batch, not during it
        recover(self.name, on_changes=self._changes(channel))
        self._flush(channel)
        # the rounds behind the imports, on their own thread — not inside a caller's transaction (tests), where
        # another connection would not see the batches: there they run after the batches, as in ``_process``
        db = connections["default"]
        self.scorer = Scorer(self) if db.vendor == "postgresql" and not db.in_atomic_block else None
        if self.scorer is not None:
            self.scorer.start()
        try:
            self._consume(channel, idle_exit)
        finally:
            if self.scorer is not None:
                self.scorer.close()
                self.scorer = None
        if self.pending_since is not None:
            self._finish_pending(channel)
        self._flush(channel)
        channel.cancel()

    def _consume(self, channel, idle_exit: float | None) -> None:
        idle_since = flushed = time.monotonic()
        buffer: list = []
        first_at = None
        for method, props, body in channel.consume(self.names.declarations, inactivity_timeout=0.05):
            now = time.monotonic()
            if method is not None:
                buffer.append((method, props, body))
                first_at = first_at or now
            if buffer and (len(buffer) >= self._cap() or self._due(now - first_at, len(buffer))):
                self._process(channel, buffer)
                buffer, first_at = [], None
                idle_since = time.monotonic()
            elif not buffer:
                if idle_exit is not None and now - idle_since >= idle_exit:
                    break
                if self.scorer is not None and now - flushed >= 1.0:  # what the scorer's rounds wrote
                    self._flush(channel)
                    flushed = now
                if now - idle_since > 10:
                    close_old_connections()
                    ConsumerState.objects.filter(pk=self.state.pk).update(seen_at=timezone.now(), waiting=0)
                    if self.scorer is None:
                        recover(self.name, on_changes=self._changes(channel))
                    self._flush(channel)
                    idle_since = now
            if self.stop:
                break
        if buffer:
            self._process(channel, buffer)

    def _cap(self) -> int:
        """The most messages of a batch: ``backlog_batch_size`` while a backlog waits, else ``batch_size``."""
        return self.backlog_batch_size if self.backlog > self.batch_size else self.batch_size

    def _due(self, waited: float, have: int) -> bool:
        """A partial batch is stored after ``max_wait`` seconds; while more messages wait in the queue than the
        batch holds (a catch-up), it is filled up (for at most ``BACKLOG_WAIT`` seconds): fewer, larger batches."""
        if self.backlog > have:
            return waited >= BACKLOG_WAIT
        return waited >= self.max_wait

    def _store(self, channel, deliveries: list[Delivery]) -> list[Outcome]:
        """``store_batch``; a batch whose storing fails for another reason than the database (a message that
        breaks the import in a way its checks do not catch) is split in halves until the message is alone, and
        that one is dead-lettered: it never blocks the others. A database failure is raised (nothing acked)."""
        try:
            return [store_batch(deliveries, consumer=self.name, on_changes=self._changes(channel), defer=True)]
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            log.exception("batch failed", extra={"consumer": self.name, "messages": len(deliveries)})
            if len(deliveries) == 1:
                return [Outcome(dead=[(deliveries[0], f"error:{type(exc).__name__}"[:200])])]
            half = len(deliveries) // 2
            return self._store(channel, deliveries[:half]) + self._store(channel, deliveries[half:])

    def _process(self, channel, buffer) -> None:
        started = time.monotonic()
        deliveries = [Delivery(body=body, tag=m.delivery_tag, message_id=p.message_id or "",
                               published_ms=_published_ms(p)) for m, p, body in buffer]
        outcomes = self._store(channel, deliveries)
        for outcome in outcomes:
            self._dead_letter(channel, outcome)
        channel.basic_ack(delivery_tag=buffer[-1][0].delivery_tag, multiple=True)
        try:
            waiting = broker.queue_depth(channel, self.names.declarations)
        except Exception:
            waiting = None
        self.backlog = waiting or 0
        if self.scorer is not None:
            self.scorer.wake.set()
        else:
            if any(o.batch is not None for o in outcomes):
                self.pending_since = self.pending_since or started
            if self.pending_since is not None and (waiting is None or waiting < self.batch_size or (
                    time.monotonic() - self.pending_since >= max(SCORE_EVERY, 2 * self.last_round))):
                self._finish_pending(channel)
        for outcome in outcomes:
            if outcome.batch is not None:
                outcome.batch.refresh_from_db()  # finished meanwhile, or not yet
            self._report(outcome, time.monotonic() - started, waiting)
        self._flush(channel)

    def _finish_pending(self, channel) -> None:
        """The rest of risk on arrival for the batches stored since the last round, together (``recover``)."""
        self.pending_since = None
        started = time.monotonic()
        try:
            recover(self.name, on_changes=self._changes(channel))
            self.last_round = time.monotonic() - started
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:  # stored and acknowledged: tried again at the next round
            log.exception("risk on arrival failed", extra={"consumer": self.name})
            self._error(f"risk on arrival: {type(exc).__name__}: {exc}")

    def run(self, *, idle_exit: float | None = None, retry_seconds: float = 2.0) -> None:
        """Consume until stopped (or idle for `idle_exit` seconds); reconnect after a broker failure."""
        import pika

        while not self.stop:
            try:
                with broker.connect(self.url) as connection:
                    self.run_once(connection, idle_exit)
                    if idle_exit is not None:
                        return
            except (pika.exceptions.AMQPError, OSError) as exc:
                self._error(f"broker: {type(exc).__name__}: {exc}")
                time.sleep(retry_seconds)
            except Exception as exc:  # a batch failed: its messages stay unacknowledged and come back
                self._error(f"{type(exc).__name__}: {exc}")
                close_old_connections()
                time.sleep(retry_seconds)


def _published_ms(props) -> int | None:
    headers = props.headers or {}
    if "x-stq-published-ms" in headers:
        return int(headers["x-stq-published-ms"])
    return int(props.timestamp) * 1000 if props.timestamp else None
