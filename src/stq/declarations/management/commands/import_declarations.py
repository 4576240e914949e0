"""python manage.py import_declarations FILE [--dry-run] [--format stq|kcs]"""

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from stq.declarations.importer import run_import
from stq.declarations.models import ImportStatus
from stq.declarations.services import import_job_create


class Command(BaseCommand):
    help = "Import a declarations CSV file (STQ layout, or the public dataset with --format kcs)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        parser.add_argument("--format", default="stq", choices=["stq", "kcs"])

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with path.open("rb") as fh:
            job = import_job_create(actor=None, file=File(fh, name=path.name), fmt=opts["format"],
                                    dry_run=opts["dry_run"], enqueue=False)
        if job.status == ImportStatus.SKIPPED:
            self.stdout.write(f"job {job.pk}: already imported as job {job.duplicate_of_id} — nothing to do")
            return

        def progress(j):
            self.stderr.write(f"\r{j.rows_done:,}/{j.rows_total:,} rows", ending="")

        job = run_import(job, progress=progress if opts["verbosity"] > 1 else None)
        self.stdout.write(
            f"job {job.pk}: {job.status}; rows {job.rows_done}; errors {job.errors_count}; "
            f"new declarations {job.declarations_new}; replaced {job.declarations_replaced}; "
            f"lines {job.lines_written}; {job.message}"
        )
        if job.errors_count:
            self.stdout.write(f"errors CSV: {job.errors_file.path}")
            raise CommandError("the file was refused: nothing was written")
