from django.core.management.base import BaseCommand
from django.utils import timezone

from stq.declarations import partitions


class Command(BaseCommand):
    help = ("Create the monthly partitions of the declaration history (headers, goods lines, scores) for the current "
            "month and the next three (PostgreSQL; run daily with notify_deadlines).")

    def handle(self, *args, **options):
        created = partitions.ensure_ahead(timezone.localdate())
        self.stdout.write(f"{len(created)} partitions created" + (f": {', '.join(created)}" if created else ""))
