"""python manage.py sweep_imports — mark "crashed" the imports left "running" by a worker that is gone."""

from django.core.management.base import BaseCommand

from stq.declarations.services import sweep_abandoned_imports


class Command(BaseCommand):
    help = 'Mark "crashed" the declaration imports whose worker stopped while they ran (run by a timer).'

    def handle(self, *args, **opts):
        swept = sweep_abandoned_imports()
        self.stdout.write(f"{len(swept)} abandoned import(s) marked crashed: {swept}" if swept
                          else "no abandoned import")
