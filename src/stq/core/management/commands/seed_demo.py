"""Load the demo data (idempotent): the organisation and users; later apps add their own demo data."""

import time

from django.core.management.base import BaseCommand

from stq.core.demo import run_seeders


class Command(BaseCommand):
    help = "Create or refresh the demo organisation, users and data. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=None, help="number of demo enterprises")

    def handle(self, *args, **options):
        """Progress as it goes: each step's name when it starts, then what it made and how long it took."""
        started = [time.monotonic(), 0]

        def on_start(name):
            started[0], started[1] = time.monotonic(), started[1] + 1
            self.stdout.write(f"[{started[1]}] {name}…")
            self.stdout.flush()

        for name, summary in run_seeders(options, on_start=on_start):
            self.stdout.write(f"    {name}: {summary} ({time.monotonic() - started[0]:.1f} s)")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
