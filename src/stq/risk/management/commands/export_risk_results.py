"""Drop the risk results export (layout stq.risk-results/1) into STQ_RESULTS_DIR (or --dir); idempotent."""

from django.core.management.base import BaseCommand

from stq.risk import results_export


class Command(BaseCommand):
    help = "Write the risk results export for the clearance system (enterprise classes, target lists, hits)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None)

    def handle(self, *args, **o):
        path, written = results_export.write_file(o["dir"])
        self.stdout.write(f"{path} ({'written' if written else 'unchanged: already exported'})")
