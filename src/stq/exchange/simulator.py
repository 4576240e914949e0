"""A day of national traffic, as the clearance system would publish it (demo, tests, benchmarks).

``day_messages`` turns the demo generator's rows (``stq.declarations.demo.generate_rows``: its HS mix, its
enterprises and its planted anomalies — an under-pricer, a volume surge, an origin switch) into declaration
messages of the layout ``stq.declaration/1``, all registered on one day, and adds amendments: a share of the
declarations comes again later in the day at the next revision with a changed first line (value and taxes),
as the clearance system sends a corrected declaration. ``publish`` sends them at a chosen speed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections.abc import Iterator

from stq.declarations.demo import demo_tax_codes, generate_rows
from stq.declarations.layouts import COLUMNS

from . import broker, messages

I = {name: i for i, name in enumerate(COLUMNS)}  # noqa: E741


def day_tax_codes() -> list[str]:
    """The demo's enterprises (those in the directory first, as the demo seeder does)."""
    from stq.declarations.demo import _enterprise_tax_codes

    codes = _enterprise_tax_codes()
    return codes + demo_tax_codes(max(0, 40 - len(codes)))


def _declarations(n: int, *, day: dt.date, tax_codes: list[str], seed: int, start_number: int):
    rows = generate_rows(n * 3, tax_codes=tax_codes, year=day.year, seed=seed, start_number=start_number)
    count = 0
    for _, group in itertools.groupby(rows, key=lambda r: r[0]):
        if count >= n:
            return
        decl = [list(r) for r in group]
        for r in decl:
            r[I["registered_on"]] = day.isoformat()
        count += 1
        yield decl


def amended(decl: list[list[str]]) -> list[list[str]]:
    """The next revision of a declaration: the first line's value up by 10 % (taxes follow)."""
    out = [list(r) for r in decl]
    number = out[0][0]
    new_number = number[:11] + str(int(number[11]) + 1)
    first = out[0]
    old = int(first[I["line_customs_value"]])
    new = int(old * 1.1)
    rate = float(first[I["import_duty_rate"]] or 0)
    first[I["line_customs_value"]] = str(new)
    first[I["import_duty"]] = str(int(new * rate / 100))
    if first[I["vat"]] != "0":
        first[I["vat"]] = str((new + int(first[I["import_duty"]])) // 10)
    total = int(first[I["customs_value"]]) + new - old
    for r in out:
        r[0] = new_number
        r[I["customs_value"]] = str(total)
    return out


def day_messages(n: int, *, day: dt.date | None = None, tax_codes: list[str] | None = None, seed: int = 11,
                 amend_share: float = 0.02, malformed: int = 0, start_number: int | None = None
                 ) -> Iterator[tuple[str, bytes]]:
    """(message id, body) of `n` declarations of one day plus their amendments (``amend_share`` of them, each
    published a few hundred messages after its first revision) and `malformed` broken messages."""
    day = day or dt.date.today()
    tax_codes = tax_codes or day_tax_codes()
    rng = random.Random(seed)
    start = start_number if start_number is not None else 500_000_000 + (day.toordinal() % 3000) * 150_000
    pending: list[tuple[int, list[list[str]]]] = []
    broken_at = set(rng.sample(range(n), min(malformed, n))) if malformed else set()
    for i, decl in enumerate(_declarations(n, day=day, tax_codes=tax_codes, seed=seed, start_number=start)):
        yield decl[0][0], messages.from_rows(decl)
        if i in broken_at:
            yield f"broken-{i}", b'{"schema": "stq.declaration", "version": 1, "number": "12'
        if rng.random() < amend_share:
            pending.append((i + rng.randint(50, 500), decl))
        while pending and pending[0][0] <= i:
            amendment = amended(pending.pop(0)[1])
            yield amendment[0][0], messages.from_rows(amendment)
    for _, decl in pending:
        amendment = amended(decl)
        yield amendment[0][0], messages.from_rows(amendment)


def publish(items, *, rate: float = 0.0, prefix: str | None = None, url: str | None = None,
            on_sent=None, confirm: bool | None = None) -> int:
    """Publish (message id, body) pairs to the declarations exchange at `rate` messages/s (0: as fast as
    possible). Persistent messages; ``x-stq-published-ms`` carries the time of publication for the latency
    figures. ``confirm`` (default: when a rate is set) waits for the broker's confirmation of each message; a bulk
    publication without it ends with a synchronous call on the channel, which the broker answers only after it
    has routed every message published before (AMQP orders a channel's operations)."""
    import pika

    n = broker.names(prefix)
    sent = 0
    started = time.monotonic()
    with broker.connect(url) as conn:
        channel = conn.channel()
        if confirm if confirm is not None else rate > 0:
            channel.confirm_delivery()
        broker.declare(channel, n)
        for message_id, body in items:
            if rate > 0:
                wait = started + sent / rate - time.monotonic()
                if wait > 0:
                    conn.sleep(wait)
            now = time.time()
            channel.basic_publish(n.declarations, broker.DECLARATION_KEY, body, pika.BasicProperties(
                delivery_mode=2, content_type="application/json", type=messages.SCHEMA, message_id=message_id,
                timestamp=int(now), headers={"x-stq-published-ms": int(now * 1000)}))
            sent += 1
            if on_sent is not None:
                on_sent(message_id, now)
        broker.queue_depth(channel, n.declarations)
    return sent
