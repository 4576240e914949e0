"""The dual declaration-risk model: fraud probability + expected revenue, blended into one ranking score.

Heads (after DATE, Kim et al. 2020, which predicts fraud and revenue together):

* **classifier** — LightGBM, binary log-loss on ``Fraud``: ``p = P(fraud | declaration)``; ``n_bags``
  boosters with consecutive seeds, averaged in log-odds (less variance on the rare high-duty rows).
* **revenue** — the expected duty recovered by inspecting the row, ``E[Fraud × duty at stake]``.
  ``"expected"`` (default) uses ``p × duty at stake``: the duty at stake is a field of the declaration, so
  this is exact for a calibrated ``p``. ``"poisson"`` learns it instead with a LightGBM Poisson regressor of
  ``Fraud × duty`` with ``log(duty)`` as offset (exposure), i.e. a revenue-weighted fraud probability.

Ranking score: ``p + revenue / c``. Every inspected fraud counts 1, plus its expected duty in units of
``c`` (KRW). ``c = ∞`` ranks by fraud probability (precision), ``c → 0`` by expected revenue. How ``c`` is
set (``ModelConfig.blend_rule``):

* ``"expected_precision"`` (default): per scored batch, from the batch's own *predictions* (never a label):
  the smallest ``c`` of a fine grid whose top-``k`` pick still has an expected hit rate (mean ``p`` of the
  pick) of at least ``blend_expected_precision``. This is the pick that recovers the most expected duty
  while the expected precision stays on target (ranking by ``p × (duty + c)`` is the Lagrangian solution of
  "maximise Σ p × duty subject to Σ p ≥ τ × n"). It adapts ``c`` to the batch: the rolling-origin backtest
  showed that no single ``c`` suits every quarter. Batches under ``blend_min_window_rows`` rows use the
  holdout ``c`` below.
* ``"holdout"``: the ``c`` tuned on time-based holdouts carved from the *training* data only (the last
  months, with the history of the earlier months only, exactly like a test file), to maximise the worse of
  ``precision@k / target`` and ``revenue@k / target``. Always computed at training (also the fallback).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl

from stq.core.texts import Text

from . import drift
from . import features as F
from .dataset import DATE, FRAUD, ITEM_PRICE, TAX_RATE, sort_by_date
from .metrics import duty_at_stake, ranking_metrics
from .wording import PRIOR_KEY, describe_contribution, summary

__all__ = ["PRIOR_KEY", "describe_contribution"]  # the explanation sentences live in .wording

MODEL_NAME = "stq-risk-dual"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ModelConfig:
    """Hyper-parameters of the dual model and of the blend tuning."""

    groups: tuple[str, ...] = F.GROUPS
    revenue_head: str = "expected"  # "expected" (p × duty) or "poisson" (learned regressor)
    num_boost_round: int = 800
    learning_rate: float = 0.025
    num_leaves: int = 15
    min_data_in_leaf: int = 100
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    lambda_l2: float = 10.0
    seed: int = 0
    n_bags: int = 3
    num_threads: int = 2
    # Blend tuning on time holdouts carved from the training data.
    tune_blend: bool = True
    holdout_months: int = 3
    holdout_folds: int = 2
    min_holdout_rows: int = 200
    blend_k: float = 0.05
    precision_target: float = 0.85
    revenue_target: float = 0.90
    blend_log10_grid: tuple[float, ...] = tuple(np.round(np.arange(3.0, 9.01, 0.125), 3).tolist())
    default_log10_offset: float = 6.0
    # How c is set when ranking a batch (see the module docstring); the expected precision 0.855 was chosen
    # by the rolling-origin backtest as a whole (benchmarks/RISK.md), not on one fold.
    blend_rule: str = "expected_precision"  # or "holdout"
    blend_expected_precision: float = 0.855
    blend_window_step: float = 0.025  # log10 grid step of the per-batch c
    blend_min_window_rows: int = 1000

    @classmethod
    def plain(cls, **overrides) -> ModelConfig:
        """LightGBM's own default hyper-parameters, no blend: the "plain GBM" baseline."""
        values = {
            "groups": F.PLAIN_GROUPS,
            "num_boost_round": 100,
            "learning_rate": 0.1,
            "num_leaves": 31,
            "min_data_in_leaf": 20,
            "feature_fraction": 1.0,
            "bagging_fraction": 1.0,
            "lambda_l2": 0.0,
            "tune_blend": False,
            "default_log10_offset": math.inf,
            "n_bags": 1,
        }
        return cls(**{**values, **overrides})

    def lgb_params(self, objective: str = "binary") -> dict:
        return {
            "objective": objective,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": 1,
            "lambda_l2": self.lambda_l2,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "num_threads": self.num_threads,
            "verbose": -1,
        }


