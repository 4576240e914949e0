"""Import (or check) an STQ01 CSV file from the command line, e.g. for a file too large to upload:

    python manage.py import_stq01 stq01.csv --user quantri.chq            # dry run: prints the row errors
    python manage.py import_stq01 stq01.csv --user quantri.chq --commit   # the real, all-or-nothing import
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stq.core.errors import AppError
from stq.legacy.services import legacy_import
from stq.org.models import User


class Command(BaseCommand):
    help = "Check or import an STQ01 CSV file (see stq.legacy.layout for the columns)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="the importing user (national unit admin or risk manager)")
        parser.add_argument("--commit", action="store_true", help="import; without it, a dry run")

    def handle(self, *args, file, user, commit, **options):
        actor = User.objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"No user {user!r}")
        path = Path(file)
        try:
            report = legacy_import(actor=actor, content=path.read_bytes(), filename=path.name, dry_run=not commit)
        except AppError as error:
            raise CommandError(str(error.message)) from None
        for e in report.errors[:200]:
            self.stdout.write(f"line {e.row}: {e.column}: {e.message}")
        if report.already_imported:
            self.stdout.write(f"already imported (batch {report.batch.pk}); nothing changed")
        elif report.errors:
            raise CommandError(f"{len(report.errors)} errors; nothing written")
        elif commit:
            batch = report.batch
            self.stdout.write(f"imported {batch.imported} records, updated {batch.updated}, "
                              f"skipped {batch.skipped} unchanged "
                              f"(batch {batch.pk})")
        else:
            self.stdout.write(f"dry run: {report.to_import} rows to import, {report.to_update} to update, "
                              f"{report.skipped} already imported unchanged")
