"""Rolling-origin backtest of the declaration-risk model.

For each fold month ``m`` (2020-07 … 2021-01 by default) the model is trained on every row dated before ``m``
and scores the rows of months ``m … m+2``. Leak-free by construction, and checked:

* :func:`split_fold` returns the training rows (``Date < m``) and the scored rows (``m ≤ Date < m+3``), and
  raises :class:`LeakError` if a training row is dated on or after ``m`` or shares a declaration id with a
  scored row;
* the scored rows lose their label columns before any feature is computed (:func:`evaluate.split_labels`);
  their features come from the *training* rows' history tables only (:func:`features.build_test_matrix`), so
  neither a scored row nor an aggregate over the scored months reaches them (``tests/risk/test_backtest.py``
  changes, drops and relabels scored rows and checks that no other scored row's score moves);
* the labels are joined back to the scores only to compute the metrics.

The mix of the two lanes (fraud probability ``p`` and expected duty recovered ``p × duty``) is a
:class:`Blend`: the production rule (``precision``: the offset ``c`` of ``p + p × duty / c`` set on the scored
window's own predictions, the smallest ``c`` whose 5 % pick keeps an expected hit rate ≥ 0.855, exactly as
:meth:`model.DualModel.offset_for` does), the former rule (``tuned``: ``c`` chosen on the two 3-month
holdouts before the fold, as :func:`model.tune_blend` does when the model is trained), a fixed ``c``, or two
lanes sharing the capacity (a share of the inspections by expected duty, the rest by probability).

Costs are kept low: the feature matrices of each fold and the fold's predictions are cached on disk
(``cache_dir``, keyed by the data's fingerprint, the fold and the model configuration), so trying another
blend never retrains, and trying another model never rebuilds the features.

The enterprise ranking ranks the importers of the scored months by ``max p + Σ p × duty / c`` (their riskiest
line, plus the duty they put at stake); ``P@k`` is the share of the top ``k`` importers with at least one fraud,
``R@k`` the share of the fraudulent duty those importers hold.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import polars as pl

from . import features as F
from .dataset import DATE, FRAUD, ID, ITEM_PRICE, TAX_RATE, sort_by_date
from .evaluate import split_labels
from .metrics import duty_at_stake, n_inspected, ranking_order
from .model import ModelConfig, _add_months, _predict_heads, _smooth, fit_heads, window_log10_offset

IMPORTER = "Importer ID"
FOLD_STARTS: tuple[dt.date, ...] = (
    *(dt.date(2020, month, 1) for month in range(7, 13)),
    dt.date(2021, 1, 1),
)
HORIZON_MONTHS = 3
BACKTEST_KS: tuple[float, ...] = (0.01, 0.05, 0.10)
GOAL_K = 0.05
GOAL_PRECISION = 0.85
GOAL_REVENUE = 0.90
ENTERPRISE_K = 0.05


class LeakError(AssertionError):
    """A fold's training data reaches into its scored months."""


@dataclass(frozen=True)
class FoldWindow:
    """Scored months ``[start, stop)``; the fold trains on every row dated before ``start``."""

    start: dt.date
    stop: dt.date

    @property
    def label(self) -> str:
        last = self.stop - dt.timedelta(days=1)
        return f"{self.start:%Y-%m} … {last:%Y-%m}"


def fold_windows(starts: Sequence[dt.date] = FOLD_STARTS, months: int = HORIZON_MONTHS) -> list[FoldWindow]:
    return [FoldWindow(start, _add_months(start, months)) for start in starts]


