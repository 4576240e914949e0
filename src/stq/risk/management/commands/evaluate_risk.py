"""``python manage.py evaluate_risk``: train the declaration-risk model, score a file, print the metrics.

Without arguments: train on ``df_syn_train_eng.csv`` and test on ``df_syn_valid_eng.csv`` from
``$STQ_SHARED_DATA`` (default: ``<parent of the repository>/shared/data/customs-declarations``). A test file
without label columns is scored (``--scores-out``) and no metrics are printed.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stq.risk.ml.dataset import DatasetError
from stq.risk.ml.evaluate import evaluate

REPOSITORY_ROOT = Path(__file__).resolve().parents[5]
DEFAULT_TRAIN = "df_syn_train_eng.csv"
DEFAULT_TEST = "df_syn_valid_eng.csv"


def shared_data_dir() -> Path:
    """``$STQ_SHARED_DATA`` if set, else ``../shared/data/customs-declarations`` next to the repository."""
    configured = os.environ.get("STQ_SHARED_DATA")
    if configured:
        return Path(configured)
    return REPOSITORY_ROOT.parent / "shared" / "data" / "customs-declarations"


class Command(BaseCommand):
    help = (
        "Train the declaration-risk model on --train, score --test (Declaration ID,score to --scores-out) "
        "and print precision@k / revenue@k with baselines and the feature-group ablation."
    )

    def add_arguments(self, parser):
        parser.add_argument("--train", nargs="+", metavar="FILE", help="training CSV file(s), labelled")
        parser.add_argument("--test", metavar="FILE", help="CSV file to score (labels optional)")
        parser.add_argument("--scores-out", metavar="OUT.csv", help="write Declaration ID,score here")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--no-ablation", action="store_true", help="skip the feature-group ablation")
        parser.add_argument("--save-model", metavar="DIR", help="write the final model's artefact to DIR")

    def handle(self, *args, **options):
        data = shared_data_dir()
        train = [Path(f) for f in options["train"]] if options["train"] else [data / DEFAULT_TRAIN]
        test = Path(options["test"]) if options["test"] else data / DEFAULT_TEST
        for path in (*train, test):
            if not path.is_file():
                raise CommandError(f"file not found: {path} (set STQ_SHARED_DATA or pass --train/--test)")
        try:
            evaluate(
                train,
                test,
                scores_out=options["scores_out"],
                seed=options["seed"],
                ablation=not options["no_ablation"],
                echo=self.stdout.write,
                save_dir=options["save_model"],
            )
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        if options["scores_out"]:
            self.stdout.write(f"scores written to {options['scores_out']}")
