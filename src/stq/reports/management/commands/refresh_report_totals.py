"""Recompute the kept monthly totals of the reports for the months marked stale (``--enqueue``: by the worker)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from stq.reports import totals
from stq.reports.tasks import refresh_totals_task


class Command(BaseCommand):
    help = "Recompute the reports' kept monthly totals of the months marked stale."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="hand it to the background worker")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            self.stdout.write(f"enqueued {refresh_totals_task.enqueue().id}")
            return
        months = totals.refresh()
        self.stdout.write(f"{len(months)} months recomputed")