def split_fold(frame: pl.DataFrame, window: FoldWindow) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(training rows: dated before the window, scored rows: dated inside it), both in date order."""
    frame = sort_by_date(frame)
    train = frame.filter(pl.col(DATE) < window.start)
    scored = frame.filter((pl.col(DATE) >= window.start) & (pl.col(DATE) < window.stop))
    check_no_leak(train, scored, window)
    return train, scored


def check_no_leak(train: pl.DataFrame, scored: pl.DataFrame, window: FoldWindow) -> None:
    """Raise :class:`LeakError` if a training row is dated in or after the scored window, or is a scored row."""
    if train.height and train[DATE].max() >= window.start:
        raise LeakError(f"training row dated {train[DATE].max()} ≥ first scored day {window.start}")
    if scored.height and (scored[DATE].min() < window.start or scored[DATE].max() >= window.stop):
        raise LeakError(f"scored rows outside {window.label}")
    shared = set(train[ID].to_list()) & set(scored[ID].to_list())
    if shared:
        raise LeakError(f"{len(shared)} declaration ids both trained on and scored, e.g. {sorted(shared)[:3]}")


# --------------------------------------------------------------------------------------------------------
# Per-fold predictions, cached


@dataclass
class FoldCache:
    """Feature matrices and predictions of each fold on disk (``None``: no cache)."""

    directory: Path | None

    def path(self, kind: str, key: str, suffix: str) -> Path | None:
        return None if self.directory is None else self.directory / kind / f"{key}.{suffix}"

    def matrix(self, key: str, build: Callable[[], F.FeatureMatrix]) -> F.FeatureMatrix:
        path = self.path("features", key, "npz")
        if path is not None and path.is_file():
            with np.load(path, allow_pickle=False) as stored:
                return F.FeatureMatrix(
                    stored["values"], tuple(stored["columns"].tolist()), tuple(stored["categorical"].tolist())
                )
        matrix = build()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(
                path,
                values=matrix.values,
                columns=np.array(matrix.columns),
                categorical=np.array(matrix.categorical, dtype=str),
            )
        return matrix

    def frame(self, key: str, build: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        path = self.path("predictions", key, "parquet")
        if path is not None and path.is_file():
            return pl.read_parquet(path)
        frame = build()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            frame.write_parquet(path)
        return frame


def data_fingerprint(frame: pl.DataFrame) -> str:
    """A short hash of the frame's content (any change to any row gives another cache key)."""
    hashes = sort_by_date(frame).hash_rows(seed=17)
    return hashlib.sha256(hashes.to_numpy().tobytes()).hexdigest()[:16]


def model_key(config: ModelConfig) -> str:
    """Hash of what changes the classifier's predictions (not the blend settings)."""
    relevant = {k: v for k, v in asdict(config).items() if not k.startswith(("blend", "holdout", "tune"))}
    relevant.pop("precision_target", None)
    relevant.pop("revenue_target", None)
    relevant.pop("default_log10_offset", None)
    relevant.pop("min_holdout_rows", None)
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()[:12]


def fold_predictions(
    frame: pl.DataFrame,
    window: FoldWindow,
    config: ModelConfig,
    cache: FoldCache | None = None,
    fingerprint: str | None = None,
) -> pl.DataFrame:
    """Scored rows of ``window`` with ``p`` (fraud probability), ``revenue`` (expected duty), ``duty``,
    the importer and — joined after prediction — the ``Fraud`` label."""
    cache = cache or FoldCache(None)
    fingerprint = fingerprint or data_fingerprint(frame)
    groups = "-".join(config.groups)
    base = f"{fingerprint}-{window.start:%Y%m}-{window.stop:%Y%m}"

    def build() -> pl.DataFrame:
        train, scored = split_fold(frame, window)
        fields, labels = split_labels(scored)
        if labels is None:
            raise ValueError(f"fold {window.label}: scored rows without a complete Fraud column")
        train_matrix = cache.matrix(f"{base}-train-{groups}", lambda: F.build_train_matrix(train, config.groups))
        test_matrix = cache.matrix(
            f"{base}-scored-{groups}", lambda: F.build_test_matrix(train, fields, config.groups)
        )
        classifier, regressor, _ = fit_heads(train, config, train_matrix)
        duty = duty_at_stake(fields[ITEM_PRICE].to_numpy(), fields[TAX_RATE].to_numpy())
        p, revenue = _predict_heads(classifier, regressor, test_matrix.values, duty)
        return pl.DataFrame(
            {
                ID: fields[ID],
                DATE: fields[DATE],
                IMPORTER: fields[IMPORTER],
                "p": p,
                "revenue": revenue,
                "duty": duty,
                FRAUD: labels,
            }
        )

    return cache.frame(f"{base}-{model_key(config)}", build)


# --------------------------------------------------------------------------------------------------------
# The mix of the two lanes