class BaggedClassifier:
    """Boosters averaged in log-odds: ``p = sigmoid(mean raw score)``, contributions averaged alike."""

    def __init__(self, boosters: Sequence[lgb.Booster]):
        if not boosters:
            raise ValueError("at least one booster")
        self.boosters = list(boosters)

    def raw_score(self, values: np.ndarray) -> np.ndarray:
        return np.mean([b.predict(values, raw_score=True) for b in self.boosters], axis=0)

    def predict(self, values: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.raw_score(values)))

    def contributions(self, values: np.ndarray) -> np.ndarray:
        """Per-feature log-odds contributions (last column: bias); rows sum to :meth:`raw_score`."""
        return np.mean([b.predict(values, pred_contrib=True) for b in self.boosters], axis=0)

    def model_strings(self) -> list[str]:
        return [b.model_to_string() for b in self.boosters]


@dataclass
class BlendChoice:
    """The tuned blend offset ``c`` and how it was chosen."""

    log10_offset: float  # math.inf: rank by fraud probability only
    folds: list[dict] = field(default_factory=list)  # window and metrics of each holdout fold
    criterion: dict[str, float] = field(default_factory=dict)  # grid value -> mean criterion

    @property
    def offset(self) -> float:
        return math.inf if math.isinf(self.log10_offset) else 10.0**self.log10_offset


@dataclass
class Contribution:
    """One feature's share in a prediction (log-odds of fraud), with the sentence that states the fact behind it
    (a ``core.texts.Text``: stored as a code with parameters, rendered in the reader's language)."""

    feature: str
    value: float
    contribution: float
    sentence: Text


