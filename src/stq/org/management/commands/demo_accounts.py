"""Print the demo accounts as tab-separated lines: username, password, role, unit code (no header)."""

from django.core.management.base import BaseCommand

from stq.org.demo import DEMO_PASSWORD, featured_accounts


class Command(BaseCommand):
    help = "Print the demo accounts (username<TAB>password<TAB>role<TAB>unit_code)."

    def handle(self, *args, **options):
        for account in featured_accounts():
            self.stdout.write(f"{account.username}\t{DEMO_PASSWORD}\t{account.role}\t{account.unit_code}")
