"""``python manage.py score_declarations [--since YYYY-MM-DD]``: score stored declarations with the model in use."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Score the stored declarations with the model version in use (DeclarationScore)."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=dt.date.fromisoformat)

    def handle(self, *args, **options):
        from stq.risk.training import score_declarations

        try:
            self.stdout.write(str(score_declarations(since=options["since"])))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
