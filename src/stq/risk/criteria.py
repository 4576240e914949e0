"""The registry of criterion condition KINDS.

A criterion never holds code: it names a kind from ``KINDS`` and gives it JSON parameters, which the kind
validates (types, ranges, lists of codes). Each kind compiles to ONE set-based SQL query, portable between
PostgreSQL and SQLite (window functions, no vendor functions), whose rows are the hits::

    declaration_id (NULL for enterprise-level kinds), tax_code, registered_on, value, reference

``evaluate.run_criteria`` inserts them with ``INSERT … SELECT`` — no row is looked at in Python. The
``scope_job`` argument restricts the hits (not the peers or the history) to the declarations of one import (or of a
list of imports).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DatabaseError, connection
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError
from stq.declarations import peer_prices
from stq.declarations.models import ActivityMonth, Declaration, DeclarationLine, PeerPrice

D = Declaration._meta.db_table
L = DeclarationLine._meta.db_table
AM = ActivityMonth._meta.db_table
P = PeerPrice._meta.db_table
log = logging.getLogger(__name__)
FLOAT = "DOUBLE PRECISION"

CODE_RE = re.compile(r"^[A-Z0-9]{1,5}$")
HS_RE = re.compile(r"^\d{2,8}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Param:
    """One parameter of a kind: the form shows it as a typed field labelled `label`, with its `unit` and `help`."""

    name: str
    label: object
    type: str  # "float" | "int" | "date" | "countries" | "hs_prefixes" | "codes"
    default: object = None
    min: float | None = None
    max: float | None = None
    unit: object = ""
    help: object = ""

    @property
    def is_list(self) -> bool:
        return self.type in ("countries", "hs_prefixes", "codes")

    def clean(self, raw):
        if raw is None or raw == "" or raw == []:
            if self.default is None:
                raise ValueError(_("Required."))
            raw = self.default
        if self.type in ("float", "int"):
            try:
                value = float(raw) if self.type == "float" else int(raw)
            except (TypeError, ValueError):
                raise ValueError(_("Enter a number.")) from None
            if self.min is not None and value < self.min:
                raise ValueError(_("Must be at least %(v)s.") % {"v": self.min})
            if self.max is not None and value > self.max:
                raise ValueError(_("Must be at most %(v)s.") % {"v": self.max})
            return value
        if self.type == "date":
            try:
                return dt.date.fromisoformat(str(raw)).isoformat()
            except ValueError:
                raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
        items = raw if isinstance(raw, list) else [s for s in re.split(r"[\s,;]+", str(raw)) if s]
        items = [str(s).strip().upper() for s in items]
        pattern = {"countries": COUNTRY_RE, "hs_prefixes": HS_RE, "codes": CODE_RE}[self.type]
        bad = [s for s in items if not pattern.match(s)]
        if bad or not items:
            raise ValueError(_("Invalid codes: %(c)s") % {"c": ", ".join(bad) or "—"})
        return sorted(set(items))


@dataclass(frozen=True)
class Measure:
    """What a hit's `value` or `reference` column holds: its column header and how it is shown."""

    label: object
    format: str  # "ratio" (0,45) | "factor" (3,2×) | "vnd" (1.234.567 ₫) | "count" (1.234)


@dataclass(frozen=True)
class Kind:
    code: str
    label: object
    level: str  # "declaration" | "enterprise"
    params: tuple[Param, ...]
    sql: Callable[[dict, dt.date, int | None], tuple[str, list]] = field(repr=False)
    description: object = ""
    value: Measure | None = None
    reference: Measure | None = None

    def validate(self, raw: dict | None) -> dict:
        raw = raw or {}
        if not isinstance(raw, dict):
            raise AppError("invalid", _("The parameters must be a JSON object."), field="params")
        unknown = set(raw) - {p.name for p in self.params}
        errors = {}
        if unknown:
            errors["params"] = _("Unknown parameters: %(p)s") % {"p": ", ".join(sorted(unknown))}
        cleaned = {}
        for p in self.params:
            try:
                cleaned[p.name] = p.clean(raw.get(p.name))
            except ValueError as exc:
                errors[f"params.{p.name}"] = str(exc.args[0])
        if errors:
            raise AppError("invalid", _("Please correct the parameters of the condition."), fields=errors)
        return cleaned


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> Kind:
    KINDS[kind.code] = kind
    return kind


