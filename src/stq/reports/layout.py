"""Report layouts declared as data: one JSON file per form (`layouts/form19.json`, `layouts/form20.json`).

A layout has tables; a table has rows and columns; each column names a measure of the registry (`measures.py`)
and an optional filter (e.g. {"mode": "desk"}). Rows are the units below the report's unit ("units"), the risk
areas ("risk_areas"), or an explicit list, each row with its own filter ("list"); a cell's filter is the row's
merged with the column's. Replacing the inferred forms 19 and 20 with the official ones is a matter of editing
these files (or pointing `STQ_REPORT_LAYOUT_DIR` at a folder holding others) — no code changes. A layout is
validated when it is loaded: unknown measures, filter keys or values are refused with a clear message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language

from . import measures

BUILTIN_DIR = Path(__file__).parent / "layouts"
ROW_KINDS = ("units", "risk_areas", "list")


class LayoutError(ValueError):
    """A layout file that does not describe a valid report."""


def text(value, lang: str | None = None) -> str:
    """A label given as {"vi": …, "en": …} (or a plain string) in the current language, Vietnamese by default."""
    if isinstance(value, dict):
        lang = (lang or get_language() or "vi")[:2]
        return value.get(lang) or value.get("vi") or next(iter(value.values()), "")
    return str(value or "")


@dataclass(frozen=True)
class Column:
    key: str
    label: dict
    measure: str
    filter: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return measures.get(self.measure).kind


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: dict
    filter: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    key: str
    title: dict
    rows: str  # one of ROW_KINDS
    columns: tuple[Column, ...]
    row_list: tuple[RowSpec, ...] = ()

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise LookupError(key)


@dataclass(frozen=True)
class Layout:
    form: str
    version: int
    title: dict
    tables: tuple[Table, ...]
    signatures: tuple[dict, ...] = ()
    due_working_days_after_period: int = 5
    status: dict | str = ""  # e.g. "inferred", or the official decision the layout reproduces

    @property
    def status_text(self) -> str:
        return text(self.status)

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise LookupError(key)


def _require(cond: bool, message: str) -> None:
    if not cond:
        raise LayoutError(message)


def _check_filter(where: str, flt: dict, allowed: frozenset[str], choices: dict) -> None:
    _require(isinstance(flt, dict), f"{where}: the filter must be an object")
    for key, value in flt.items():
        _require(key in allowed, f"{where}: filter {key!r} does not apply (allowed: {sorted(allowed)})")
        if key in choices:
            _require(value in choices[key], f"{where}: {key}={value!r} is not one of {sorted(map(str, choices[key]))}")


def parse(data: dict, *, source: str = "layout") -> Layout:
    """Validate a layout given as a dict and build it."""
    _require(isinstance(data, dict), f"{source}: a layout is a JSON object")
    for key in ("form", "title", "tables"):
        _require(key in data, f"{source}: {key!r} is missing")
    choices = measures.filter_choices()
    tables = []
    seen_tables = set()
    for t in data["tables"]:
        tkey = t.get("key")
        where = f"{source}: table {tkey!r}"
        _require(bool(tkey) and tkey not in seen_tables, f"{where}: a table needs a unique key")
        seen_tables.add(tkey)
        rows = t.get("rows", {})
        kind = rows.get("kind") if isinstance(rows, dict) else None
        _require(kind in ROW_KINDS, f"{where}: rows.kind must be one of {ROW_KINDS}")
        row_list = ()
        if kind == "list":
            row_list = tuple(RowSpec(r["key"], r.get("label", r["key"]), r.get("filter", {})) for r in rows["items"])
            _require(len({r.key for r in row_list}) == len(row_list), f"{where}: row keys must be unique")
        columns = []
        for c in t.get("columns", []):
            ckey = c.get("key")
            cwhere = f"{where}, column {ckey!r}"
            _require(bool(ckey) and ckey not in {x.key for x in columns}, f"{cwhere}: a column needs a unique key")
            try:
                measure = measures.get(c.get("measure", ""))
            except LookupError:
                raise LayoutError(f"{cwhere}: unknown measure {c.get('measure')!r}") from None
            flt = c.get("filter", {})
            _check_filter(cwhere, flt, measure.filter_keys, choices)
            for r in row_list:
                _check_filter(f"{cwhere}, row {r.key!r}", r.filter, measure.filter_keys, choices)
            if kind == "risk_areas":
                _require(measures.RISK_AREA in measure.filter_keys, f"{cwhere}: the measure has no risk area")
            columns.append(Column(ckey, c.get("label", ckey), measure.name, flt))
        _require(bool(columns), f"{where}: a table needs columns")
        tables.append(Table(tkey, t.get("title", tkey), kind, tuple(columns), row_list))
    _require(bool(tables), f"{source}: a layout needs tables")
    return Layout(
        form=str(data["form"]), version=int(data.get("version", 1)), title=data["title"], tables=tuple(tables),
        signatures=tuple(data.get("signatures", ())),
        due_working_days_after_period=int(data.get("due_working_days_after_period", 5)),
        status=data.get("status", ""),
    )


def layout_dir() -> Path:
    return Path(getattr(settings, "STQ_REPORT_LAYOUT_DIR", "") or BUILTIN_DIR)


@lru_cache(maxsize=16)
def _load(path: str, mtime: float) -> Layout:
    with open(path, encoding="utf-8") as fh:
        return parse(json.load(fh), source=Path(path).name)


def forms() -> list[str]:
    """The forms with a layout file, e.g. ["19", "20"]."""
    return sorted(p.stem.removeprefix("form") for p in layout_dir().glob("form*.json"))


def load(form: str) -> Layout:
    """The layout of `form`; LookupError for any form without a layout file (the form code comes from URLs: it is
    matched against the files' names, never made into a path — an over-long code is no OSError)."""
    if form not in forms():
        raise LookupError(form)
    path = layout_dir() / f"form{form}.json"
    return _load(str(path), path.stat().st_mtime)
