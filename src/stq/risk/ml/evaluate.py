"""Train on the training files, score a test file, and print the evaluation table.

``evaluate(train_files, test_file, scores_out=None, seed=0)``:

1. reads the training files (labels required) and the test file (labels optional);
2. separates the test file's labels from its fields at once — the models only ever see the fields;
3. trains the final dual model on the training files (holdout blend tuned on their last months; the
   test rows are ranked with the model's rule, c set on their own predictions);
4. writes ``Declaration ID,score`` for every test row (higher = riskier) when ``scores_out`` is given;
5. if the test file has labels, prints precision@k / revenue@k for a random ranking, ranking by duty at
   stake, a plain LightGBM on the raw columns, and the dual model with each feature group added in turn.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import polars as pl

from . import features as F
from .dataset import CRITICAL, FRAUD, ID, DatasetError, has_labels, read_declarations, read_many
from .metrics import DEFAULT_KS, EvaluationTable, duty_at_stake, ranking_metrics
from .model import DualModel, ModelConfig, blend_score, save_model, train_model

# Ablation steps: each adds one feature group to the previous step.
ABLATION_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dual: raw columns", ("raw",)),
    ("dual: + value per kg & duty", ("raw", "value")),
    ("dual: + history (fraud rates, counts)", ("raw", "value", "history")),
    ("dual: + identical goods lines = final", F.GROUPS),
)


@dataclass
class EvaluationReport:
    """What :func:`evaluate` measured."""

    train_window: tuple[str, str]
    train_rows: int
    test_rows: int
    training_seconds: float
    scoring_seconds: float
    blend_log10_offset: float
    scores: np.ndarray
    model: DualModel
    table: EvaluationTable | None = None
    notes: list[str] = field(default_factory=list)

    def to_text(self) -> str:
        offset = (
            "∞ (fraud probability only)"
            if math.isinf(self.blend_log10_offset)
            else (f"10^{self.blend_log10_offset:g} KRW")
        )
        lines = [
            f"train: {self.train_rows} rows, {self.train_window[0]} … {self.train_window[1]}",
            f"test: {self.test_rows} rows",
            f"final model: training {self.training_seconds:.1f} s (blend tuning included), "
            f"scoring {self.scoring_seconds:.2f} s; blend offset c = {offset}",
        ]
        lines += self.notes
        if self.table is None:
            lines.append("test file has no labels: no metrics")
        else:
            lines += ["", self.table.to_markdown()]
        return "\n".join(lines)


def evaluate(
    train_files: Sequence[str | Path],
    test_file: str | Path,
    scores_out: str | Path | None = None,
    seed: int = 0,
    *,
    config: ModelConfig | None = None,
    ablation: bool = True,
    ks: Sequence[float] = DEFAULT_KS,
    echo: Callable[[str], None] | None = print,
    save_dir: str | Path | None = None,
) -> EvaluationReport:
    """Train on ``train_files``, score ``test_file``; metrics only if the test file is labelled.

    ``save_dir``: also write the final model's artefact there (with the test metrics, if any).
    """
    config = replace(config or ModelConfig(), seed=seed)
    train = read_many(train_files)
    if not has_labels(train):
        raise DatasetError("every training file needs a complete Fraud column")
    test, labels = split_labels(read_declarations(test_file))

    started = time.perf_counter()
    model = train_model(train, config)
    training_seconds = time.perf_counter() - started
    started = time.perf_counter()
    p, revenue = model.predict_parts(test)
    offset = model.offset_for(p, revenue)  # the model's rule, on the test rows' own predictions
    scores = blend_score(p, revenue, offset)
    scoring_seconds = time.perf_counter() - started
    if scores_out is not None:
        write_scores(test, scores, scores_out)

    report = EvaluationReport(
        train_window=model.training_window,
        train_rows=train.height,
        test_rows=test.height,
        training_seconds=training_seconds,
        scoring_seconds=scoring_seconds,
        blend_log10_offset=math.log10(offset) if math.isfinite(offset) else math.inf,
        scores=scores,
        model=model,
    )
    if labels is not None:
        report.table = comparison_table(train, test, labels, model, p, scores, config, ks, ablation)
        model.metrics["test"] = {
            "file": Path(test_file).name,
            "rows": test.height,
            "table": report.table.as_records(),
        }
    if save_dir is not None:
        report.notes.append(f"artefact: {save_dir} (sha256 {save_model(model, save_dir)})")
    if echo is not None:
        echo(report.to_text())
    return report


def split_labels(frame: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray | None]:
    """The frame without its label columns, and the ``Fraud`` labels (None if the file has none)."""
    labels = frame[FRAUD].to_numpy().astype(float) if has_labels(frame) else None
    return frame.drop([c for c in (FRAUD, CRITICAL) if c in frame.columns]), labels


def write_scores(test: pl.DataFrame, scores: np.ndarray, path: str | Path) -> None:
    """``Declaration ID,score`` for every test row, in the test file's order."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame({ID: test[ID], "score": np.asarray(scores, dtype=float)}).write_csv(path)


def comparison_table(
    train: pl.DataFrame,
    test: pl.DataFrame,
    labels: np.ndarray,
    final: DualModel,
    final_p: np.ndarray,
    final_scores: np.ndarray,
    config: ModelConfig,
    ks: Sequence[float] = DEFAULT_KS,
    ablation: bool = True,
) -> EvaluationTable:
    """Baselines, feature-group ablation and the final model on the same test rows."""
    duty = duty_at_stake(test["Item Price"].to_numpy(), test["Tax Rate"].to_numpy())
    table = EvaluationTable(ks=tuple(ks))

    def add(name: str, scores: np.ndarray) -> None:
        table.add(name, ranking_metrics(scores, labels, duty, ks))

    add("random ranking", np.random.default_rng(config.seed).random(test.height))
    add("duty at stake (price × rate)", duty)
    plain = train_model(train, ModelConfig.plain(seed=config.seed, num_threads=config.num_threads))
    add("plain LightGBM (default parameters), raw columns", plain.predict_parts(test)[0])
    if ablation:
        for name, groups in ABLATION_STEPS[:-1]:
            add(name, train_model(train, replace(config, groups=groups)).score(test))
    add(ABLATION_STEPS[-1][0], final_scores)
    add("final, classifier only: P(fraud)", final_p)
    add("final, expected revenue only: P(fraud) × duty", final_p * duty)
    if ablation:
        learned = train_model(train, replace(config, revenue_head="poisson"))
        add("final with a learned revenue regressor (Poisson)", learned.score(test))
    return table
