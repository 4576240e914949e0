"""Read customs import declarations (the layout of ``df_syn_*_eng.csv``) with explicit types.

Every identifier and code is read as text (``HS6 Code`` keeps its leading zeros), ``Date`` becomes a
``pl.Date``, amounts become ``Float64`` and the labels, when present, ``Int8``. Files without label columns
(an unlabelled batch to score) are accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl

ID = "Declaration ID"
DATE = "Date"
FRAUD = "Fraud"
CRITICAL = "Critical Fraud"
HS6 = "HS6 Code"
TAX_RATE = "Tax Rate"
NET_MASS = "Net Mass"
ITEM_PRICE = "Item Price"

TEXT_COLUMNS: tuple[str, ...] = (
    ID,
    "Office ID",
    "Process Type",
    "Import Type",
    "Import Use",
    "Payment Type",
    "Mode of Transport",
    "Declarant ID",
    "Importer ID",
    "Seller ID",
    "Courier ID",
    HS6,
    "Country of Departure",
    "Country of Origin",
    "Tax Type",
    "Country of Origin Indicator",
)
NUMERIC_COLUMNS: tuple[str, ...] = (TAX_RATE, NET_MASS, ITEM_PRICE)
LABEL_COLUMNS: tuple[str, ...] = (FRAUD, CRITICAL)
REQUIRED_COLUMNS: tuple[str, ...] = (*TEXT_COLUMNS, DATE, *NUMERIC_COLUMNS)


class DatasetError(ValueError):
    """The file does not have the expected declaration layout."""


def read_declarations(path: str | Path) -> pl.DataFrame:
    """Read one declarations CSV file, typed; label columns are kept only if the file has them."""
    overrides = {name: pl.Utf8 for name in (*TEXT_COLUMNS, DATE, *NUMERIC_COLUMNS, *LABEL_COLUMNS)}
    raw = pl.read_csv(path, schema_overrides=overrides, infer_schema_length=0)
    return normalise(raw, source=str(path))


def read_many(paths: Iterable[str | Path]) -> pl.DataFrame:
    """Read and concatenate several files of the same layout, sorted by date then declaration id."""
    frames = [read_declarations(p) for p in paths]
    if not frames:
        raise DatasetError("no file given")
    common = [c for c in frames[0].columns if all(c in f.columns for f in frames)]
    return sort_by_date(pl.concat([f.select(common) for f in frames], how="vertical"))


def normalise(raw: pl.DataFrame, source: str = "<frame>") -> pl.DataFrame:
    """Cast a frame whose columns are text (or already typed) to the canonical types."""
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise DatasetError(f"{source}: missing columns {missing}")
    exprs = [_text(c) for c in TEXT_COLUMNS if c != HS6]
    exprs.append(_hs6())
    exprs.append(pl.col(DATE).cast(pl.Utf8).str.strip_chars().str.to_date(strict=False).alias(DATE))
    exprs += [
        pl.col(c).cast(pl.Utf8).str.strip_chars().cast(pl.Float64, strict=False).alias(c)
        for c in NUMERIC_COLUMNS
    ]
    exprs += [
        pl.col(c).cast(pl.Utf8).str.strip_chars().cast(pl.Float64, strict=False).cast(pl.Int8).alias(c)
        for c in LABEL_COLUMNS
        if c in raw.columns
    ]
    frame = raw.with_columns(exprs)
    keep = [*REQUIRED_COLUMNS, *(c for c in LABEL_COLUMNS if c in raw.columns)]
    frame = frame.select(keep)
    if frame[DATE].null_count():
        raise DatasetError(f"{source}: {frame[DATE].null_count()} rows have an unreadable Date")
    return frame


def has_labels(frame: pl.DataFrame) -> bool:
    """True when the frame carries a complete ``Fraud`` label column."""
    return FRAUD in frame.columns and frame[FRAUD].null_count() == 0


def sort_by_date(frame: pl.DataFrame) -> pl.DataFrame:
    """Stable chronological order (date, then declaration id) used everywhere."""
    return frame.sort([DATE, ID], maintain_order=True)


def split_by_date(frame: pl.DataFrame, first_test_day: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split into rows strictly before ``first_test_day`` (ISO date) and the rest."""
    cut = pl.lit(first_test_day).str.to_date()
    return frame.filter(pl.col(DATE) < cut), frame.filter(pl.col(DATE) >= cut)


def date_window(frame: pl.DataFrame) -> tuple[str, str]:
    """First and last date in the frame, as ISO strings."""
    return str(frame[DATE].min()), str(frame[DATE].max())


def _text(name: str) -> pl.Expr:
    value = pl.col(name).cast(pl.Utf8).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value).alias(name)


def _hs6() -> pl.Expr:
    """HS6 as six characters: a code that lost its leading zero (read as a number elsewhere) is padded."""
    value = pl.col(HS6).cast(pl.Utf8).str.strip_chars().str.replace(r"\.0+$", "")
    return value.str.zfill(6).alias(HS6)


def require_columns(frame: pl.DataFrame, columns: Sequence[str]) -> None:
    """Raise :class:`DatasetError` if any of ``columns`` is absent."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DatasetError(f"missing columns {missing}")