def get_kind(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError:
        raise AppError("invalid", _("Unknown condition kind."), field="kind") from None


def kind_choices() -> list[tuple[str, object]]:
    return [(k.code, k.label) for k in KINDS.values()]


def _in(values: list[str]) -> tuple[str, list]:
    return "(" + ", ".join(["%s"] * len(values)) + ")", list(values)


def _hs_like(prefixes: list[str], column: str = "l.hs_code") -> tuple[str, list]:
    return "(" + " OR ".join([f"{column} LIKE %s"] * len(prefixes)) + ")", [p + "%" for p in prefixes]


def _jobs(scope_job) -> list[int]:
    """``scope_job``: one import job's id, or a list of them (the batches scored together on arrival)."""
    if not scope_job:
        return []
    return [int(j) for j in scope_job] if isinstance(scope_job, list | tuple | set) else [int(scope_job)]


def _scope(scope_job, alias: str = "d") -> tuple[str, list]:
    jobs = _jobs(scope_job)
    if not jobs:
        return "", []
    return f" AND {alias}.import_job_id IN ({', '.join(['%s'] * len(jobs))})", jobs


def _tax_code_scope(scope_job, column: str = "t.tax_code") -> tuple[str, list]:
    """For enterprise-level criteria: only the enterprises that declared in the import job(s)."""
    jobs = _jobs(scope_job)
    if not jobs:
        return "", []
    marks = ", ".join(["%s"] * len(jobs))
    return f" AND {column} IN (SELECT importer_exporter_tax_code FROM {D} WHERE import_job_id IN ({marks}))", jobs


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


# --- 1. unit price below the peers' median (same HS code, origin and unit) ---------------------------------

# Restricted to imports on PostgreSQL, the medians are read from the peer-price table kept by the import
# (``_price_below_median_from_table``) when it covers the period (``peer_prices.covers``: it keeps about a year);
# False: recomputed from the lines (the test that both agree sets it).
PEER_MEDIANS_FROM_TABLE = True


def _price_below_median_sql(p: dict, as_of: dt.date, scope_job: int | None) -> tuple[str, list]:
    since = as_of - dt.timedelta(days=int(p["lookback_days"]))
    if (scope_job and PEER_MEDIANS_FROM_TABLE and connection.vendor == "postgresql"
            and peer_prices.covers(since)):  # a period longer than the table keeps: recomputed
        return _price_below_median_from_table(p, as_of, scope_job)
    return _price_below_median_recomputed(p, as_of, scope_job)


def _price_below_median_from_table(p: dict, as_of: dt.date, scope_job) -> tuple[str, list]:
    """The same hits as ``_price_below_median_recomputed`` for the lines of the scoped imports, in proportion to
    their peer groups: each group's size in the period and its two middle prices are read in the order of the
    peer-price index (``stq.declarations.peer_prices``) — no sort of the period's lines, no join with their
    declarations. The median is computed as there: (price of rank (n+1)/2 + price of rank (n+2)/2) / 2.
    Inside ``shared_peer_medians`` (a round of risk on arrival) the medians of the period are read from the
    round's table of medians, computed once for all the round's imports (``_round_medians``)."""
    since = as_of - dt.timedelta(days=int(p["lookback_days"]))
    scope, scope_args = _scope(scope_job)
    lines = f"""
        lines AS MATERIALIZED ({_import_line_prices("", scope)})"""
    hits = """
        SELECT lines.declaration_id AS declaration_id, MIN(lines.tax_code) AS tax_code,
               MIN(lines.registered_on) AS registered_on, MIN(lines.price / m.median) AS value,
               MIN(m.median) AS reference
        FROM lines JOIN m ON m.hs_code = lines.hs_code AND m.origin_country = lines.origin_country
                         AND m.unit = lines.unit
        WHERE lines.price < %s * m.median
        GROUP BY lines.declaration_id"""
    shared = _round_medians(since, as_of, _jobs(scope_job))
    if shared:
        sql = f"""
        WITH {lines},
        m AS (SELECT hs_code, origin_country, unit, median FROM {shared}
              WHERE since = %s AND as_of = %s AND n >= %s)
        {hits}"""
        return sql, [since, as_of, since, as_of, *scope_args, since, as_of, int(p["min_peers"]), float(p["ratio"])]
    medians, medians_args = _medians_sql("(SELECT DISTINCT hs_code, origin_country, unit FROM lines)", [],
                                         since, as_of, " WHERE g.n >= %s", [int(p["min_peers"])])
    sql = f"""
        WITH {lines},
        {medians}
        {hits}"""
    return sql, [since, as_of, since, as_of, *scope_args, *medians_args, float(p["ratio"])]


def _medians_sql(groups: str, groups_args: list, since: dt.date, as_of: dt.date, where: str = "",
                 where_args: list | None = None) -> tuple[str, list]:
    """The CTEs ``g`` (each peer group of the subquery ``groups`` with its size ``n`` in the period) and ``m``
    (its median, for the groups that ``where`` keeps), read in the order of the peer-price index."""
    peers = (f"FROM {P} p WHERE p.hs_code = g.hs_code AND p.origin_country = g.origin_country "
             f"AND p.unit = g.unit AND p.registered_on >= %s AND p.registered_on <= %s")
    sql = f"""g AS MATERIALIZED (
            SELECT g.hs_code, g.origin_country, g.unit, (SELECT COUNT(*) {peers}) AS n FROM {groups} g
        ),
        m AS MATERIALIZED (
            SELECT g.hs_code, g.origin_country, g.unit, g.n,
                   ((SELECT p.price {peers} ORDER BY p.price LIMIT 1 OFFSET (g.n + 1) / 2 - 1)
                    + (SELECT p.price {peers} ORDER BY p.price LIMIT 1 OFFSET (g.n + 2) / 2 - 1)) / 2 AS median
            FROM g{where}
        )"""
    return sql, [since, as_of, *groups_args, since, as_of, since, as_of, *(where_args or [])]


# One round of risk on arrival (the alerts, then the criteria) needs the peer medians of the same imports over
# the same period twice: ``shared_peer_medians`` computes them once per period for all the round's imports, into a
# temporary table of the connection, and both read them from there. Per thread (the consumer's scorer thread).
ROUND_MEDIANS = "stq_round_peer_medians"
_round = threading.local()


@contextmanager
def shared_peer_medians(job_ids):
    """Inside the block, the table-read peer medians of imports among ``job_ids`` are computed once per period."""
    jobs = sorted({int(j) for j in job_ids or []})
    if (not jobs or not PEER_MEDIANS_FROM_TABLE or connection.vendor != "postgresql"
            or getattr(_round, "jobs", None) is not None):  # nested: the outer block's table serves
        yield
        return
    _round.jobs, _round.periods = set(jobs), set()
    try:
        yield
    finally:
        filled = _round.periods
        _round.jobs = _round.periods = None
        if filled:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP TABLE IF EXISTS {ROUND_MEDIANS}")
            except DatabaseError:  # an aborted transaction: its rollback removes the table anyway
                log.warning("could not drop %s", ROUND_MEDIANS, exc_info=True)


def _round_medians(since: dt.date, as_of: dt.date, jobs: list[int]) -> str | None:
    """The round's table of medians holding the period's medians of the peer groups of ``jobs``' lines (filled
    now if the period is new to the round), or None outside a round or for imports not in it."""
    round_jobs = getattr(_round, "jobs", None)
    if not round_jobs or not jobs or not set(jobs) <= round_jobs:
        return None
    if (since, as_of) not in _round.periods:
        marks = ", ".join(["%s"] * len(round_jobs))
        groups = f"""(SELECT DISTINCT l.hs_code, l.origin_country, l.unit
                       FROM {L} l JOIN {D} d ON d.id = l.declaration_id AND d.registered_on = l.registered_on
                       WHERE d.flow = 'I' AND l.quantity > 0 AND l.customs_value > 0
                         AND d.registered_on >= %s AND d.registered_on <= %s
                         AND l.registered_on >= %s AND l.registered_on <= %s AND d.import_job_id IN ({marks}))"""
        medians, args = _medians_sql(groups, [since, as_of, since, as_of, *sorted(round_jobs)], since, as_of,
                                     " WHERE g.n >= 1")
        with connection.cursor() as cursor:
            if not _round.periods:  # the round's first: a table left by an earlier round is not this round's
                cursor.execute(f"DROP TABLE IF EXISTS {ROUND_MEDIANS}")
                cursor.execute(f"CREATE TEMPORARY TABLE {ROUND_MEDIANS} (since DATE, as_of DATE, hs_code TEXT, "
                               f"origin_country TEXT, unit TEXT, n BIGINT, median {FLOAT})")
            cursor.execute(f"INSERT INTO {ROUND_MEDIANS} WITH {medians} SELECT %s, %s, hs_code, origin_country, "
                           f"unit, n, median FROM m", [*args, since, as_of])
            cursor.execute(f"ANALYZE {ROUND_MEDIANS}")
        _round.periods.add((since, as_of))
    return ROUND_MEDIANS


def _import_line_prices(columns: str, where: str) -> str:
    """SQL: the import goods lines of a period with their unit price (customs value / quantity), four parameters
    (the period on the headers, then on the lines: each partitioned table pruned); `columns` and `where` extend
    the select list and the condition."""
    return f"""
            SELECT l.declaration_id, d.importer_exporter_tax_code AS tax_code, d.registered_on{columns},
                   l.hs_code, l.origin_country, l.unit,
                   CAST(l.customs_value AS {FLOAT}) / CAST(l.quantity AS {FLOAT}) AS price
            FROM {L} l JOIN {D} d ON d.id = l.declaration_id AND d.registered_on = l.registered_on
            WHERE d.flow = 'I' AND l.quantity > 0 AND l.customs_value > 0
              AND d.registered_on >= %s AND d.registered_on <= %s
              AND l.registered_on >= %s AND l.registered_on <= %s{where}
        """


def _price_below_median_recomputed(p: dict, as_of: dt.date, scope_job: int | None) -> tuple[str, list]:
    """The median comes from window functions over the peer group (no join back), so the plan cannot degrade
    into re-computing the medians for every line."""
    since = as_of - dt.timedelta(days=int(p["lookback_days"]))
    scope, scope_args = _scope(scope_job, "m")
    groups, groups_args = "", []
    if scope_job:  # only the peer groups of the scoped lines: a whole group, so the same medians
        job_scope, groups_args = _scope(scope_job, "sd")
        groups = f"""
              AND EXISTS (SELECT 1 FROM {L} sl JOIN {D} sd ON sd.id = sl.declaration_id
                                                             AND sd.registered_on = sl.registered_on
                          WHERE sd.flow = 'I' AND sl.hs_code = l.hs_code AND sl.origin_country = l.origin_country
                            AND sl.unit = l.unit{job_scope})"""
    group = "PARTITION BY hs_code, origin_country, unit"
    sql = f"""
        WITH lines AS ({_import_line_prices(", d.import_job_id", groups)}),
        ranked AS (
            SELECT lines.*, ROW_NUMBER() OVER ({group} ORDER BY price) AS rn, COUNT(*) OVER ({group}) AS n
            FROM lines
        ),
        m AS (
            SELECT ranked.*,
                   (MAX(CASE WHEN rn = (n + 1) / 2 THEN price END) OVER ({group})
                    + MAX(CASE WHEN rn = (n + 2) / 2 THEN price END) OVER ({group})) / 2 AS median
            FROM ranked
        )
        SELECT m.declaration_id AS declaration_id, MIN(m.tax_code) AS tax_code,
               MIN(m.registered_on) AS registered_on, MIN(m.price / m.median) AS value,
               MIN(m.median) AS reference
        FROM m
        WHERE m.n >= %s AND m.price < %s * m.median{scope}
        GROUP BY m.declaration_id"""
    return sql, [since, as_of, since, as_of, *groups_args, int(p["min_peers"]), float(p["ratio"]), *scope_args]


register_kind(Kind(
    "price_below_peer_median", _("Unit price below the median of the same HS code and origin"), "declaration",
    (
        Param("ratio", _("Share of the median"), "float", 0.5, 0.01, 0.99, _("× median"),
              _("0.5: half of the median unit price; from 0.01 to 0.99.")),
        Param("min_peers", _("Minimum number of peer lines"), "int", 5, 2, 100000, _("lines"),
              _("Lines with the same HS code, origin and unit needed for a median.")),
        Param("lookback_days", _("Period looked at"), "int", 365, 7, 1830, _("days"),
              _("Declarations registered in these last days.")),
    ),
    _price_below_median_sql,
    _("A goods line whose customs value per unit of quantity is below the given share of the median of all "
      "import lines with the same HS code, origin and unit in the period."),
    Measure(_("Unit price ÷ median"), "ratio"), Measure(_("Median unit price (VND)"), "vnd"),
))


# --- 2. origin switched after a trade-remedy measure ------------------------------------------------------

def _origin_switch_sql(p: dict, as_of: dt.date, scope_job: int | None) -> tuple[str, list]:
    measure = dt.date.fromisoformat(p["measure_date"])
    before = measure - dt.timedelta(days=int(p["days_before"]))
    hs_prior, hs_prior_args = _hs_like(p["hs_prefixes"])
    hs_after, hs_after_args = _hs_like(p["hs_prefixes"])
    origins, origins_args = _in(p["previous_origins"])
    origins1, origins1_args = _in(p["previous_origins"])
    origins2, origins2_args = _in(p["previous_origins"])
    scope, scope_args = _scope(scope_job)
    sql = f"""
        WITH prior AS (
            SELECT d.importer_exporter_tax_code AS tax_code, SUBSTR(l.hs_code, 1, 6) AS hs6
            FROM {L} l JOIN {D} d ON d.id = l.declaration_id AND d.registered_on = l.registered_on
            WHERE d.flow = 'I' AND d.registered_on >= %s AND d.registered_on < %s
              AND l.registered_on >= %s AND l.registered_on < %s AND {hs_prior}
            GROUP BY d.importer_exporter_tax_code, SUBSTR(l.hs_code, 1, 6)
            HAVING SUM(CASE WHEN l.origin_country IN {origins} THEN 1 ELSE 0 END) >= %s * COUNT(*)
               AND SUM(CASE WHEN l.origin_country IN {origins1} THEN 1 ELSE 0 END) >= %s
        )
        SELECT l.declaration_id AS declaration_id, MIN(d.importer_exporter_tax_code) AS tax_code,
               MIN(d.registered_on) AS registered_on, CAST(COUNT(*) AS {FLOAT}) AS value,
               CAST(NULL AS {FLOAT}) AS reference
        FROM {L} l JOIN {D} d ON d.id = l.declaration_id AND d.registered_on = l.registered_on
             JOIN prior p ON p.tax_code = d.importer_exporter_tax_code AND p.hs6 = SUBSTR(l.hs_code, 1, 6)
        WHERE d.flow = 'I' AND d.registered_on >= %s AND d.registered_on <= %s
          AND l.registered_on >= %s AND l.registered_on <= %s AND {hs_after}
          AND l.origin_country NOT IN {origins2}{scope}
        GROUP BY l.declaration_id"""
    args = [before, measure, before, measure, *hs_prior_args, *origins_args, float(p["min_prior_share"]),
            *origins1_args, int(p["min_prior_lines"]), measure, as_of, measure, as_of,
            *hs_after_args, *origins2_args, *scope_args]
    return sql, args


register_kind(Kind(
    "origin_switch_after_measure", _("Origin switched after a trade-remedy measure"), "declaration",
    (
        Param("hs_prefixes", _("HS codes under the measure"), "hs_prefixes",
              help=_("Codes or prefixes of 2 to 8 digits, separated by commas, e.g. 7208, 7209.")),
        Param("previous_origins", _("Origins targeted by the measure"), "countries",
              help=_("Two-letter country codes (ISO 3166), separated by commas, e.g. CN, KR.")),
        Param("measure_date", _("Date the measure took effect"), "date"),
        Param("days_before", _("Period before the measure looked at"), "int", 365, 30, 1830, _("days")),
        Param("min_prior_lines", _("Minimum lines from those origins before"), "int", 3, 1, 10000, _("lines")),
        Param("min_prior_share", _("Minimum share of those origins before"), "float", 0.9, 0.1, 1.0,
              _("share (0–1)"), _("1: the goods came only from those origins.")),
    ),
    _origin_switch_sql,
    _("An importer that brought these goods (almost) only from the targeted origins before the measure now "
      "declares them from another origin."),
    Measure(_("Lines from another origin"), "count"), None,
))


# --- 3. value growth over N times the enterprise's own history (monthly activity profile) -------------------

def _value_growth_sql(p: dict, as_of: dt.date, scope_job: int | None) -> tuple[str, list]:
    recent = int(p["recent_months"])
    last_month = as_of.replace(day=1)
    recent_from = _months_back(last_month, recent - 1)
    history_from = _months_back(recent_from, int(p["history_months"]))
    scope, scope_args = _tax_code_scope(scope_job)
    sql = f"""
        WITH monthly AS (
            SELECT tax_code, month, SUM(value) AS value, MAX(last_on) AS last_on
            FROM {AM} WHERE month >= %s AND month <= %s GROUP BY tax_code, month
        ),
        t AS (
            SELECT tax_code,
                   CAST(SUM(CASE WHEN month >= %s THEN value ELSE 0 END) AS {FLOAT}) / %s AS recent_avg,
                   CAST(SUM(CASE WHEN month < %s THEN value ELSE 0 END) AS {FLOAT})
                       / NULLIF(SUM(CASE WHEN month < %s THEN 1 ELSE 0 END), 0) AS history_avg,
                   SUM(CASE WHEN month < %s THEN 1 ELSE 0 END) AS history_months,
                   MAX(last_on) AS last_on
            FROM monthly GROUP BY tax_code
        )
        SELECT CAST(NULL AS BIGINT) AS declaration_id, t.tax_code AS tax_code, t.last_on AS registered_on,
               t.recent_avg / t.history_avg AS value, t.history_avg AS reference
        FROM t
        WHERE t.history_months >= %s AND t.history_avg > 0 AND t.recent_avg >= %s * t.history_avg
          AND t.recent_avg * %s >= %s{scope}"""
    args = [history_from, last_month, recent_from, float(recent), recent_from, recent_from, recent_from,
            int(p["min_history_months"]), float(p["factor"]), recent, int(p["min_recent_value"]), *scope_args]
    return sql, args


register_kind(Kind(
    "value_growth_vs_own_history", _("Value growth over N times the enterprise's own history"), "enterprise",
    (
        Param("factor", _("Growth factor"), "float", 3.0, 1.1, 1000, "×",
              _("Recent monthly average ÷ past monthly average.")),
        Param("recent_months", _("Recent months"), "int", 2, 1, 12, _("months")),
        Param("history_months", _("Past months compared with"), "int", 12, 3, 36, _("months")),
        Param("min_history_months", _("Minimum active past months"), "int", 3, 1, 36, _("months")),
        Param("min_recent_value", _("Minimum recent value"), "int", 1_000_000_000, 0, 10**15, "VND",
              _("Customs value of the recent months together.")),
    ),
    _value_growth_sql,
    _("The enterprise's average monthly customs value in the recent months exceeds its own past monthly "
      "average by the factor."),
    Measure(_("Growth factor"), "factor"), Measure(_("Past monthly average (VND)"), "vnd"),
))


# --- 4. new enterprise with large volume --------------------------------------------------------------------

def _new_large_sql(p: dict, as_of: dt.date, scope_job: int | None) -> tuple[str, list]:
    first_after = as_of - dt.timedelta(days=int(p["max_age_days"]))
    scope, scope_args = _tax_code_scope(scope_job, "tax_code")
    sql = f"""
        SELECT CAST(NULL AS BIGINT) AS declaration_id, tax_code AS tax_code, MAX(last_on) AS registered_on,
               CAST(SUM(value) AS {FLOAT}) AS value, CAST(%s AS {FLOAT}) AS reference
        FROM {AM} WHERE month <= %s{scope}
        GROUP BY tax_code
        HAVING MIN(first_on) > %s AND SUM(value) >= %s"""
    return sql, [float(p["min_value"]), as_of, *scope_args, first_after, int(p["min_value"])]


register_kind(Kind(
    "new_enterprise_large_volume", _("New enterprise with large volume"), "enterprise",
    (
        Param("max_age_days", _("First declaration at most"), "int", 180, 30, 1095, _("days ago")),
        Param("min_value", _("Minimum customs value since then"), "int", 50_000_000_000, 0, 10**16, "VND"),
    ),
    _new_large_sql,
    _("The enterprise's first declaration is recent and its declared value since then is already large."),
    Measure(_("Customs value since the first declaration (VND)"), "vnd"), Measure(_("Threshold (VND)"), "vnd"),
))


# --- 5. processing imports without matching exports ---------------------------------------------------------

def _processing_sql(p: dict, as_of: dt.date, scope_job: int | None) -> tuple[str, list]:
    since = _months_back(as_of.replace(day=1), int(p["months"]))
    imports, imports_args = _in(p["import_procedures"])
    exports, exports_args = _in(p["export_procedures"])
    scope, scope_args = _tax_code_scope(scope_job)
    sql = f"""
        WITH t AS (
            SELECT importer_exporter_tax_code AS tax_code,
                   SUM(CASE WHEN flow = 'I' AND procedure_type IN {imports} THEN customs_value ELSE 0 END) AS imp,
                   SUM(CASE WHEN flow = 'E' AND procedure_type IN {exports} THEN customs_value ELSE 0 END) AS exp,
                   MAX(registered_on) AS last_on
            FROM {D} WHERE registered_on >= %s AND registered_on <= %s
            GROUP BY importer_exporter_tax_code
        )
        SELECT CAST(NULL AS BIGINT) AS declaration_id, t.tax_code AS tax_code, t.last_on AS registered_on,
               CAST(t.exp AS {FLOAT}) / t.imp AS value, CAST(t.imp AS {FLOAT}) AS reference
        FROM t WHERE t.imp >= %s AND t.imp > 0 AND t.exp < %s * t.imp{scope}"""
    args = [*imports_args, *exports_args, since, as_of, int(p["min_import_value"]), float(p["max_ratio"]),
            *scope_args]
    return sql, args


register_kind(Kind(
    "processing_without_exports", _("Processing imports without matching exports"), "enterprise",
    (
        Param("import_procedures", _("Import procedure types"), "codes", ["E21", "E31"],
              help=_("Procedure type codes of processing and export production, separated by commas, e.g. E21, "
                     "E31.")),
        Param("export_procedures", _("Export procedure types of the products"), "codes", ["E52", "E62"],
              help=_("Procedure type codes, separated by commas, e.g. E52, E62.")),
        Param("months", _("Period looked at"), "int", 12, 1, 60, _("months")),
        Param("max_ratio", _("Exports below this share of imports"), "float", 0.3, 0.0, 1.0, _("share (0–1)"),
              _("0.3: exports worth less than 30 per cent of the imports.")),
        Param("min_import_value", _("Minimum imports"), "int", 1_000_000_000, 0, 10**16, "VND"),
    ),
    _processing_sql,
    _("Goods imported for processing or export production whose products are not exported in proportion."),
    Measure(_("Exports ÷ imports"), "ratio"), Measure(_("Imports (VND)"), "vnd"),
))


def format_measure(value, measure: Measure | None) -> str:
    """A hit's value as the reader reads it: Vietnamese separators, a unit where it has one."""
    from django.utils.formats import number_format

    if value is None or measure is None:
        return "—"
    if measure.format == "vnd":
        return number_format(round(value), 0, force_grouping=True)
    if measure.format == "count":
        return number_format(round(value), 0, force_grouping=True)
    if measure.format == "factor":
        return number_format(value, 1, force_grouping=True) + "×"
    return number_format(value, 2, force_grouping=True)


def format_param(param: Param, value) -> str:
    """A stored parameter value for reading (a labelled list on the criterion page)."""
    from django.utils.formats import number_format

    if value is None or value == "" or value == []:
        return "—"
    if param.is_list:
        return ", ".join(value) if isinstance(value, list) else str(value)
    if param.type == "date":
        try:
            return dt.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    decimals = 0 if param.type == "int" else None
    text = number_format(value, decimals, force_grouping=True)
    return f"{text} {param.unit}".strip()


def describe_params(kind: Kind, params: dict) -> list[tuple[object, str]]:
    """(label, value with unit) for every parameter of the kind, defaults filled in."""
    return [(p.label, format_param(p, params.get(p.name, p.default))) for p in kind.params]
