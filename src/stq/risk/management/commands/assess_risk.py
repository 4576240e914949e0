"""``python manage.py assess_risk``: prune the peer prices (``declarations.peer_prices``), evaluate the criteria and
recompute every enterprise's risk (run daily)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Evaluate every criterion in force over all declarations, then recompute the enterprise risk scores."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="run as a background task (for cron)")
        parser.add_argument("--skip-criteria", action="store_true", help="only recompute the scores")

    def handle(self, *args, **options):
        from stq.risk.runner import run_criteria
        from stq.risk.scoring import assess
        from stq.risk.tasks import assess_risk_task

        if options["enqueue"]:
            result = assess_risk_task.enqueue()
            self.stdout.write(f"enqueued {result.id}")
            return
        from stq.declarations import peer_prices

        self.stdout.write(f"peer prices: {peer_prices.prune()} older than {peer_prices.KEEP_DAYS} days deleted")
        if not options["skip_criteria"]:
            run = run_criteria(trigger="command")
            self.stdout.write(f"criteria: {run.criteria} evaluated, {run.hits} hits in {run.seconds:.1f}s")
        self.stdout.write(f"enterprises: {assess()}")
