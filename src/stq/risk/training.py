"""Model versions of the learned declaration-risk model (``stq.risk.ml``) and the scoring of stored declarations.

Two training sources:
  * labelled CSV files of the public layout (``df_syn_*_eng.csv``), as ``evaluate_risk`` does;
  * the stored declarations, labelled by STQ's own audit conclusions (``audit_outcomes``): the goods lines of a
    declaration named by a concluded audit get ``Fraud`` = whether that audit found violations.

A stored goods line is mapped onto the model's layout (``declarations_frame``): the declaration number is the
id, the tax codes are the parties, customs value (VND) the item price, quantity the net mass, the import duty
rate the tax rate. A model is only meaningful on the layout it was trained on: score stored declarations with a
model trained from the database.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError
from stq.core.numbering import next_sequence
from stq.core.texts import stored
from stq.declarations import partitions
from stq.declarations.models import Declaration, DeclarationLine

from . import sources
from .compiled import compile_classifier
from .ml import dataset as ds
from .ml import drift
from .ml.evaluate import ABLATION_STEPS, evaluate
from .ml.model import ArtefactError, ModelConfig, load_model, save_model, train_model
from .ml.model import _duty as model_duty
from .ml.model import _predict_heads as model_heads
from .models import DeclarationScore, ModelVersion, ScoringRun

log = logging.getLogger(__name__)
MIN_LABELLED_ROWS = 200
# the riskiest declarations of each batch have their explanations shown (per-feature contributions, costly: computed
# when first read, ``stored_explanations``)
EXPLAIN_TOP = 200
STAGE_COLUMNS = ["declaration_id", "tax_code", "registered_on", "probability", "duty_at_stake", "score", "explain_row"]
SCORE_COLUMNS = [*STAGE_COLUMNS, "model_id", "scored_at", "explanations"]


def artefact_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "risk" / "models"


MODEL_SERIES = "RISK-MODEL"  # the numbering service's national series of model versions (year 0: never reset)


def _next_number() -> int:
    """The next model version from the numbering service (the national unit's counter), reserved in a transaction of
    its own — durable: nested in a caller's transaction, the counter would stay locked through the minutes of
    training. A failed training leaves a gap, never a duplicate."""
    from stq.org.models import Unit

    national = Unit.objects.root()
    if national is None:
        raise AppError("no_national_unit", _("Load the organisation first: model versions are numbered nationally."))
    with transaction.atomic(durable=True):
        return next_sequence(unit=national, year=0, kind=MODEL_SERIES)


def _p_r_at_5(metrics: dict) -> dict:
    """P@k / R@k of the final model out of ``evaluate``'s table (test file), when there is one."""
    final = ABLATION_STEPS[-1][0]
    for row in (metrics.get("test") or {}).get("table", []):
        if row.get("ranking") == final:
            return {key.replace("precision@", "P@").replace("revenue@", "R@"): value
                    for key, value in row.items() if key != "ranking"}
    return {}


def _register(model, *, number: int, directory: Path, source: str, seconds: float, actor, digest: str,
              activate: bool) -> ModelVersion:
    start, end = model.training_window
    metrics = dict(model.metrics)
    metrics["summary"] = _p_r_at_5(metrics)
    with transaction.atomic():
        if activate:
            ModelVersion.objects.filter(is_active=True).update(is_active=False)
        return ModelVersion.objects.create(
            number=number, trained_by=actor, source=source[:255], training_from=dt.date.fromisoformat(str(start)),
            training_to=dt.date.fromisoformat(str(end)), rows=int(model.history.n_rows), features=list(model.columns),
            metrics=_jsonable(metrics),
            config={"blend_log10_offset": _jsonable(model.blend.log10_offset), "blend_rule": model.config.blend_rule},
            artefact_path=str(directory), artefact_sha256=digest, seconds=round(seconds, 2), is_active=activate)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    return value


def train_from_files(train_files, test_file=None, *, actor=None, seed: int = 0, activate: bool = True,
                     echo=None, config: ModelConfig | None = None) -> ModelVersion:
    number = _next_number()
    directory = artefact_root() / f"v{number}"
    started = time.monotonic()
    if test_file:
        report = evaluate(train_files, test_file, seed=seed, ablation=False, echo=echo, save_dir=directory,
                          config=config)
        model = report.model
        digest = model.artefact_sha256
    else:
        model = train_model(ds.read_many(train_files), config or ModelConfig(seed=seed))
        digest = save_model(model, directory)
    source = ", ".join(Path(f).name for f in train_files) + (f" → {Path(test_file).name}" if test_file else "")
    return _register(model, number=number, directory=directory, source=source,
                     seconds=time.monotonic() - started, actor=actor, digest=digest, activate=activate)


# The stored columns a goods line needs, read in one query; `_model_layout` maps them onto the model's layout.
READ_COLUMNS: tuple[tuple[str, str], ...] = (
    ("pk", "d.id"), ("base_number", "d.base_number"), ("revision", "d.revision"),
    ("registered_on", "d.registered_on"), ("customs_office", "d.customs_office"),
    ("procedure_type", "d.procedure_type"), ("flow", "d.flow"), ("transport_mode", "d.transport_mode"),
    ("declarant_tax_code", "d.declarant_tax_code"), ("importer_exporter_tax_code", "d.importer_exporter_tax_code"),
    ("partner_name", "d.partner_name"), ("partner_country", "d.partner_country"), ("incoterms", "d.incoterms"),
    ("hs_code", "l.hs_code"), ("origin_country", "l.origin_country"), ("import_duty_rate", "l.import_duty_rate"),
    ("quantity", "l.quantity"), ("customs_value", "l.customs_value"),
)
READ_NAMES = [name for name, _ in READ_COLUMNS]


def _lines_sql(where: str) -> str:
    D, L = Declaration._meta.db_table, DeclarationLine._meta.db_table
    columns = ", ".join(expr for _, expr in READ_COLUMNS)
    # `where` bounds d.registered_on and, for the lines' partitions to be pruned, l.registered_on too
    return (f"SELECT {columns} FROM {L} l JOIN {D} d ON d.id = l.declaration_id AND d.registered_on = l.registered_on "
            f"{where} "
            f"ORDER BY d.registered_on, d.id, l.line_no")


def window_where(first: dt.date, end: dt.date) -> tuple[str, list]:
    """The condition of one scoring window (registered from `first`, before `end`) on both tables: the lines'
    partitions are pruned on their own date only."""
    return ("WHERE d.registered_on >= %s AND d.registered_on < %s AND l.registered_on >= %s AND l.registered_on < %s",
            [first, end, first, end])


def read_lines(where: str = "", args: list | None = None, *, bulk: bool | None = None) -> pl.DataFrame:
    """The stored columns of the goods lines as a text frame (one column per ``READ_COLUMNS``, nulls kept).

    PostgreSQL (``bulk``): one ``COPY (SELECT …) TO STDOUT`` in CSV, parsed by polars in one go — no Python object
    per value. Elsewhere (SQLite, the demo): a plain fetch, column by column (slower, same frame)."""
    sql = _lines_sql(where)
    bulk = connection.vendor == "postgresql" if bulk is None else bulk
    schema = dict.fromkeys(READ_NAMES, pl.Utf8)
    if bulk:
        buffer = io.BytesIO()
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", args or None) as copy:
            for chunk in copy:
                buffer.write(chunk)
        if not buffer.tell():
            return pl.DataFrame(schema=schema)
        return pl.read_csv(buffer.getvalue(), has_header=False, new_columns=READ_NAMES, schema=schema)
    with connection.cursor() as cursor:
        cursor.execute(sql, args or [])
        rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(READ_NAMES)
    return pl.DataFrame({name: pl.Series(name, [None if v is None else str(v) for v in values], dtype=pl.Utf8)
                         for name, values in zip(READ_NAMES, columns, strict=True)})


def _model_layout(raw: pl.DataFrame) -> pl.DataFrame:
    """Map the stored columns onto the model's layout (vectorised): the declaration number is the id, the tax codes
    are the parties, customs value (VND) the item price, quantity the net mass, the import duty rate the tax rate;
    the layout's fields STQ does not hold are empty. Missing text is empty, missing amounts are 0."""
    text = lambda name: pl.col(name).fill_null("")  # noqa: E731
    amount = lambda name: pl.col(name).cast(pl.Float64).fill_null(0.0)  # noqa: E731
    empty = pl.lit("", dtype=pl.Utf8)
    frame = raw.select(
        pl.col("pk").cast(pl.Int64),
        (text("base_number") + text("revision")).alias(ds.ID),
        pl.col("registered_on").cast(pl.Utf8).alias(ds.DATE),
        text("customs_office").alias("Office ID"), text("procedure_type").alias("Process Type"),
        text("flow").alias("Import Type"), text("incoterms").alias("Import Use"), empty.alias("Payment Type"),
        text("transport_mode").alias("Mode of Transport"), text("declarant_tax_code").alias("Declarant ID"),
        text("importer_exporter_tax_code").alias("Importer ID"), text("partner_name").alias("Seller ID"),
        empty.alias("Courier ID"), text("hs_code").str.slice(0, 6).alias(ds.HS6),
        text("partner_country").alias("Country of Departure"), text("origin_country").alias("Country of Origin"),
        text("flow").alias("Tax Type"), empty.alias("Country of Origin Indicator"),
        amount("import_duty_rate").alias(ds.TAX_RATE), amount("quantity").alias(ds.NET_MASS),
        amount("customs_value").alias(ds.ITEM_PRICE),
    )
    pks = frame["pk"]
    out = ds.normalise(frame.drop("pk"))
    return out.with_columns(pks.alias("pk"))


def declarations_frame(where: str = "", args: list | None = None, *, bulk: bool | None = None) -> pl.DataFrame:
    """Stored goods lines in the model's layout (one row per line, plus their declaration's ``pk``)."""
    return _model_layout(read_lines(where, args, bulk=bulk))


def labelled_frame() -> pl.DataFrame:
    """Stored goods lines of the declarations named by concluded audits, labelled by the audit's outcome."""
    labels: dict[str, int] = {}
    for o in sources.audit_outcomes():
        for number in o.get("declaration_numbers") or []:
            labels[str(number)] = max(labels.get(str(number), 0), int(bool(o["has_violations"])))
    if not labels:
        return declarations_frame("WHERE 1 = 0")
    bases = sorted({n[:11] for n in labels})
    frame = declarations_frame("WHERE d.base_number IN (" + ", ".join(["%s"] * len(bases)) + ")", bases)
    frame = frame.filter(pl.col(ds.ID).is_in(list(labels)))
    return frame.with_columns(pl.col(ds.ID).replace_strict(labels, return_dtype=pl.Int8).alias(ds.FRAUD))


def train_from_database(*, actor=None, seed: int = 0, activate: bool = True,
                        config: ModelConfig | None = None) -> ModelVersion:
    frame = labelled_frame()
    if frame.height < MIN_LABELLED_ROWS or frame[ds.FRAUD].n_unique() < 2:
        raise ValueError(f"not enough audit labels to train: {frame.height} labelled goods lines "
                         f"(at least {MIN_LABELLED_ROWS}, with and without violations)")
    return train_frame(frame, actor=actor, seed=seed, activate=activate, config=config)


def train_frame(frame: pl.DataFrame, *, actor=None, seed: int = 0, activate: bool = True,
                config: ModelConfig | None = None) -> ModelVersion:
    """Train on a labelled frame (`labelled_frame`), save the artefact and register the version."""
    number = _next_number()
    directory = artefact_root() / f"v{number}"
    started = time.monotonic()
    model = train_model(frame.drop("pk"), config or ModelConfig(seed=seed))
    digest = save_model(model, directory)
    return _register(model, number=number, directory=directory, source="stored declarations + audit outcomes",
                     seconds=time.monotonic() - started, actor=actor, digest=digest, activate=activate)


def _add_time(stages: dict | None, stage: str, since: float) -> float:
    now = time.monotonic()
    if stages is not None:
        stages[stage] = stages.get(stage, 0.0) + now - since
    return now


def predict_parts(model, features: pl.DataFrame, classifier=None, observe=None) -> tuple[np.ndarray, np.ndarray]:
    """``model.predict_parts``, with the classifier's trees evaluated by `classifier` (compiled) when given;
    `observe(values, p)` (the drift counter) sees the feature matrix and the probabilities."""
    _, p, revenue = _predict(model, features, classifier, observe)
    return p, revenue


def _predict(model, features: pl.DataFrame, classifier=None, observe=None):
    """(feature matrix, probabilities, expected revenue) of the rows of `features` (see `predict_parts`)."""
    matrix = model.features(features)
    p, revenue = model_heads(classifier or model.classifier, model.regressor, matrix.values, model_duty(features))
    if observe is not None:
        observe(matrix.values, p)
    return matrix, p, revenue


def score_frame(model, frame: pl.DataFrame, model_version: ModelVersion, explain_top: int = EXPLAIN_TOP,
                stages: dict | None = None, classifier=None) -> int:
    """Score the goods lines of `frame`, keep each declaration's riskiest line, store DeclarationScore rows.
    `classifier`: the compiled classifier (``compiled.compile_classifier``), else LightGBM; `stages` (optional)
    accumulates the seconds spent per stage."""
    if frame.height == 0:
        return 0
    scores = frame_scores(model, frame, explain_top, stages, classifier)
    t = time.monotonic()
    _write_scores(scores, model_version.pk, timezone.now())
    _add_time(stages, "write", t)
    return scores.height


def frame_scores(model, frame: pl.DataFrame, explain_top: int = EXPLAIN_TOP, stages: dict | None = None,
                 classifier=None, observe=None) -> pl.DataFrame:
    """One row per declaration of `frame` (``STAGE_COLUMNS``): its riskiest line's probability and score, the duty
    at stake of all its lines, and — for the `explain_top` riskiest declarations, the ones whose explanations are
    shown — ``explain_row``, the place of the riskiest line among the declaration's lines (in ``line_no`` order),
    which ``stored_explanations`` explains when the score is first read (null for the others, shown without
    explanations)."""
    t = time.monotonic()
    features = frame.drop("pk")
    _, p, revenue = _predict(model, features, classifier, observe)
    t = _add_time(stages, "features + prediction", t)
    offset = model.offset_for(p, revenue)  # the model's blend rule, on this batch's own predictions
    score = p + revenue / offset if np.isfinite(offset) else p
    duty = (frame[ds.ITEM_PRICE].to_numpy() * frame[ds.TAX_RATE].to_numpy() / 100)
    # the frame is ordered by declaration and line_no (``_lines_sql``): a line's place in its declaration is its row
    # less the declaration's first row
    per = (pl.DataFrame({"pk": frame["pk"], "row": np.arange(frame.height), "p": p, "score": score, "duty": duty,
                         "tax_code": frame["Importer ID"].fill_null(""), "registered_on": frame[ds.DATE]})
           .sort(["pk", "score"], descending=[False, True])
           .group_by("pk", maintain_order=True)
           .agg((pl.col("row").first() - pl.col("row").min()).alias("place"), pl.col("p").max(),
                pl.col("score").max(), pl.col("duty").sum(), pl.col("tax_code").first(),
                pl.col("registered_on").first()))
    top = per.sort("score", descending=True).head(explain_top)["pk"] if explain_top else pl.Series([], dtype=pl.Int64)
    out = per.select(
        pl.col("pk").alias("declaration_id"), "tax_code", "registered_on", pl.col("p").alias("probability"),
        pl.col("duty").cast(pl.Int64).alias("duty_at_stake"), "score",
        pl.when(pl.col("pk").is_in(top.implode())).then(pl.col("place")).otherwise(None).cast(pl.Int32)
        .alias("explain_row"))
    _add_time(stages, "per declaration", t)
    return out


def explanation_items(contributions) -> list[dict]:
    """One row of ``DualModel.explain`` as stored in ``DeclarationScore.explanations`` (the sentence as codes)."""
    return [{"feature": c.feature, "contribution": round(c.contribution, 3), "sentence": stored(c.sentence)}
            for c in contributions]


_explaining: dict[tuple[str, str], object] = {}  # (artefact path, sha256) → the loaded model (one at a time)


def _explaining_model(version: ModelVersion):
    """The model version's loaded model, kept for the next reads in this process (the active version's, in
    practice; a new version replaces it)."""
    key = (version.artefact_path, version.artefact_sha256)
    model = _explaining.get(key)
    if model is None:
        model = load_model(version.artefact_path)
        _explaining.clear()
        _explaining[key] = model
    return model


def stored_explanations(score: DeclarationScore) -> list[dict]:
    """The explanations of a stored score. The scoring marks the declarations whose explanations are shown (the
    riskiest of each batch: ``explain_row``) and leaves the explaining to the first read: this computes them from
    the declaration's stored lines with the score's model version — the same contributions as at scoring time, a
    row's features not depending on the other rows — stores them and returns them; later reads find them stored.
    A score without ``explain_row`` has no explanations (``[]``)."""
    if score.explanations or score.explain_row is None:
        return score.explanations
    date = score.registered_on
    frame = declarations_frame("WHERE d.id = %s AND d.registered_on = %s AND l.registered_on = %s",
                               [score.declaration_id, date, date])
    if score.explain_row >= frame.height:  # the lines changed since the scoring: nothing to explain any more
        return []
    try:
        model = _explaining_model(score.model)
    except ArtefactError:  # the version's artefact is gone or damaged: shown without explanations, nothing stored
        log.exception("model v%s cannot be loaded to explain declaration %s", score.model.number, score.declaration_id)
        return []
    (row,) = model.explain(frame.drop("pk")[score.explain_row:score.explain_row + 1])
    items = json.loads(json.dumps(explanation_items(row), ensure_ascii=False))  # as read back from the column
    # only into the score that was read: a rescore meanwhile (another version, another time) keeps its own
    DeclarationScore.objects.filter(declaration_id=score.declaration_id, registered_on=date, model_id=score.model_id,
                                    scored_at=score.scored_at, explanations=[]).update(explanations=items)
    score.explanations = items
    return items


def _write_scores(scores: pl.DataFrame, model_id: int, scored_at: dt.datetime) -> None:
    """Upsert DeclarationScore rows (``STAGE_COLUMNS`` of `scores`; no explanations yet: a rescore drops the former
    ones). PostgreSQL: the frame as CSV through one COPY into a temporary table, then one INSERT … ON CONFLICT;
    elsewhere ``bulk_create`` with ``update_conflicts``."""
    if connection.vendor != "postgresql":
        objects = [DeclarationScore(**row, model_id=model_id, scored_at=scored_at, explanations=[])
                   for row in scores.select(STAGE_COLUMNS).iter_rows(named=True)]
        DeclarationScore.objects.bulk_create(
            objects,
            batch_size=5000, update_conflicts=True, unique_fields=["declaration"],
            update_fields=[c for c in SCORE_COLUMNS if c != "declaration_id"])
        return
    table = DeclarationScore._meta.db_table
    stage = ", ".join(STAGE_COLUMNS)
    columns = ", ".join(SCORE_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in SCORE_COLUMNS if c != "declaration_id")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE risk_score_stage ON COMMIT DROP AS SELECT {stage} FROM {table} WITH NO DATA")
        with cursor.cursor.copy(f"COPY risk_score_stage ({stage}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(scores.select(STAGE_COLUMNS).write_csv(include_header=False))
        # the partitioned table's primary key holds the partition key (migration declarations/0005)
        key = "declaration_id, registered_on" if partitions.is_partitioned(table, cursor) else "declaration_id"
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {stage}, %s, %s, '[]' FROM risk_score_stage "
                       f"ON CONFLICT ({key}) DO UPDATE SET {updates}", [model_id, scored_at])
        cursor.execute("DROP TABLE risk_score_stage")


def score_declarations(*, model_version: ModelVersion | None = None, since: dt.date | None = None,
                       batch_days: int = 31, compiled: bool = True, on_window=None) -> dict:
    """Score the stored declarations (registered on or after `since`) with the active model, in batches of
    `batch_days` days of registration; the explanations of the riskiest declarations of each batch are computed
    when first read (``stored_explanations``).

    On PostgreSQL, outside a caller's transaction, the batches run as a pipeline over the two cores: a reader
    thread fetches the next batch and a writer thread stores the previous one's scores (each on its own database
    connection, each write its own transaction) while this thread computes the current one's features and
    predictions. Inside a transaction (tests, or a caller's `atomic`) other connections could not see its rows,
    and SQLite has one writer: there the batches run one by one."""
    model_version = model_version or ModelVersion.objects.filter(is_active=True).first()
    if model_version is None:
        raise ValueError("no model version in use: train one with `manage.py train_risk_model`")
    started = time.monotonic()
    model = load_model(model_version.artefact_path)
    t = time.monotonic()
    classifier = compile_classifier(model, artefact_root().parent / "compiled") if compiled else None
    compile_seconds = time.monotonic() - t
    span = Declaration.objects.aggregate(first=Max("registered_on"))
    if span["first"] is None:
        return {"declarations": 0, "seconds": 0.0}
    first = since or Declaration.objects.order_by("registered_on").values_list("registered_on", flat=True).first()
    windows = []
    while first <= span["first"]:
        windows.append((first, first + dt.timedelta(days=batch_days)))
        first = windows[-1][1]
    stages: dict[str, float] = {}
    scored_at = timezone.now()

    def read(window):
        t = time.monotonic()
        frame = declarations_frame(*window_where(*window))
        _add_time(stages, "read", t)
        return frame

    def write(scores):
        t = time.monotonic()
        _write_scores(scores, model_version.pk, scored_at)
        _add_time(stages, "write", t)

    counter = drift.DriftCounter(model.metrics["drift_reference"], model.columns) \
        if model.metrics.get("drift_reference") else None
    observe = counter.add if counter is not None else None

    def compute(frame):
        if not frame.height:
            return None
        return frame_scores(model, frame, stages=stages, classifier=classifier, observe=observe)

    pipelined = connection.vendor == "postgresql" and not connection.in_atomic_block
    total = lines = 0
    if pipelined:
        with ThreadPoolExecutor(max_workers=1) as reader, ThreadPoolExecutor(max_workers=1) as writer:
            upcoming = reader.submit(_closing_connection, read, windows[0])
            pending = None
            for i in range(len(windows)):
                frame = upcoming.result()
                if i + 1 < len(windows):
                    upcoming = reader.submit(_closing_connection, read, windows[i + 1])
                part = compute(frame)
                lines += frame.height
                if pending is not None:
                    pending.result()
                    pending = None
                if part is not None:
                    total += part.height
                    pending = writer.submit(_closing_connection, write, part)
                if on_window is not None:
                    on_window(i + 1, len(windows))
            if pending is not None:
                pending.result()
    else:
        for i, window in enumerate(windows, start=1):
            frame = read(window)
            part = compute(frame)
            lines += frame.height
            if part is not None:
                write(part)
                total += part.height
            if on_window is not None:
                on_window(i, len(windows))
    run = _record_run(model_version, counter, scored_at, total, lines, windows)
    return {"declarations": total, "lines": lines, "seconds": round(time.monotonic() - started, 2),
            "scoring_run": run.pk,
            "predictor": "compiled (lleaves)" if classifier else "LightGBM", "pipelined": pipelined,
            "stages": {"compile model": round(compile_seconds, 2),
                       **{k: round(v, 2) for k, v in stages.items()}}}


def _record_run(model_version, counter, started_at, declarations: int, lines: int, windows) -> ScoringRun:
    """Store the run's score distribution and the drift of the main features (PSI against the training data)."""
    result = counter.result() if counter is not None else {}
    feature_psi = {k: v for k, v in result.get("feature_psi", {}).items() if np.isfinite(v)}
    score_psi = result.get("score_psi")
    return ScoringRun.objects.create(
        model=model_version, started_at=started_at, finished_at=timezone.now(), declarations=declarations,
        lines=lines, scored_from=windows[0][0] if windows else None,
        scored_to=(windows[-1][1] - dt.timedelta(days=1)) if windows else None,
        score_psi=score_psi if score_psi is not None and np.isfinite(score_psi) else None,
        max_feature_psi=max(feature_psi.values()) if feature_psi else None, feature_psi=feature_psi,
        score_distribution={k: result[k] for k in ("score_edges", "score_counts", "reference_score_counts")
                            if k in result})


def _closing_connection(fn, *args):
    """Run `fn` in a worker thread and close that thread's database connection afterwards."""
    try:
        return fn(*args)
    finally:
        connection.close()
