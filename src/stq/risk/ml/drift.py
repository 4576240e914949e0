"""Drift watch: the population stability index (PSI) of the model's main features and of its score.

At training time :func:`reference` stores, for the ``MAIN_FEATURES`` most important features of the classifier
(by total gain over the bags) and for the fraud probability, the training rows' distribution over ten
quantile bins (edges = the training deciles; missing values are an eleventh bin). A scoring run counts its rows
in the same bins (:class:`DriftCounter`) and compares:

    PSI = Σ (actual share − expected share) × ln(actual share / expected share)

with shares floored at 0.0001. Usual reading: < 0.10 stable, 0.10–0.25 moderate shift, > 0.25 large shift.

Caveat: the training rows' history features are computed as of each row's date (expanding window) while a
scored row sees the whole training history, so counts of past declarations grow with time by construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

MAIN_FEATURES = 10
N_BINS = 10
FLOOR = 1e-4
PSI_MODERATE = 0.10
PSI_LARGE = 0.25
SCORE = "__score__"


def bin_edges(values: np.ndarray, n_bins: int = N_BINS) -> list[float]:
    """Inner edges: the distinct quantiles of the non-missing values (at most ``n_bins - 1``)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return []
    quantiles = np.quantile(finite, np.linspace(0, 1, n_bins + 1)[1:-1])
    return sorted({float(q) for q in quantiles})


def bin_counts(values: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Counts per bin: ``len(edges) + 1`` value bins (``v ≤ edge`` goes left), then one for missing values."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    index = np.searchsorted(np.asarray(edges, dtype=float), values[finite], side="left")
    counts = np.bincount(index, minlength=len(edges) + 1).astype(float)
    return np.append(counts, float((~finite).sum()))


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """PSI of two count (or share) vectors of the same bins."""
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.sum() <= 0 or a.sum() <= 0:
        return float("nan")
    e = np.maximum(e / e.sum(), FLOOR)
    a = np.maximum(a / a.sum(), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def main_features(boosters, columns: Sequence[str], n: int = MAIN_FEATURES) -> list[str]:
    """The ``n`` features with the largest total gain over ``boosters`` (ties: column order)."""
    gain = np.sum([b.feature_importance(importance_type="gain") for b in boosters], axis=0)
    order = np.argsort(-gain, kind="stable")[:n]
    return [columns[i] for i in order if gain[i] > 0] or list(columns[:n])


def reference(values: np.ndarray, columns: Sequence[str], scores: np.ndarray, features: Sequence[str]) -> dict:
    """Bins and training counts of each of ``features`` (columns of ``values``) and of ``scores``."""
    out = {}
    for name in features:
        column = values[:, list(columns).index(name)]
        edges = bin_edges(column)
        out[name] = {"edges": edges, "counts": bin_counts(column, edges).tolist()}
    edges = bin_edges(scores)
    out[SCORE] = {"edges": edges, "counts": bin_counts(scores, edges).tolist()}
    return {"features": [f for f in features], "bins": out}


@dataclass
class DriftCounter:
    """Counts of scored rows in the reference bins, added batch by batch."""

    reference: dict
    columns: Sequence[str]
    counts: dict[str, np.ndarray] = field(default_factory=dict)
    rows: int = 0

    def add(self, values: np.ndarray, scores: np.ndarray) -> None:
        bins = self.reference["bins"]
        for name in self.reference["features"]:
            if name not in self.columns:
                continue
            column = values[:, list(self.columns).index(name)]
            self.counts[name] = self.counts.get(name, 0) + bin_counts(column, bins[name]["edges"])
        self.counts[SCORE] = self.counts.get(SCORE, 0) + bin_counts(scores, bins[SCORE]["edges"])
        self.rows += len(scores)

    def result(self) -> dict:
        """{"rows", "score_psi", "feature_psi": {name: psi}, "score_counts", "score_edges",
        "reference_score_counts"}."""
        bins = self.reference["bins"]
        feature_psi = {
            name: round(psi(bins[name]["counts"], self.counts[name]), 4)
            for name in self.reference["features"]
            if name in self.counts
        }
        score_counts = self.counts.get(SCORE)
        return {
            "rows": self.rows,
            "score_psi": None if score_counts is None else round(psi(bins[SCORE]["counts"], score_counts), 4),
            "feature_psi": feature_psi,
            "score_edges": bins[SCORE]["edges"],
            "score_counts": [] if score_counts is None else score_counts.tolist(),
            "reference_score_counts": bins[SCORE]["counts"],
        }