@dataclass(frozen=True)
class Blend:
    """How ``p`` and the expected duty make one selection.

    ``kind``: ``"precision"`` (the production rule: ``c`` set on the scored window's own predictions, the
    smallest ``c`` whose pick has a mean ``p`` ≥ ``expected_precision``, :func:`model.window_log10_offset`),
    ``"tuned"`` (offset ``c`` chosen on the two holdout windows before the fold, as the model does
    when trained), ``"fixed"`` (``c = 10^log10_offset``), ``"lanes"`` (``revenue_share`` of the capacity by
    expected duty, the rest by fraud probability; ``c`` of the tuned rule for the enterprise ranking),
    ``"expected"`` (``c`` chosen on the scored window's own *predictions*, never its labels: the largest ``c``
    of the grid whose 5 % pick holds at least ``expected_revenue`` of the window's expected duty ``Σ p × duty``).
    """

    kind: str = "precision"
    log10_offset: float = 6.0
    revenue_share: float = 0.5
    expected_revenue: float = 0.94
    expected_precision: float = ModelConfig.blend_expected_precision

    @classmethod
    def of(cls, config: ModelConfig) -> Blend:
        """The rule the model itself uses when it ranks a batch."""
        if config.blend_rule == "expected_precision":
            return cls("precision", expected_precision=config.blend_expected_precision)
        return cls("tuned")

    @property
    def label(self) -> str:
        if self.kind == "fixed":
            return "fixed c = ∞" if math.isinf(self.log10_offset) else f"fixed c = 10^{self.log10_offset:g}"
        if self.kind == "lanes":
            return f"lanes: {self.revenue_share:.0%} by expected duty, rest by probability"
        if self.kind == "precision":
            return (f"c per scored window: the smallest c whose pick has an expected hit rate (mean p) "
                    f"≥ {self.expected_precision:g}")
        if self.kind == "expected":
            return (f"c per scored window: the most precise c whose pick holds ≥ {self.expected_revenue:.0%} "
                    "of the expected duty")
        return "c tuned on the 2 holdouts before the fold"


def blend_scores(p: np.ndarray, revenue: np.ndarray, log10_offset: float) -> np.ndarray:
    return p.copy() if math.isinf(log10_offset) else p + revenue / 10.0**log10_offset


def select(pred: pl.DataFrame, blend: Blend, log10_offset: float, k: float) -> np.ndarray:
    """Indices of the rows inspected at rate ``k``."""
    p, revenue = pred["p"].to_numpy(), pred["revenue"].to_numpy()
    n = n_inspected(pred.height, k)
    if blend.kind != "lanes":
        return ranking_order(blend_scores(p, revenue, log10_offset))[:n]
    by_revenue = ranking_order(revenue)[: round(blend.revenue_share * n)]
    taken = np.zeros(pred.height, dtype=bool)
    taken[by_revenue] = True
    rest = [i for i in ranking_order(p) if not taken[i]][: n - len(by_revenue)]
    return np.concatenate([by_revenue, np.asarray(rest, dtype=int)])


def precision_revenue(pred: pl.DataFrame, chosen: np.ndarray) -> tuple[float, float]:
    fraud = pred[FRAUD].to_numpy().astype(float)
    gain = fraud * pred["duty"].to_numpy()
    total = gain.sum()
    return float(fraud[chosen].mean()), float(gain[chosen].sum() / total) if total > 0 else float("nan")


def enterprise_metrics(pred: pl.DataFrame, log10_offset: float, k: float = ENTERPRISE_K) -> tuple[float, float]:
    """(share of the top ``k`` importers with a fraud, share of the fraudulent duty they hold)."""
    per = (
        pred.with_columns((pl.col(FRAUD) * pl.col("duty")).alias("_gain"))
        .group_by(IMPORTER, maintain_order=True)
        .agg(pl.col("p").max(), pl.col("revenue").sum(), pl.col(FRAUD).max(), pl.col("_gain").sum())
        .sort(IMPORTER)
    )
    score = blend_scores(per["p"].to_numpy(), per["revenue"].to_numpy(), log10_offset)
    chosen = ranking_order(score)[: n_inspected(per.height, k)]
    fraud = per[FRAUD].to_numpy().astype(float)
    gain = per["_gain"].to_numpy()
    return float(fraud[chosen].mean()), float(gain[chosen].sum() / gain.sum()) if gain.sum() > 0 else float("nan")


def criterion_curve(pred: pl.DataFrame, grid: Sequence[float], k: float = GOAL_K) -> np.ndarray:
    """min(P@k / 0.85, R@k / 0.90) for each log10 offset of ``grid`` (the blend tuning's criterion)."""
    out = []
    for log10_c in grid:
        precision, revenue = precision_revenue(pred, select(pred, Blend("fixed"), log10_c, k))
        out.append(min(precision / GOAL_PRECISION, revenue / GOAL_REVENUE))
    return np.array(out)


