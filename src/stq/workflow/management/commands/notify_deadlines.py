from django.core.management.base import BaseCommand

from stq.workflow.reminders import send_deadline_reminders


class Command(BaseCommand):
    help = "Send the daily 'due today' and 'overdue' reminders for every workflow (each reminder once)."

    def handle(self, *args, **options):
        count = send_deadline_reminders()
        self.stdout.write(f"{count} cases due or overdue")
