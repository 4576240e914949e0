"""Consume declarations from the clearance system's queue (RabbitMQ), store and score them. Runs until stopped
(SIGTERM/SIGINT: the batch in hand is finished and acknowledged first); systemd: deploy/systemd/stq-consumer.service.
"""

import signal

from django.core.management.base import BaseCommand, CommandError

from stq.exchange import broker
from stq.exchange.consumer import Consumer, default_name


class Command(BaseCommand):
    help = "Consume declaration messages from the broker (STQ_BROKER_URL), store and score them in batches."

    def add_arguments(self, parser):
        parser.add_argument("--name", default="", help="consumer name (default: host:pid)")
        parser.add_argument("--prefix", default=None, help="exchange/queue name prefix (default STQ_BROKER_PREFIX)")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--backlog-batch-size", type=int, default=None,
                            help="most messages of a batch while a backlog waits (default 4 × --batch-size)")
        parser.add_argument("--max-wait", type=float, default=0.25,
                            help="seconds to fill a batch (when no backlog waits)")
        parser.add_argument("--idle-exit", type=float, default=None,
                            help="stop after this many seconds without messages (benchmarks, tests)")
        parser.add_argument("--no-results", action="store_true", help="do not publish the outbound results")

    def handle(self, *args, **o):
        if not broker.enabled():
            raise CommandError("STQ_BROKER_URL is not set: the connection to the clearance system is off.")
        consumer = Consumer(name=o["name"] or default_name(), prefix=o["prefix"], batch_size=o["batch_size"],
                            max_wait=o["max_wait"], publish_results=not o["no_results"],
                            backlog_batch_size=o["backlog_batch_size"])

        def stop(signum, frame):
            consumer.stop = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        consumer.run(idle_exit=o["idle_exit"])
        s = consumer.state
        self.stdout.write(f"{s.batches} batches, {s.messages} messages, {s.declarations} declarations stored, "
                          f"{s.dead_lettered} dead-lettered")
