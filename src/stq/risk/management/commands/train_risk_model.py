"""``python manage.py train_risk_model``: train a new model version and register it (artefact, metrics).

Sources: labelled CSV files (``--train F … [--test F]``, default: the shared data of ``evaluate_risk``) or the
stored declarations labelled by STQ's audit conclusions (``--from-db``). ``--score`` then scores the stored
declarations with the new version.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stq.risk.management.commands.evaluate_risk import DEFAULT_TEST, DEFAULT_TRAIN, shared_data_dir


class Command(BaseCommand):
    help = "Train and register a declaration-risk model version (from CSV files or from audit outcomes)."

    def add_arguments(self, parser):
        parser.add_argument("--train", nargs="+", metavar="FILE")
        parser.add_argument("--test", metavar="FILE", help="labelled file for the version's metrics")
        parser.add_argument("--from-db", action="store_true", help="train on stored declarations + audit outcomes")
        parser.add_argument("--no-activate", action="store_true", help="register without putting it in use")
        parser.add_argument("--score", action="store_true", help="then score the stored declarations")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--enqueue", action="store_true", help="retrain from the database as a background task")

    def handle(self, *args, **options):
        from stq.risk import training
        from stq.risk.tasks import retrain_task

        if options["enqueue"]:
            self.stdout.write(f"enqueued {retrain_task.enqueue(True, options['score']).id}")
            return
        activate = not options["no_activate"]
        try:
            if options["from_db"]:
                version = training.train_from_database(seed=options["seed"], activate=activate)
            else:
                data = shared_data_dir()
                train = [Path(f) for f in options["train"]] if options["train"] else [data / DEFAULT_TRAIN]
                test = Path(options["test"]) if options["test"] else (None if options["train"] else data / DEFAULT_TEST)
                for path in [*train, *([test] if test else [])]:
                    if not path.is_file():
                        raise CommandError(f"file not found: {path}")
                version = training.train_from_files(train, test, seed=options["seed"], activate=activate)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"model version v{version.number}: {version.rows} rows, "
                          f"{version.training_from}–{version.training_to}, {version.seconds:.1f}s, "
                          f"sha256 {version.artefact_sha256[:12]}…, metrics {version.metrics.get('summary')}")
        if options["score"]:
            self.stdout.write(f"scored: {training.score_declarations(model_version=version)}")
