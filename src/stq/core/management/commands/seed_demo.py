"""Load the demo data (idempotent): the organisation and users; later apps add their own demo data."""

from django.core.management.base import BaseCommand

from stq.core.demo import run_seeders


class Command(BaseCommand):
    help = "Create or refresh the demo organisation, users and data. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=None, help="number of demo enterprises")

    def handle(self, *args, **options):
        for name, summary in run_seeders(options):
            self.stdout.write(f"{name}: {summary}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