# --------------------------------------------------------------------------------------------------------
# The backtest


@dataclass
class FoldResult:
    window: FoldWindow
    train_rows: int
    scored_rows: int
    frauds: int
    log10_offset: float
    precision: dict[float, float]
    revenue: dict[float, float]
    enterprise_precision: float
    enterprise_revenue: float
    importers: int

    @property
    def goal_margin(self) -> float:
        """min(P@5% / 0.85, R@5% / 0.90): ≥ 1 when the fold meets the goal."""
        return min(self.precision[GOAL_K] / GOAL_PRECISION, self.revenue[GOAL_K] / GOAL_REVENUE)

    def as_dict(self) -> dict:
        return {
            "fold": self.window.label,
            "start": str(self.window.start),
            "train_rows": self.train_rows,
            "scored_rows": self.scored_rows,
            "frauds": self.frauds,
            "log10_offset": None if math.isinf(self.log10_offset) else self.log10_offset,
            **{f"P@{k:.0%}": v for k, v in self.precision.items()},
            **{f"R@{k:.0%}": v for k, v in self.revenue.items()},
            "enterprise P@5%": self.enterprise_precision,
            "enterprise R@5%": self.enterprise_revenue,
        }


@dataclass
class BacktestReport:
    blend: Blend
    config: ModelConfig
    folds: list[FoldResult] = field(default_factory=list)
    ks: tuple[float, ...] = BACKTEST_KS

    @property
    def worst(self) -> FoldResult:
        return min(self.folds, key=lambda f: f.goal_margin)

    def mean(self, attribute: str, k: float | None = None) -> float:
        values = [getattr(f, attribute)[k] if k is not None else getattr(f, attribute) for f in self.folds]
        return float(np.mean(values))

    def minimum(self, attribute: str, k: float | None = None) -> float:
        values = [getattr(f, attribute)[k] if k is not None else getattr(f, attribute) for f in self.folds]
        return float(np.min(values))

    @property
    def goal_met(self) -> bool:
        return self.worst.goal_margin >= 1.0

    def to_markdown(self) -> str:
        ks = self.ks
        head = ["fold (scored months)", "train rows", "scored", "c (log10)"]
        head += [f"P@{k:.0%}" for k in ks] + [f"R@{k:.0%}" for k in ks] + ["ent. P@5%", "ent. R@5%"]
        lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]

        def row(name, train, scored, offset, precision, revenue, ep, er):
            cells = [name, train, scored, offset]
            cells += [f"{precision[k]:.3f}" for k in ks] + [f"{revenue[k]:.3f}" for k in ks]
            cells += [f"{ep:.3f}", f"{er:.3f}"]
            return "| " + " | ".join(str(c) for c in cells) + " |"

        worst = self.worst
        for f in self.folds:
            name = f"**{f.window.label}** (worst)" if f is worst else f.window.label
            lines.append(
                row(name, f.train_rows, f.scored_rows, _offset_text(f.log10_offset), f.precision, f.revenue,
                    f.enterprise_precision, f.enterprise_revenue)
            )
        mean = {k: self.mean("precision", k) for k in ks}, {k: self.mean("revenue", k) for k in ks}
        low = {k: self.minimum("precision", k) for k in ks}, {k: self.minimum("revenue", k) for k in ks}
        lines.append(row("mean of the folds", "", "", "", *mean, self.mean("enterprise_precision"),
                         self.mean("enterprise_revenue")))
        lines.append(row("lowest of each column", "", "", "", *low, self.minimum("enterprise_precision"),
                         self.minimum("enterprise_revenue")))
        verdict = "met" if self.goal_met else "NOT met"
        lines += [
            "",
            f"blend: {self.blend.label}. Goal at 5 % on the worst fold ({worst.window.label}): "
            f"P {worst.precision[GOAL_K]:.3f} (≥ {GOAL_PRECISION}) and R {worst.revenue[GOAL_K]:.3f} "
            f"(≥ {GOAL_REVENUE}) — {verdict}.",
        ]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "blend": asdict(self.blend),
            "folds": [f.as_dict() for f in self.folds],
            "worst": self.worst.window.label,
            "goal_met": self.goal_met,
        }


def _offset_text(log10_offset: float) -> str:
    return "∞" if math.isinf(log10_offset) else f"{log10_offset:g}"


