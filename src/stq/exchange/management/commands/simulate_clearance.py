"""Publish a realistic day of national declaration traffic to the broker, at a chosen speed."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from stq.exchange import broker, simulator


class Command(BaseCommand):
    help = "Publish a day of declarations (the demo generator's enterprises and anomalies, with amendments)."

    def add_arguments(self, parser):
        parser.add_argument("--declarations", type=int, default=60_000)
        parser.add_argument("--rate", type=float, default=0.0, help="messages per second (0: as fast as possible)")
        parser.add_argument("--day", type=dt.date.fromisoformat, default=None, help="registration day (today)")
        parser.add_argument("--seed", type=int, default=11)
        parser.add_argument("--amend-share", type=float, default=0.02)
        parser.add_argument("--malformed", type=int, default=0, help="broken messages mixed in (dead-letter demo)")
        parser.add_argument("--prefix", default=None)

    def handle(self, *args, **o):
        if not broker.enabled():
            raise CommandError("STQ_BROKER_URL is not set: the connection to the clearance system is off.")
        started = time.monotonic()
        items = simulator.day_messages(o["declarations"], day=o["day"], seed=o["seed"],
                                       amend_share=o["amend_share"], malformed=o["malformed"])
        sent = simulator.publish(items, rate=o["rate"], prefix=o["prefix"])
        self.stdout.write(f"{sent} messages published in {time.monotonic() - started:.1f}s")
