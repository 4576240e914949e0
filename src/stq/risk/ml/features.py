"""Feature groups and leak-free historical encodings for the declaration-risk model.

Feature groups (each one is added on top of the previous ones in the ablation):

``raw``
    The declaration's own fields, as a plain model sees them: low-cardinality codes as categories,
    HS6 as a number, tax rate, net mass and item price.
``ids``
    Integer codes of the party identifiers (importer, declarant, seller, courier). Used only by the
    plain baseline (:data:`PLAIN_GROUPS`): an identifier's code is an arbitrary number, so the dual model
    sees the parties through their history (``history`` group) instead.
``value``
    Derived from the declaration itself and from *unlabelled* past declarations: duty at stake
    (price × rate), value per kg and its deviation from the peers' typical value per kg (same HS6, same
    HS6 + origin), peer counts.
``history``
    Smoothed past fraud rates (target encodings) and past counts of the importer, declarant, seller,
    HS6, HS4, origin, office and their combinations.
``goods_line``
    Smoothed past fraud rate and count of *identical goods lines*: the same HS6 with the same declared
    price and/or net mass seen before (repeat consignments). In the synthetic data this is by far the
    strongest signal.

No leakage. Every statistic that a row's features use is computed "as of" the row's date:

* for a training row, only from training rows with a strictly earlier date (expanding window), so the
  row's own label, the labels of the same day and everything later are never used;
* for a row to score (test), from the training rows only (all of them — the scored rows' labels, if the
  file has any, are never read here).

Implementation: per key, the history is aggregated by date and cumulated; an as-of join (strictly
earlier date) attaches the cumulative figures to each row. For a scoring frame the as-of date is moved past
the end of the training window, which is the same as a plain join on the training totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .dataset import DATE, FRAUD, HS6, ID, ITEM_PRICE, NET_MASS, TAX_RATE

GROUPS: tuple[str, ...] = ("raw", "value", "history", "goods_line")
PLAIN_GROUPS: tuple[str, ...] = ("raw", "ids")
KNOWN_GROUPS: tuple[str, ...] = (*GROUPS, "ids")

ORIGIN = "Country of Origin"
IMPORTER = "Importer ID"
DECLARANT = "Declarant ID"
SELLER = "Seller ID"
OFFICE = "Office ID"
HS4 = "hs4"
HS2 = "hs2"

RAW_CATEGORICAL: tuple[str, ...] = (
    OFFICE,
    "Process Type",
    "Import Type",
    "Import Use",
    "Payment Type",
    "Mode of Transport",
    "Country of Departure",
    ORIGIN,
    "Tax Type",
    "Country of Origin Indicator",
    HS2,
)
RAW_ID_CODES: tuple[str, ...] = (DECLARANT, IMPORTER, SELLER, "Courier ID")
RAW_NUMERIC: tuple[str, ...] = (TAX_RATE, NET_MASS, ITEM_PRICE)

# Smoothing strength (pseudo-count of the prior) of the target encodings.
SMOOTHING_ENTITY = 20.0
SMOOTHING_LINE = 2.0


@dataclass(frozen=True)
class Encoding:
    """A historical fraud-rate encoding over the rows sharing ``keys``."""

    name: str
    keys: tuple[str, ...]
    group: str
    smoothing: float

    @property
    def rate_column(self) -> str:
        return f"fraud_rate__{self.name}"

    @property
    def count_column(self) -> str:
        return f"past_count__{self.name}"


LABEL_ENCODINGS: tuple[Encoding, ...] = (
    Encoding("importer", (IMPORTER,), "history", SMOOTHING_ENTITY),
    Encoding("declarant", (DECLARANT,), "history", SMOOTHING_ENTITY),
    Encoding("seller", (SELLER,), "history", SMOOTHING_ENTITY),
    Encoding("hs6", (HS6,), "history", SMOOTHING_ENTITY),
    Encoding("hs4", (HS4,), "history", SMOOTHING_ENTITY),
    Encoding("origin", (ORIGIN,), "history", SMOOTHING_ENTITY),
    Encoding("office", (OFFICE,), "history", SMOOTHING_ENTITY),
    Encoding("hs6_origin", (HS6, ORIGIN), "history", SMOOTHING_ENTITY),
    Encoding("importer_hs6", (IMPORTER, HS6), "history", SMOOTHING_ENTITY),
    Encoding("declarant_importer", (DECLARANT, IMPORTER), "history", SMOOTHING_ENTITY),
    Encoding("office_hs6", (OFFICE, HS6), "history", SMOOTHING_ENTITY),
    Encoding("seller_hs6", (SELLER, HS6), "history", SMOOTHING_ENTITY),
    Encoding("line_hs6_price_mass", (HS6, ITEM_PRICE, NET_MASS), "goods_line", SMOOTHING_LINE),
    Encoding("line_hs6_price", (HS6, ITEM_PRICE), "goods_line", SMOOTHING_LINE),
    Encoding("line_hs6_mass", (HS6, NET_MASS), "goods_line", SMOOTHING_LINE),
    Encoding("line_price", (ITEM_PRICE,), "goods_line", SMOOTHING_LINE),
)

# Peer groups for the value-per-kg comparison (unlabelled statistics).
PEER_GROUPS: dict[str, tuple[str, ...]] = {"hs6": (HS6,), "hs6_origin": (HS6, ORIGIN)}

VALUE_COLUMNS: tuple[str, ...] = (
    "log_duty_at_stake",
    "log_item_price",
    "log_net_mass",
    "log_value_per_kg",
    *(f"value_per_kg_dev__{p}" for p in PEER_GROUPS),
    *(f"value_per_kg_z__{p}" for p in PEER_GROUPS),
    *(f"peer_count__{p}" for p in PEER_GROUPS),
)
DERIVED_PEER_MIN_COUNT = 3  # below this many past peers the deviation is left missing


def raw_columns() -> tuple[str, ...]:
    return (*RAW_CATEGORICAL, "hs6_number", *RAW_NUMERIC)


def group_columns(group: str) -> tuple[str, ...]:
    """Feature column names of one group."""
    if group == "raw":
        return raw_columns()
    if group == "ids":
        return tuple(f"code__{c}" for c in RAW_ID_CODES)
    if group == "value":
        return VALUE_COLUMNS
    if group in ("history", "goods_line"):
        encodings = [e for e in LABEL_ENCODINGS if e.group == group]
        return tuple(c for e in encodings for c in (e.rate_column, e.count_column))
    raise ValueError(f"unknown feature group {group!r}; known: {KNOWN_GROUPS}")


def feature_columns(groups: Sequence[str] = GROUPS) -> tuple[str, ...]:
    return tuple(c for g in groups for c in group_columns(g))


def categorical_columns(groups: Sequence[str] = GROUPS) -> tuple[str, ...]:
    return RAW_CATEGORICAL if "raw" in groups else ()


@dataclass
class FeatureMatrix:
    """Feature values (float matrix, row order = input frame order) and their names."""

    values: np.ndarray
    columns: tuple[str, ...]
    categorical: tuple[str, ...]

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.columns.index(name)]

    def subset(self, columns: Sequence[str]) -> FeatureMatrix:
        idx = [self.columns.index(c) for c in columns]
        cats = tuple(c for c in self.categorical if c in columns)
        return FeatureMatrix(self.values[:, idx], tuple(columns), cats)


@dataclass
class HistoryTables:
    """Everything a scoring frame needs from the training data (no row-level data kept).

    ``vocabularies`` map category text to integer codes in order of first appearance (date, then text),
    so the code of a value never depends on rows later than its first appearance.
    """

    window: tuple[str, str]
    n_rows: int
    fraud_rate: float
    vocabularies: dict[str, pl.DataFrame] = field(default_factory=dict)
    label_totals: dict[str, pl.DataFrame] = field(default_factory=dict)
    peer_totals: dict[str, pl.DataFrame] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------------
# Public entry points


def build_train_matrix(train: pl.DataFrame, groups: Sequence[str] = GROUPS) -> FeatureMatrix:
    """Features of the training rows, each from strictly earlier training rows only."""
    frame = _with_derived(train)
    parts = [_raw_part(frame, _vocabularies(frame))] if {"raw", "ids"} & set(groups) else []
    if "value" in groups:
        peers = {p: _peer_asof(frame, frame, keys) for p, keys in PEER_GROUPS.items()}
        parts.append(_value_part(frame, peers))
    label_groups = [g for g in ("history", "goods_line") if g in groups]
    if label_groups:
        _require_labels(frame)
        prior = _prior_asof(frame, frame)
        for enc in (e for e in LABEL_ENCODINGS if e.group in label_groups):
            parts.append(_encoding_part(enc, _label_asof(frame, frame, enc.keys), prior))
    return _assemble(parts, groups)


def build_test_matrix(
    train: pl.DataFrame | HistoryTables, test: pl.DataFrame, groups: Sequence[str] = GROUPS
) -> FeatureMatrix:
    """Features of rows to score, from the training data (or its :class:`HistoryTables`) only.

    The test frame's label columns, if any, are dropped before anything is computed.
    """
    tables = train if isinstance(train, HistoryTables) else fit_history(train)
    frame = _with_derived(test.drop([c for c in (FRAUD, "Critical Fraud") if c in test.columns]))
    parts = [_raw_part(frame, tables.vocabularies)] if {"raw", "ids"} & set(groups) else []
    if "value" in groups:
        peers = {p: _join_totals(frame, tables.peer_totals[p], keys) for p, keys in PEER_GROUPS.items()}
        parts.append(_value_part(frame, peers))
    prior = np.full(frame.height, tables.fraud_rate)
    for enc in (e for e in LABEL_ENCODINGS if e.group in groups):
        parts.append(_encoding_part(enc, _join_totals(frame, tables.label_totals[enc.name], enc.keys), prior))
    return _assemble(parts, groups)


def build_features(
    train: pl.DataFrame, test: pl.DataFrame | None = None, groups: Sequence[str] = GROUPS
) -> FeatureMatrix:
    """Features of ``train`` (expanding window), or of ``test`` from ``train`` when ``test`` is given."""
    if test is None:
        return build_train_matrix(train, groups)
    return build_test_matrix(train, test, groups)


def fit_history(train: pl.DataFrame) -> HistoryTables:
    """Aggregate the training data into the tables a scoring frame needs."""
    frame = _with_derived(train)
    tables = HistoryTables(
        window=(str(frame[DATE].min()), str(frame[DATE].max())),
        n_rows=frame.height,
        fraud_rate=float(frame[FRAUD].mean()) if FRAUD in frame.columns else float("nan"),
        vocabularies=_vocabularies(frame),
    )
    tables.peer_totals = {p: _peer_totals(frame, keys) for p, keys in PEER_GROUPS.items()}
    if FRAUD in frame.columns:
        tables.label_totals = {e.name: _label_totals(frame, e.keys) for e in LABEL_ENCODINGS}
    return tables


# --------------------------------------------------------------------------------------------------------
# Derived columns


def _with_derived(frame: pl.DataFrame) -> pl.DataFrame:
    price, mass, rate = pl.col(ITEM_PRICE), pl.col(NET_MASS), pl.col(TAX_RATE)
    valid_unit = (price > 0) & (mass > 0)
    return frame.with_columns(
        pl.col(HS6).str.slice(0, 4).alias(HS4),
        pl.col(HS6).str.slice(0, 2).alias(HS2),
        (price * rate / 100.0).alias("duty_at_stake"),
        pl.when(valid_unit).then((price / mass).log()).otherwise(None).alias("log_value_per_kg"),
    )


def _require_labels(frame: pl.DataFrame) -> None:
    if FRAUD not in frame.columns or frame[FRAUD].null_count():
        raise ValueError("historical fraud encodings need a training frame with a complete Fraud column")


# --------------------------------------------------------------------------------------------------------
# raw group


def _vocabularies(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {c: _first_seen_codes(frame, c) for c in (*RAW_CATEGORICAL, *RAW_ID_CODES)}


def _first_seen_codes(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    firsts = frame.drop_nulls(column).group_by(column).agg(pl.col(DATE).min().alias("_first"))
    return (
        firsts.sort(["_first", column])
        .with_row_index("_code")
        .select(column, pl.col("_code").cast(pl.Float64))
    )


def _encode(frame: pl.DataFrame, column: str, vocabulary: pl.DataFrame) -> np.ndarray:
    joined = frame.select(column).join(vocabulary, on=column, how="left", maintain_order="left")
    return joined["_code"].to_numpy().astype(float)


def _raw_part(frame: pl.DataFrame, vocabularies: dict[str, pl.DataFrame]) -> dict[str, np.ndarray]:
    part = {c: _encode(frame, c, vocabularies[c]) for c in RAW_CATEGORICAL}
    part.update({f"code__{c}": _encode(frame, c, vocabularies[c]) for c in RAW_ID_CODES})
    part["hs6_number"] = frame[HS6].cast(pl.Float64, strict=False).to_numpy().astype(float)
    part.update({c: frame[c].to_numpy().astype(float) for c in RAW_NUMERIC})
    return part


# --------------------------------------------------------------------------------------------------------
# value group (unlabelled peer statistics of value per kg)


def _peer_sums(history: pl.DataFrame) -> pl.DataFrame:
    """Rows with a value per kg, in a fixed order so that float sums do not depend on the input order."""
    return history.drop_nulls("log_value_per_kg").sort([DATE, ID])


def _peer_asof(history: pl.DataFrame, query: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    daily = (
        _peer_sums(history)
        .group_by([*keys, DATE])
        .agg(
            pl.len().cast(pl.Float64).alias("n"),
            pl.col("log_value_per_kg").sum().alias("s1"),
            (pl.col("log_value_per_kg") ** 2).sum().alias("s2"),
        )
    )
    return _asof_cumulative(daily, query, keys, ("n", "s1", "s2"))


def _peer_totals(history: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    return (
        _peer_sums(history)
        .group_by(list(keys))
        .agg(
            pl.len().cast(pl.Float64).alias("n"),
            pl.col("log_value_per_kg").sum().alias("s1"),
            (pl.col("log_value_per_kg") ** 2).sum().alias("s2"),
        )
    )


def _value_part(frame: pl.DataFrame, peers: dict[str, pl.DataFrame]) -> dict[str, np.ndarray]:
    price = frame[ITEM_PRICE].to_numpy().astype(float)
    mass = frame[NET_MASS].to_numpy().astype(float)
    log_uv = frame["log_value_per_kg"].to_numpy().astype(float)
    part = {
        "log_duty_at_stake": np.log1p(np.clip(frame["duty_at_stake"].to_numpy().astype(float), 0, None)),
        "log_item_price": np.log1p(np.clip(price, 0, None)),
        "log_net_mass": np.log1p(np.clip(mass, 0, None)),
        "log_value_per_kg": log_uv,
    }
    for name, stats in peers.items():
        n = np.nan_to_num(stats["n"].to_numpy().astype(float))
        mean, std = _mean_std(n, stats["s1"].to_numpy(), stats["s2"].to_numpy())
        enough = n >= DERIVED_PEER_MIN_COUNT
        part[f"value_per_kg_dev__{name}"] = np.where(enough, log_uv - mean, np.nan)
        part[f"value_per_kg_z__{name}"] = np.where(enough, (log_uv - mean) / np.maximum(std, 0.05), np.nan)
        part[f"peer_count__{name}"] = np.log1p(n)
    return part


def _mean_std(n: np.ndarray, s1: np.ndarray, s2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s1 = np.nan_to_num(s1.astype(float))
    s2 = np.nan_to_num(s2.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, s1 / n, np.nan)
        var = np.where(n > 1, (s2 - n * mean**2) / np.maximum(n - 1, 1), np.nan)
    return mean, np.sqrt(np.clip(var, 0, None))


# --------------------------------------------------------------------------------------------------------
# history and goods_line groups (labelled statistics, strictly from the past)


def _label_asof(history: pl.DataFrame, query: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    daily = history.group_by([*keys, DATE]).agg(
        pl.len().cast(pl.Float64).alias("n"), pl.col(FRAUD).cast(pl.Float64).sum().alias("s")
    )
    return _asof_cumulative(daily, query, keys, ("n", "s"))


def _label_totals(history: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    return history.group_by(list(keys)).agg(
        pl.len().cast(pl.Float64).alias("n"), pl.col(FRAUD).cast(pl.Float64).sum().alias("s")
    )


def _prior_asof(history: pl.DataFrame, query: pl.DataFrame) -> np.ndarray:
    """Overall fraud rate of the rows strictly before each query row's date (NaN on the first day)."""
    daily = history.group_by(DATE).agg(
        pl.len().cast(pl.Float64).alias("n"), pl.col(FRAUD).cast(pl.Float64).sum().alias("s")
    )
    stats = _asof_cumulative(daily, query, (), ("n", "s"))
    n = stats["n"].to_numpy().astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, stats["s"].to_numpy().astype(float) / n, np.nan)


