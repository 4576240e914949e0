import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from stq.audits.selectors import open_cases_naming_months
from stq.declarations import partitions


class Command(BaseCommand):
    help = ("Move the declaration history of every month before YYYY-MM (headers, goods lines, scores) out of the "
            "live tables into the schema 'archive' (PostgreSQL: DETACH PARTITION … CONCURRENTLY). Refused while an "
            "open audit case names a declaration of those months.")

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="first month kept live, YYYY-MM")

    def handle(self, *args, before, **options):
        try:
            if not re.fullmatch(r"\d{4}-\d{2}", before):
                raise ValueError(before)
            month = date(int(before[:4]), int(before[5:]), 1)
        except ValueError as exc:
            raise CommandError("--before must be a month, YYYY-MM") from exc
        try:
            moved = partitions.archive(month, guard=open_cases_naming_months,
                                       log=lambda name: self.stdout.write(f"archived {name}"))
        except partitions.ArchiveRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{len(moved)} partitions moved to schema {partitions.ARCHIVE_SCHEMA}")