def tuned_offset(
    frame: pl.DataFrame,
    window: FoldWindow,
    config: ModelConfig,
    cache: FoldCache,
    fingerprint: str,
) -> float:
    """The offset the model's own tuning picks for a model trained before ``window.start``.

    Same rule as :func:`model.tune_blend`: the last ``holdout_folds`` windows of ``holdout_months`` before the
    fold (each scored by a model trained before it), criterion averaged over them, smoothed over the grid.
    Those holdouts are backtest folds themselves, so their cached predictions are reused."""
    grid = [*config.blend_log10_grid, math.inf]
    curves = []
    for i in range(config.holdout_folds):
        holdout = FoldWindow(
            _add_months(window.start, -config.holdout_months * (i + 1)),
            _add_months(window.start, -config.holdout_months * i),
        )
        history_rows = frame.filter(pl.col(DATE) < holdout.start).height
        holdout_rows = frame.filter((pl.col(DATE) >= holdout.start) & (pl.col(DATE) < holdout.stop))
        if min(history_rows, holdout_rows.height) < config.min_holdout_rows:
            continue
        pred = fold_predictions(frame, holdout, config, cache, fingerprint)
        if float((pred[FRAUD] * pred["duty"]).sum()) <= 0:
            continue
        curves.append(criterion_curve(pred, grid))
    if not curves:
        return config.default_log10_offset
    smooth = _smooth(np.mean(np.array(curves), axis=0))
    return float(grid[int(np.argmax(smooth))])


def expected_revenue_offset(pred: pl.DataFrame, share: float, config: ModelConfig, k: float = GOAL_K) -> float:
    """The largest ``c`` of the grid whose top-``k`` pick holds ≥ ``share`` of ``Σ p × duty`` (predictions only)."""
    p, revenue = pred["p"].to_numpy(), pred["revenue"].to_numpy()
    total = revenue.sum()
    n = n_inspected(pred.height, k)
    grid = sorted(config.blend_log10_grid, reverse=True)
    for log10_c in grid:
        if total > 0 and revenue[ranking_order(blend_scores(p, revenue, log10_c))[:n]].sum() / total >= share:
            return float(log10_c)
    return float(grid[-1])


def run_backtest(
    frame: pl.DataFrame,
    config: ModelConfig | None = None,
    blend: Blend | None = None,
    windows: Sequence[FoldWindow] | None = None,
    cache_dir: str | Path | None = None,
    ks: Sequence[float] = BACKTEST_KS,
    echo: Callable[[str], None] | None = None,
) -> BacktestReport:
    """Train and score every fold; metrics per fold (see the module docstring)."""
    config = config or ModelConfig()
    blend = blend or Blend.of(config)
    windows = list(windows or fold_windows())
    cache = FoldCache(Path(cache_dir) if cache_dir else None)
    fingerprint = data_fingerprint(frame)
    report = BacktestReport(blend=blend, config=config, ks=tuple(ks))
    for window in windows:
        pred = fold_predictions(frame, window, config, cache, fingerprint)
        if blend.kind == "fixed":
            offset = blend.log10_offset
        elif blend.kind == "expected":
            offset = expected_revenue_offset(pred, blend.expected_revenue, config)
        elif blend.kind == "precision":
            rule = replace(config, blend_expected_precision=blend.expected_precision, blend_k=GOAL_K)
            offset = window_log10_offset(pred["p"].to_numpy(), pred["revenue"].to_numpy(), rule)
        else:
            offset = tuned_offset(frame, window, config, cache, fingerprint)
        precision, revenue = {}, {}
        for k in ks:
            precision[k], revenue[k] = precision_revenue(pred, select(pred, blend, offset, k))
        ep, er = enterprise_metrics(pred, offset)
        result = FoldResult(
            window=window,
            train_rows=frame.filter(pl.col(DATE) < window.start).height,
            scored_rows=pred.height,
            frauds=int(pred[FRAUD].sum()),
            log10_offset=offset,
            precision=precision,
            revenue=revenue,
            enterprise_precision=ep,
            enterprise_revenue=er,
            importers=pred[IMPORTER].n_unique(),
        )
        report.folds.append(result)
        if echo is not None:
            echo(
                f"{window.label}: P@5% {precision[GOAL_K]:.3f} R@5% {revenue[GOAL_K]:.3f} "
                f"(c = 10^{_offset_text(offset)})"
            )
    return report