def _encoding_part(enc: Encoding, stats: pl.DataFrame, prior: np.ndarray) -> dict[str, np.ndarray]:
    n = np.nan_to_num(stats["n"].to_numpy().astype(float))
    s = np.nan_to_num(stats["s"].to_numpy().astype(float))
    rate = (s + enc.smoothing * prior) / (n + enc.smoothing)
    return {enc.rate_column: rate, enc.count_column: np.log1p(n)}


# --------------------------------------------------------------------------------------------------------
# as-of machinery


def _asof_cumulative(
    daily: pl.DataFrame, query: pl.DataFrame, keys: Sequence[str], values: Sequence[str]
) -> pl.DataFrame:
    """For each query row, the sums of ``values`` over history dates strictly before the row's date.

    ``daily`` holds one row per (keys, date) with that day's sums. The result has the query's row order
    and one column per value (null where the key has no earlier history).
    """
    keys = list(keys)
    cumulative = daily.sort([*keys, DATE]).with_columns(
        [pl.col(v).cum_sum().over(keys) if keys else pl.col(v).cum_sum() for v in values]
    )
    cumulative = cumulative.sort(DATE)
    q = query.select([*keys, DATE]).with_row_index("_row").sort(DATE, maintain_order=True)
    joined = q.join_asof(
        cumulative,
        on=DATE,
        by=keys or None,
        strategy="backward",
        allow_exact_matches=False,
        check_sortedness=False,
    )
    return joined.sort("_row").select(list(values))


def _join_totals(frame: pl.DataFrame, totals: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Plain left join of the training totals (null where the key was never seen)."""
    return frame.select(list(keys)).join(totals, on=list(keys), how="left", maintain_order="left")


def _assemble(parts: list[dict[str, np.ndarray]], groups: Sequence[str]) -> FeatureMatrix:
    merged: dict[str, np.ndarray] = {}
    for part in parts:
        merged.update(part)
    columns = feature_columns(groups)
    values = np.column_stack([merged[c] for c in columns]).astype(np.float64)
    return FeatureMatrix(values=values, columns=columns, categorical=categorical_columns(groups))
