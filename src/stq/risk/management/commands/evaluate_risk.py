"""``python manage.py evaluate_risk``: train the declaration-risk model, score a file, print the metrics.

Without arguments: train on ``df_syn_train_eng.csv`` and test on ``df_syn_valid_eng.csv`` from
``$STQ_SHARED_DATA`` (default: ``<parent of the repository>/shared/data/customs-declarations``). A test file
without label columns is scored (``--scores-out``) and no metrics are printed.

``--backtest``: the rolling-origin backtest (``stq.risk.ml.backtest``) over both files: for each month
2020-07 … 2021-01, train on everything before it, score it and the next two months; prints the table per
fold, the mean, the lowest of each column and the worst fold. Features and predictions are cached per fold
under ``--cache-dir`` (default ``var/backtest-cache``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stq.risk.ml import backtest as bt
from stq.risk.ml.dataset import DatasetError, read_many
from stq.risk.ml.evaluate import evaluate
from stq.risk.ml.model import ModelConfig

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
        parser.add_argument("--backtest", action="store_true",
                            help="rolling-origin backtest over the train and test files (see the module doc)")
        parser.add_argument("--blend", default="model", metavar="RULE",
                            help="backtest: 'model' (the model's own rule), 'precision:<expected hit rate>', "
                                 "'tuned' (c from the holdouts), 'fixed:<log10 c>', 'lanes:<revenue share>' or "
                                 "'expected:<share of the expected duty>'")
        parser.add_argument("--cache-dir", default=str(REPOSITORY_ROOT / "var" / "backtest-cache"),
                            help="backtest: cache of the per-fold features and predictions ('' for none)")
        parser.add_argument("--threads", type=int, default=2, help="LightGBM threads")
        parser.add_argument("--json", metavar="OUT.json", help="backtest: also write the figures here")

    def handle(self, *args, **options):
        data = shared_data_dir()
        train = [Path(f) for f in options["train"]] if options["train"] else [data / DEFAULT_TRAIN]
        test = Path(options["test"]) if options["test"] else data / DEFAULT_TEST
        for path in (*train, test):
            if not path.is_file():
                raise CommandError(f"file not found: {path} (set STQ_SHARED_DATA or pass --train/--test)")
        if options["backtest"]:
            self._backtest([*train, test], options)
            return
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

    def _backtest(self, files, options):
        try:
            frame = read_many(files)
            config = ModelConfig(seed=options["seed"], num_threads=options["threads"])
            blend = bt.Blend.of(config) if options["blend"] == "model" else parse_blend(options["blend"])
        except (DatasetError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        report = bt.run_backtest(frame, config, blend, cache_dir=options["cache_dir"] or None,
                                 echo=self.stdout.write)
        self.stdout.write(report.to_markdown())
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))


def parse_blend(text: str) -> bt.Blend:
    """``precision:<expected hit rate of the pick>`` | ``tuned`` |
    ``fixed:<log10 c or inf>`` | ``lanes:<share of the capacity by expected duty>`` |
    ``expected:<share of the window's expected duty the pick must hold>``."""
    kind, _, value = text.partition(":")
    if kind == "precision" and value and 0 < float(value) <= 1:
        return bt.Blend("precision", expected_precision=float(value))
    if kind == "tuned" and not value:
        return bt.Blend("tuned")
    if kind == "fixed" and value:
        return bt.Blend("fixed", log10_offset=float(value))
    if kind == "lanes" and value and 0 <= float(value) <= 1:
        return bt.Blend("lanes", revenue_share=float(value))
    if kind == "expected" and value and 0 < float(value) <= 1:
        return bt.Blend("expected", expected_revenue=float(value))
    raise ValueError(f"--blend {text!r}: use model, precision:<0–1>, tuned, fixed:<log10 c>, lanes:<share 0–1> or "
                     "expected:<share 0–1>")