@dataclass
class DualModel:
    """Trained heads, the history tables a scoring frame needs, and the metadata of the artefact."""

    config: ModelConfig
    classifier: BaggedClassifier
    regressor: lgb.Booster | None
    history: F.HistoryTables
    blend: BlendChoice
    columns: tuple[str, ...]
    categorical: tuple[str, ...]
    metrics: dict = field(default_factory=dict)
    artefact_sha256: str | None = None

    @property
    def training_window(self) -> tuple[str, str]:
        return self.history.window

    def features(self, frame: pl.DataFrame) -> F.FeatureMatrix:
        return F.build_test_matrix(self.history, frame, self.config.groups)

    def predict_parts(self, frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(fraud probability, expected revenue in KRW) of each row."""
        matrix = self.features(frame)
        duty = _duty(frame)
        return _predict_heads(self.classifier, self.regressor, matrix.values, duty)

    def score(self, frame: pl.DataFrame) -> np.ndarray:
        """Ranking score of each row (higher = riskier); ``c`` set for this batch (:meth:`offset_for`)."""
        p, revenue = self.predict_parts(frame)
        return blend_score(p, revenue, self.offset_for(p, revenue))

    def offset_for(self, p: np.ndarray, revenue: np.ndarray) -> float:
        """The blend offset ``c`` (KRW) for ranking this batch of predictions (labels never used)."""
        config = self.config
        if config.blend_rule == "holdout" or len(p) < config.blend_min_window_rows:
            return self.blend.offset
        if config.blend_rule != "expected_precision":
            raise ValueError(f"unknown blend rule {config.blend_rule!r}")
        log10_c = window_log10_offset(p, revenue, config)
        return math.inf if math.isinf(log10_c) else 10.0**log10_c

    def summarise(self, frame: pl.DataFrame) -> list[Text]:
        """One sentence per row (a ``core.texts.Text``): fraud probability, duty at stake and expected recovery."""
        p, revenue = self.predict_parts(frame)
        duty = _duty(frame)
        return [summary(pi, di, ri) for pi, di, ri in zip(p, duty, revenue, strict=True)]

    def explain(self, frame: pl.DataFrame, top_n: int = 3, matrix: F.FeatureMatrix | None = None
                ) -> list[list[Contribution]]:
        """Top ``top_n`` features by absolute contribution to each row's fraud log-odds. `matrix`: the rows'
        features when the caller has them already (the rows of ``self.features`` of a larger frame: a scoring
        row's features do not depend on the other rows), else they are built from `frame`."""
        matrix = self.features(frame) if matrix is None else matrix
        contrib = self.classifier.contributions(matrix.values)
        rows = frame.to_dicts()
        out = []
        for i, row in enumerate(rows):
            values = dict(zip(matrix.columns, matrix.values[i], strict=True))
            values[PRIOR_KEY] = self.history.fraud_rate
            order = np.argsort(-np.abs(contrib[i, :-1]), kind="stable")[:top_n]
            out.append(
                [
                    Contribution(
                        feature=matrix.columns[j],
                        value=float(matrix.values[i, j]),
                        contribution=float(contrib[i, j]),
                        sentence=describe_contribution(matrix.columns[j], values, row, contrib[i, j]),
                    )
                    for j in order
                ]
            )
        return out


# --------------------------------------------------------------------------------------------------------
# Training


def blend_score(p: np.ndarray, revenue: np.ndarray, offset: float) -> np.ndarray:
    """``p + revenue / offset`` (``offset = inf``: ``p`` alone)."""
    if math.isinf(offset):
        return np.asarray(p, dtype=float).copy()
    return np.asarray(p, dtype=float) + np.asarray(revenue, dtype=float) / offset


def window_log10_offset(p: np.ndarray, revenue: np.ndarray, config: ModelConfig) -> float:
    """log10 of the smallest ``c`` of a fine grid (step ``blend_window_step`` over ``blend_log10_grid``'s
    range) whose top ``blend_k`` pick of this batch has a mean ``p`` ≥ ``blend_expected_precision``;
    ``inf`` if none has. Searched coarse to fine (every fifth grid point first, then the points before the
    first coarse one that qualifies): the mean ``p`` of the pick grows with ``c`` almost everywhere."""
    p = np.asarray(p, dtype=float)
    revenue = np.asarray(revenue, dtype=float)
    n = max(1, math.floor(config.blend_k * len(p) + 1e-9))
    tau = config.blend_expected_precision

    def qualifies(log10_c: float) -> bool:
        score = p if math.isinf(log10_c) else p + revenue / 10.0**log10_c
        # the pick's set, not its order, decides its mean p: a partition is enough (linear time)
        return bool(p[np.argpartition(-score, n - 1)[:n]].mean() >= tau)

    low, high = min(config.blend_log10_grid), max(config.blend_log10_grid)
    grid = np.round(np.arange(low, high + config.blend_window_step / 2, config.blend_window_step), 6)
    if not qualifies(math.inf):
        return math.inf
    coarse = range(0, len(grid), 5)
    first = next((i for i in coarse if qualifies(grid[i])), None)
    if first is None:
        fine = range(coarse[-1] + 1, len(grid))
        return next((float(grid[i]) for i in fine if qualifies(grid[i])), math.inf)
    return next((float(grid[i]) for i in range(max(0, first - 4), first) if qualifies(grid[i])), float(grid[first]))


def train_model(train: pl.DataFrame, config: ModelConfig | None = None) -> DualModel:
    """Tune the blend on time holdouts of ``train``, then fit both heads on all of ``train``."""
    config = config or ModelConfig()
    train = sort_by_date(train)
    blend = tune_blend(train, config) if config.tune_blend else BlendChoice(config.default_log10_offset)
    classifier, regressor, matrix = fit_heads(train, config)
    reference = drift.reference(
        matrix.values,
        matrix.columns,
        classifier.predict(matrix.values),
        drift.main_features(classifier.boosters, matrix.columns),
    )
    return DualModel(
        config=config,
        classifier=classifier,
        regressor=regressor,
        history=F.fit_history(train),
        blend=blend,
        columns=matrix.columns,
        categorical=matrix.categorical,
        metrics={"holdout": holdout_summary(blend), "drift_reference": reference},
    )


def fit_heads(
    train: pl.DataFrame, config: ModelConfig, matrix: F.FeatureMatrix | None = None
) -> tuple[BaggedClassifier, lgb.Booster | None, F.FeatureMatrix]:
    """Fit the classifier (and the learned revenue regressor, if configured) on expanding-window features.

    ``matrix``: the features of ``train`` already built by :func:`features.build_train_matrix` (the
    backtest caches them per fold); built here when not given."""
    if matrix is None:
        matrix = F.build_train_matrix(train, config.groups)
    y = train[FRAUD].to_numpy().astype(float)
    cat_idx = [matrix.columns.index(c) for c in matrix.categorical]
    data = lgb.Dataset(matrix.values, y, feature_name=_lgb_names(matrix.columns), categorical_feature=cat_idx)
    classifier = BaggedClassifier(
        [
            lgb.train(
                replace(config, seed=config.seed + i).lgb_params("binary"), data, config.num_boost_round
            )
            for i in range(max(1, config.n_bags))
        ]
    )
    regressor = None
    if config.revenue_head == "poisson":
        regressor = _fit_revenue_regressor(matrix, y, _duty(train), cat_idx, config)
    elif config.revenue_head != "expected":
        raise ValueError(f"unknown revenue head {config.revenue_head!r}")
    return classifier, regressor, matrix


def _fit_revenue_regressor(
    matrix: F.FeatureMatrix, y: np.ndarray, duty: np.ndarray, cat_idx: list[int], config: ModelConfig
) -> lgb.Booster:
    """Poisson regressor of ``Fraud × duty`` with ``log(duty)`` as offset, on rows with a positive duty."""
    positive = duty > 0
    data = lgb.Dataset(
        matrix.values[positive],
        (y * duty)[positive],
        init_score=np.log(duty[positive]),
        feature_name=_lgb_names(matrix.columns),
        categorical_feature=cat_idx,
    )
    return lgb.train(config.lgb_params("poisson"), data, num_boost_round=config.num_boost_round // 2)


def _predict_heads(
    classifier: BaggedClassifier, regressor: lgb.Booster | None, values: np.ndarray, duty: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    p = classifier.predict(values)
    if regressor is None:
        return p, p * duty
    raw = regressor.predict(values, raw_score=True)
    with np.errstate(divide="ignore"):
        revenue = np.where(duty > 0, np.exp(raw + np.log(np.where(duty > 0, duty, 1.0))), 0.0)
    return p, revenue


# --------------------------------------------------------------------------------------------------------
# Blend tuning on time holdouts of the training data


def time_folds(train: pl.DataFrame, months: int, n_folds: int) -> list[tuple[dt.date, dt.date]]:
    """Holdout windows ``[start, end)``: the last ``months`` calendar months, then the ones before."""
    end = train[DATE].max() + dt.timedelta(days=1)
    folds = []
    for i in range(n_folds):
        stop = _add_months(end, -months * i)
        folds.append((_add_months(end, -months * (i + 1)), stop))
    return folds


def tune_blend(train: pl.DataFrame, config: ModelConfig) -> BlendChoice:
    """Choose ``c`` on holdouts of the training data (each scored with the history before it only)."""
    curves, folds = [], []
    for start, stop in time_folds(train, config.holdout_months, config.holdout_folds):
        history = train.filter(pl.col(DATE) < start)
        holdout = train.filter((pl.col(DATE) >= start) & (pl.col(DATE) < stop))
        if min(history.height, holdout.height) < config.min_holdout_rows or _revenue(holdout) <= 0:
            continue
        curve, fold = _fold_curve(history, holdout, config)
        fold.update(window=[str(start), str(stop - dt.timedelta(days=1))])
        curves.append(curve)
        folds.append(fold)
    if not curves:
        return BlendChoice(config.default_log10_offset, folds=[], criterion={})
    grid = [*config.blend_log10_grid, math.inf]
    mean = np.mean(np.array(curves), axis=0)
    smooth = _smooth(mean)
    best = int(np.argmax(smooth))
    criterion = {_grid_key(g): float(v) for g, v in zip(grid, smooth, strict=True)}
    choice = BlendChoice(grid[best], folds=folds, criterion=criterion)
    for fold in choice.folds:
        fold["chosen"] = fold["by_offset"][_grid_key(grid[best])]
    return choice


def holdout_summary(blend: BlendChoice) -> list[dict]:
    """Window, size and precision/revenue at the chosen offset of each holdout fold."""
    return [{k: fold[k] for k in ("window", "rows", "chosen") if k in fold} for fold in blend.folds]


def _fold_curve(
    history: pl.DataFrame, holdout: pl.DataFrame, config: ModelConfig
) -> tuple[list[float], dict]:
    classifier, regressor, _ = fit_heads(history, config)
    values = F.build_test_matrix(history, holdout, config.groups).values
    duty = _duty(holdout)
    p, revenue = _predict_heads(classifier, regressor, values, duty)
    fraud = holdout[FRAUD].to_numpy()
    curve, by_offset = [], {}
    for log10_c in [*config.blend_log10_grid, math.inf]:
        c = math.inf if math.isinf(log10_c) else 10.0**log10_c
        precision, rev = ranking_metrics(blend_score(p, revenue, c), fraud, duty, (config.blend_k,)).at(
            config.blend_k
        )
        curve.append(min(precision / config.precision_target, rev / config.revenue_target))
        by_offset[_grid_key(log10_c)] = {"precision": precision, "revenue": rev}
    return curve, {"rows": holdout.height, "by_offset": by_offset}


def _smooth(values: np.ndarray) -> np.ndarray:
    """Average each grid point with its neighbours (revenue on a few months is noisy)."""
    padded = np.concatenate([[values[0]], values, [values[-1]]])
    return (padded[:-2] + padded[1:-1] + padded[2:]) / 3.0


def _grid_key(log10_c: float) -> str:
    return "inf" if math.isinf(log10_c) else f"{log10_c:.3f}"


def _add_months(day: dt.date, months: int) -> dt.date:
    """``day`` shifted by whole calendar months (the day of month is clamped to the month's length)."""
    month0 = day.year * 12 + day.month - 1 + months
    year, month = divmod(month0, 12)
    first_of_next = dt.date(year + (month == 11), (month + 1) % 12 + 1, 1)
    return min(
        dt.date(year, month + 1, 1) + dt.timedelta(days=day.day - 1), first_of_next - dt.timedelta(days=1)
    )


def _duty(frame: pl.DataFrame) -> np.ndarray:
    return duty_at_stake(frame[ITEM_PRICE].to_numpy(), frame[TAX_RATE].to_numpy())


def _revenue(frame: pl.DataFrame) -> float:
    return float(np.sum(frame[FRAUD].to_numpy() * _duty(frame)))


def _lgb_names(columns: Sequence[str]) -> list[str]:
    return [c.replace(" ", "_") for c in columns]


# --------------------------------------------------------------------------------------------------------
# Artefact: a directory with the boosters, the history tables and a manifest with checksums


class ArtefactError(RuntimeError):
    """The artefact is missing, incomplete or its checksum does not match."""


def save_model(model: DualModel, directory: str | Path) -> str:
    """Write the artefact to ``directory``; return its sha256 (also stored in ``manifest.json``)."""
    directory = Path(directory)
    (directory / "history").mkdir(parents=True, exist_ok=True)
    files = {f"classifier-{i}.txt": text for i, text in enumerate(model.classifier.model_strings())}
    if model.regressor is not None:
        files["regressor.txt"] = model.regressor.model_to_string()
    for name, content in files.items():
        (directory / name).write_text(content, encoding="utf-8")
    tables = _history_table_index(model.history)
    for filename, (_, _, table) in tables.items():
        table.write_parquet(directory / filename)
    checksums = {name: _sha256_file(directory / name) for name in sorted([*files, *tables])}
    digest = _combined_digest(checksums)
    manifest = {
        "model": MODEL_NAME,
        "format_version": FORMAT_VERSION,
        "model_version": f"{MODEL_NAME}-{model.history.window[1]}-{digest[:12]}",
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "training_window": list(model.history.window),
        "training_rows": model.history.n_rows,
        "training_fraud_rate": model.history.fraud_rate,
        "features": list(model.columns),
        "categorical": list(model.categorical),
        "config": _config_dict(model.config),
        "blend": {"log10_offset": _json_float(model.blend.log10_offset), "folds": model.blend.folds},
        "metrics": model.metrics,
        "history_tables": {f: [kind, name] for f, (kind, name, _) in tables.items()},
        "files": checksums,
        "artefact_sha256": digest,
    }
    (directory / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    model.artefact_sha256 = digest
    return digest


def load_model(directory: str | Path) -> DualModel:
    """Read an artefact written by :func:`save_model`, verifying every checksum."""
    directory = Path(directory)
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArtefactError(f"{directory}: no manifest.json") from exc
    if manifest.get("model") != MODEL_NAME or manifest.get("format_version") != FORMAT_VERSION:
        raise ArtefactError(f"{directory}: not a {MODEL_NAME} v{FORMAT_VERSION} artefact")
    for name, expected in manifest["files"].items():
        if not (directory / name).is_file() or _sha256_file(directory / name) != expected:
            raise ArtefactError(f"{directory}: checksum mismatch for {name}")
    if _combined_digest(manifest["files"]) != manifest["artefact_sha256"]:
        raise ArtefactError(f"{directory}: artefact checksum mismatch")
    config = _config_from_dict(manifest["config"])
    history = F.HistoryTables(
        window=tuple(manifest["training_window"]),
        n_rows=manifest["training_rows"],
        fraud_rate=manifest["training_fraud_rate"],
    )
    for filename, (kind, name) in manifest["history_tables"].items():
        getattr(history, kind)[name] = pl.read_parquet(directory / filename)
    regressor_path = directory / "regressor.txt"
    return DualModel(
        config=config,
        classifier=BaggedClassifier(
            [
                lgb.Booster(model_str=(directory / name).read_text(encoding="utf-8"))
                for name in sorted(manifest["files"], key=_bag_index)
                if name.startswith("classifier-")
            ]
        ),
        regressor=lgb.Booster(model_str=regressor_path.read_text(encoding="utf-8"))
        if regressor_path.is_file() and "regressor.txt" in manifest["files"]
        else None,
        history=history,
        blend=BlendChoice(float(manifest["blend"]["log10_offset"]), folds=manifest["blend"]["folds"]),
        columns=tuple(manifest["features"]),
        categorical=tuple(manifest["categorical"]),
        metrics=manifest["metrics"],
        artefact_sha256=manifest["artefact_sha256"],
    )


def _bag_index(name: str) -> int:
    stem = name.removesuffix(".txt")
    return int(stem.split("-")[-1]) if stem.split("-")[-1].isdigit() else -1


def _history_table_index(history: F.HistoryTables) -> dict[str, tuple[str, str, pl.DataFrame]]:
    index = {}
    for kind in ("vocabularies", "label_totals", "peer_totals"):
        for i, (name, table) in enumerate(sorted(getattr(history, kind).items())):
            index[f"history/{kind}-{i:02d}.parquet"] = (kind, name, table)
    return index


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _combined_digest(checksums: dict[str, str]) -> str:
    lines = "".join(f"{name}\t{checksums[name]}\n" for name in sorted(checksums))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _config_dict(config: ModelConfig) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(config).items()}


def _config_from_dict(values: dict) -> ModelConfig:
    if "blend_rule" not in values:  # artefacts written before the per-batch rule keep their tuned c
        values = {**values, "blend_rule": "holdout"}
    known = {
        k: tuple(v) if isinstance(v, list) else v
        for k, v in values.items()
        if k in ModelConfig.__dataclass_fields__
    }
    return ModelConfig(**known)


def _json_float(value: float) -> float | str:
    return "inf" if math.isinf(value) else value
