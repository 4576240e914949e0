"""``python manage.py scan_imports``: raise the alerts of every successful import not scanned yet."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Scan every successful declaration import that has no alert scan yet."

    def handle(self, *args, **options):
        from stq.declarations.models import ImportJob, ImportStatus
        from stq.risk.alerts import scan_import
        from stq.risk.models import AlertScan

        done = set(AlertScan.objects.values_list("import_job_id", flat=True))
        for job_id in (ImportJob.objects.filter(status=ImportStatus.SUCCEEDED, dry_run=False)
                       .exclude(pk__in=done).values_list("pk", flat=True)):
            scan = scan_import(job_id)
            self.stdout.write(f"import {job_id}: {scan.alerts if scan else 0} alerts")
