from django.core.management.base import BaseCommand

from stq.reports.reminders import send_reconciliation_reminders


class Command(BaseCommand):
    help = "Remind the units' reporting officers to reconcile last month's report figures (each reminder once)."

    def handle(self, *args, **options):
        count = send_reconciliation_reminders()
        self.stdout.write(f"{count} unit reports not reconciled yet")
