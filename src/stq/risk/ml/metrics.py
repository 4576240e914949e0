"""Ranking metrics for inspection selection: precision@k and revenue@k.

``k`` is a fraction of the declarations inspected (0.05 = the riskiest 5%). The number inspected is
``max(1, floor(k × n))``. Rows are ranked by score, highest first; ties keep the input order (stable sort),
so a constant score inspects the first rows of the file.

Revenue is the duty at stake of a fraudulent row, ``Fraud × Item Price × Tax Rate / 100``; revenue@k is the
share of the total revenue of all fraudulent rows that the inspected rows hold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

DEFAULT_KS: tuple[float, ...] = (0.01, 0.02, 0.05, 0.10)


def n_inspected(n_rows: int, k: float) -> int:
    """How many rows an inspection rate ``k`` selects out of ``n_rows`` (at least one)."""
    if not 0 < k <= 1:
        raise ValueError(f"k must be in (0, 1], got {k}")
    return max(1, math.floor(k * n_rows + 1e-9))


def ranking_order(scores: np.ndarray) -> np.ndarray:
    """Indices from riskiest to least risky; stable, so ties keep the input order."""
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")


def duty_at_stake(item_price: np.ndarray, tax_rate: np.ndarray) -> np.ndarray:
    """Duty at stake of a row: ``Item Price × Tax Rate / 100`` (missing values count as 0)."""
    price = np.nan_to_num(np.asarray(item_price, dtype=float))
    rate = np.nan_to_num(np.asarray(tax_rate, dtype=float))
    return price * rate / 100.0


def precision_at_k(scores: np.ndarray, fraud: np.ndarray, k: float) -> float:
    """Share of fraudulent rows among the top ``k`` fraction."""
    fraud = np.asarray(fraud, dtype=float)
    top = ranking_order(scores)[: n_inspected(len(fraud), k)]
    return float(fraud[top].mean())


def revenue_at_k(scores: np.ndarray, fraud: np.ndarray, duty: np.ndarray, k: float) -> float:
    """Share of the fraudulent rows' duty at stake held by the top ``k`` fraction (NaN if there is none)."""
    revenue = np.asarray(fraud, dtype=float) * np.asarray(duty, dtype=float)
    total = revenue.sum()
    if total <= 0:
        return float("nan")
    top = ranking_order(scores)[: n_inspected(len(revenue), k)]
    return float(revenue[top].sum() / total)


@dataclass(frozen=True)
class RankingMetrics:
    """precision@k and revenue@k of one ranking, for each ``k`` in ``ks``."""

    ks: tuple[float, ...]
    precision: tuple[float, ...]
    revenue: tuple[float, ...]

    def at(self, k: float) -> tuple[float, float]:
        """(precision, revenue) at ``k``."""
        i = self.ks.index(k)
        return self.precision[i], self.revenue[i]

    def as_dict(self) -> dict[str, float]:
        out = {}
        for k, p, r in zip(self.ks, self.precision, self.revenue, strict=True):
            out[f"precision@{_pct(k)}"] = p
            out[f"revenue@{_pct(k)}"] = r
        return out


def ranking_metrics(
    scores: np.ndarray, fraud: np.ndarray, duty: np.ndarray, ks: Sequence[float] = DEFAULT_KS
) -> RankingMetrics:
    """precision@k and revenue@k for every ``k``."""
    ks = tuple(ks)
    return RankingMetrics(
        ks=ks,
        precision=tuple(precision_at_k(scores, fraud, k) for k in ks),
        revenue=tuple(revenue_at_k(scores, fraud, duty, k) for k in ks),
    )


@dataclass
class EvaluationTable:
    """Named rankings evaluated on the same rows, printable as a Markdown table."""

    ks: tuple[float, ...] = DEFAULT_KS
    rows: list[tuple[str, RankingMetrics]] = field(default_factory=list)

    def add(self, name: str, metrics: RankingMetrics) -> None:
        if metrics.ks != self.ks:
            raise ValueError("all rows of a table must use the same ks")
        self.rows.append((name, metrics))

    def to_markdown(self) -> str:
        head = ["ranking"] + [f"P@{_pct(k)}" for k in self.ks] + [f"R@{_pct(k)}" for k in self.ks]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" + "---:|" * (len(head) - 1)]
        for name, m in self.rows:
            cells = [name] + [_fmt(v) for v in m.precision] + [_fmt(v) for v in m.revenue]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def as_records(self) -> list[dict[str, float | str]]:
        return [{"ranking": name, **m.as_dict()} for name, m in self.rows]


def _pct(k: float) -> str:
    return f"{k * 100:g}%"


def _fmt(value: float) -> str:
    return "—" if value != value else f"{value:.3f}"
