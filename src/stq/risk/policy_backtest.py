"""Policy backtest for risk managers: what would a targeting policy have found on the stored declarations of a
past period?

A policy = chosen criteria, a model version (optional), a capacity (inspections per unit and month) and an
exploration share. For every month of the period and every unit (the managing unit of the declaration's
enterprise; declarations of enterprises without one form their own group), the policy inspects ``capacity``
declarations:

* ``capacity × (1 − exploration share)`` by the policy's ranking: the total weight of the chosen criteria that hit
  the declaration (a hit on an enterprise without a declaration counts for all its declarations of that month),
  divided by 100, plus the declaration's place in the model's ranking of that month (its percentile, 0–1). No
  criterion: the model alone. No model: the criteria alone, ties by duty at stake. Declarations nothing points at
  are not picked by rank;
* the rest at random (seeded) among the declarations not yet picked.

Compared with the criteria alone (same capacity, ranked by criteria weight, then duty at stake) and random
selection (its expected value: the capacity's share of each unit-month's violations and duty).

A violation is a declaration named by a concluded audit with an approved conclusion that found violations
(``audit_outcomes``, the risk engine's labels); the duty at stake of a declaration is the sum over its goods lines
of customs value × import duty rate. Declarations no audit has looked at are counted as inspections but cannot be
counted as found: the figures are the *known* violations caught.
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError, Forbidden
from stq.declarations.models import Declaration, DeclarationLine
from stq.enterprises.models import Enterprise
from stq.org import policy

from . import sources
from .models import BacktestState, Criterion, CriterionHit, ModelVersion, PolicyBacktest

MAX_CAPACITY = 100_000
MAX_DAYS = 3 * 366
STRATEGIES = ("policy", "criteria", "random")
NO_UNIT = 0


def start(*, actor, period_from: dt.date | None, period_to: dt.date | None, criteria=(), model_version=None,
          capacity, exploration_share=0.0, seed: int | None = None, enqueue: bool = True) -> PolicyBacktest:
    """Validate and record a backtest request, then queue its computation (background task)."""
    if not policy.can_anywhere(actor, "risk.backtest"):
        raise Forbidden("forbidden", _("You do not have permission to do this."))
    errors = {}
    if period_from is None:
        errors["period_from"] = _("Enter the first day of the period.")
    if period_to is None:
        errors["period_to"] = _("Enter the last day of the period.")
    if period_from and period_to:
        if period_from > period_to:
            errors["period_to"] = _("The end of the period is before its start.")
        elif period_to > timezone.localdate():
            errors["period_to"] = _("A backtest looks at a past period: the end cannot be in the future.")
        elif (period_to - period_from).days > MAX_DAYS:
            errors["period_to"] = _("The period is at most three years.")
        elif not Declaration.objects.filter(registered_on__range=(period_from, period_to)).exists():
            errors["period_from"] = _("No declaration is stored for this period.")
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        capacity = 0
    if not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = _("The capacity is a whole number from 1 to 100,000.")
    try:
        exploration_share = float(exploration_share)
    except (TypeError, ValueError):
        exploration_share = -1.0
    if not 0 <= exploration_share <= 0.5:
        errors["exploration_share"] = _("The exploration share is between 0 and 0.5.")
    criteria = list(criteria)
    if not criteria and model_version is None:
        errors["criteria"] = _("Choose at least one criterion or a model version.")
    if errors:
        raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    with transaction.atomic():
        backtest = PolicyBacktest.objects.create(
            created_by=actor, period_from=period_from, period_to=period_to, model=model_version,
            capacity=capacity, exploration_share=exploration_share, seed=seed)
        backtest.criteria.set(criteria)
        if enqueue:
            from .tasks import policy_backtest_task

            transaction.on_commit(lambda: policy_backtest_task.enqueue(backtest.pk))
    return backtest


def run(backtest_id: int) -> PolicyBacktest:
    """Compute a queued backtest (the background task); a failure is recorded on the backtest, not raised."""
    backtest = PolicyBacktest.objects.get(pk=backtest_id)
    if backtest.state not in (BacktestState.QUEUED, BacktestState.FAILED):
        return backtest
    backtest.advance(1, state=BacktestState.RUNNING)
    try:
        result = compute(backtest)
    except Exception as exc:  # recorded for the requester; the traceback goes to the worker's log
        backtest.finish(BacktestState.FAILED, error=backtest.error_text(exc))
        raise
    backtest.finish(BacktestState.DONE, progress=100, result=result)
    return backtest


# --------------------------------------------------------------------------------------------------------
# Data


def declarations(period_from: dt.date, period_to: dt.date) -> pl.DataFrame:
    """One row per stored declaration of the period: pk, number, month, tax code, duty at stake (VND)."""
    D, L = Declaration._meta.db_table, DeclarationLine._meta.db_table
    sql = (f"SELECT d.id, d.base_number || d.revision::text, d.registered_on, d.importer_exporter_tax_code, "
           f"COALESCE(SUM(l.customs_value * l.import_duty_rate / 100), 0) "
           f"FROM {D} d LEFT JOIN {L} l ON l.declaration_id = d.id AND l.registered_on = d.registered_on "
           f"AND l.registered_on BETWEEN %s AND %s "
           f"WHERE d.registered_on BETWEEN %s AND %s GROUP BY d.id, d.registered_on ORDER BY d.registered_on, d.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [period_from, period_to, period_from, period_to])
        rows = cursor.fetchall()
    schema = {"pk": pl.Int64, "number": pl.Utf8, "day": pl.Date, "tax_code": pl.Utf8, "duty": pl.Float64}
    frame = pl.DataFrame([(r[0], r[1], r[2], r[3], float(r[4])) for r in rows], schema=schema, orient="row")
    units = dict(Enterprise.objects.filter(tax_code__in=frame["tax_code"].unique().to_list(),
                                           managing_unit__isnull=False).values_list("tax_code", "managing_unit_id"))
    return frame.with_columns(
        pl.col("day").dt.strftime("%Y-%m").alias("month"),
        pl.col("tax_code").replace_strict(units, default=NO_UNIT, return_dtype=pl.Int64).alias("unit"))


def violation_labels() -> dict[str, bool]:
    """Declaration number → whether the concluded audit that named it found violations."""
    labels: dict[str, bool] = {}
    for outcome in sources.audit_outcomes():
        for number in outcome.get("declaration_numbers") or []:
            labels[str(number)] = labels.get(str(number), False) or bool(outcome["has_violations"])
    return labels


def criteria_weights(frame: pl.DataFrame, criteria: list[Criterion]) -> np.ndarray:
    """Total weight of the chosen criteria hitting each declaration of ``frame``."""
    if not criteria or frame.height == 0:
        return np.zeros(frame.height)
    weight = {c.pk: c.weight for c in criteria}
    hits = CriterionHit.objects.filter(criterion__in=criteria, registered_on__range=(frame["day"].min(),
                                                                                      frame["day"].max()))
    by_declaration: dict[int, float] = {}
    by_enterprise_month: dict[tuple[str, str], float] = {}
    seen: set[tuple[int, object]] = set()
    for criterion_id, declaration_id, tax_code, day in hits.values_list(
            "criterion_id", "declaration_id", "tax_code", "registered_on"):
        key = (criterion_id, declaration_id or (tax_code, day.strftime("%Y-%m")))
        if key in seen:  # a criterion counts once per declaration (or enterprise-month)
            continue
        seen.add(key)
        if declaration_id is not None:
            by_declaration[declaration_id] = by_declaration.get(declaration_id, 0) + weight[criterion_id]
        else:
            month_key = (tax_code, day.strftime("%Y-%m"))
            by_enterprise_month[month_key] = by_enterprise_month.get(month_key, 0) + weight[criterion_id]
    pks, codes, months = frame["pk"].to_list(), frame["tax_code"].to_list(), frame["month"].to_list()
    return np.array([by_declaration.get(pk, 0) + by_enterprise_month.get((code, month), 0)
                     for pk, code, month in zip(pks, codes, months, strict=True)], dtype=float)


def model_scores(frame: pl.DataFrame, version: ModelVersion, on_month=None) -> np.ndarray:
    """The model version's ranking score of each declaration (its riskiest goods line), month by month."""
    from .ml.model import load_model
    from .training import declarations_frame, frame_scores

    model = load_model(version.artefact_path)
    scores: dict[int, float] = {}
    months = frame["month"].unique().sort().to_list()
    for i, month in enumerate(months):
        days = frame.filter(pl.col("month") == month)["day"]
        lines = declarations_frame("WHERE d.registered_on BETWEEN %s AND %s AND l.registered_on BETWEEN %s AND %s",
                                   [days.min(), days.max()] * 2)
        if lines.height:
            per = frame_scores(model, lines, explain_top=0)
            scores.update(zip(per["declaration_id"].to_list(), per["score"].to_list(), strict=True))
        if on_month is not None:
            on_month(i + 1, len(months))
    return np.array([scores.get(pk, np.nan) for pk in frame["pk"].to_list()], dtype=float)


# --------------------------------------------------------------------------------------------------------
# Selection


def _percentile_within(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Rank of each value within its group, scaled to (0, 1] (NaN: 0)."""
    out = np.zeros(len(values))
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        v = np.nan_to_num(values[idx], nan=-np.inf)
        order = np.argsort(v, kind="stable")
        ranks = np.empty(len(idx))
        ranks[order] = np.arange(1, len(idx) + 1)
        out[idx] = np.where(np.isfinite(v), ranks / len(idx), 0.0)
    return out


def select_group(priority: np.ndarray, duty: np.ndarray, capacity: int, explore: int,
                 rng: random.Random) -> np.ndarray:
    """Indices picked in one unit-month: the top ``capacity - explore`` with a positive priority (ties: duty),
    then ``explore`` at random among the others."""
    n_rank = capacity - explore
    order = np.lexsort((-duty, -priority))
    ranked = [int(i) for i in order if priority[i] > 0][:n_rank]
    taken = set(ranked)
    rest = [i for i in range(len(priority)) if i not in taken]
    explored = rng.sample(rest, min(explore, len(rest)))
    return np.array(ranked + explored, dtype=int)


def compute(backtest: PolicyBacktest) -> dict:
    """The figures per month and in total (see the module docstring)."""
    criteria = list(backtest.criteria.all())
    frame = declarations(backtest.period_from, backtest.period_to)
    backtest.advance(10)
    labels = violation_labels()
    numbers = frame["number"].to_list()
    violation = np.array([labels.get(n, False) for n in numbers], dtype=bool)
    labelled = np.array([n in labels for n in numbers], dtype=bool)
    duty = frame["duty"].to_numpy()
    weights = criteria_weights(frame, criteria)
    backtest.advance(20)
    groups = (frame["month"] + "|" + frame["unit"].cast(pl.Utf8)).to_numpy()
    if backtest.model_id:
        def on_month(done, total):
            backtest.advance(20 + round(70 * done / total))

        scores = model_scores(frame, backtest.model, on_month)
        model_part = _percentile_within(groups, scores)
    else:
        model_part = np.zeros(frame.height)
    priority = weights / 100.0 + model_part
    rng = random.Random(backtest.seed)
    explore = round(backtest.capacity * backtest.exploration_share)
    picked = {s: np.zeros(frame.height, dtype=bool) for s in ("policy", "criteria")}
    random_share = np.zeros(frame.height)
    for g in sorted(set(groups.tolist())):
        idx = np.flatnonzero(groups == g)
        chosen = select_group(priority[idx], duty[idx], backtest.capacity, explore, rng)
        picked["policy"][idx[chosen]] = True
        chosen = select_group(weights[idx], duty[idx], backtest.capacity, 0, rng)
        picked["criteria"][idx[chosen]] = True
        random_share[idx] = min(backtest.capacity, len(idx)) / len(idx)

    months = []
    month_of = frame["month"].to_numpy()
    for month in sorted(set(month_of.tolist())):
        in_month = month_of == month
        months.append(_figures(month, in_month, picked, random_share, violation, labelled, duty))
    total = _figures("total", np.ones(frame.height, dtype=bool), picked, random_share, violation, labelled, duty)
    return {
        "months": months,
        "total": total,
        "declarations": frame.height,
        "labelled": int(labelled.sum()),
        "units": len(set(frame["unit"].to_list())),
        "criteria": [c.code for c in criteria],
        "model": backtest.model.number if backtest.model_id else None,
    }


def _figures(name, mask, picked, random_share, violation, labelled, duty) -> dict:
    gain = np.where(violation, duty, 0.0)
    out = {"month": name, "declarations": int(mask.sum()), "violations": int((violation & mask).sum()),
           "violation_duty": round(float(gain[mask].sum()))}
    for strategy, chosen in picked.items():
        sel = chosen & mask
        out[strategy] = {"inspections": int(sel.sum()), "violations": int((violation & sel).sum()),
                         "duty": round(float(gain[sel].sum())), "audited": int((labelled & sel).sum())}
    out["random"] = {"inspections": round(float(random_share[mask].sum()), 1),
                     "violations": round(float((random_share * violation)[mask].sum()), 2),
                     "duty": round(float((random_share * gain)[mask].sum())),
                     "audited": round(float((random_share * labelled)[mask].sum()), 2)}
    return out


# --------------------------------------------------------------------------------------------------------
# Presentation (page and API share the figures; the page adds the labels)


def strategy_labels() -> dict[str, str]:
    return {"policy": str(_("The chosen policy")), "criteria": str(_("The criteria alone")),
            "random": str(_("Random selection (expected)"))}


def presentation(backtest: PolicyBacktest) -> dict:
    """Summary rows (one per strategy) and the chart data of a finished backtest; {} otherwise."""
    result = backtest.result or {}
    if backtest.state != BacktestState.DONE or not result.get("months"):
        return {}
    total = result["total"]
    labels = strategy_labels()
    strategies = ("policy", "criteria", "random") if backtest.criteria.exists() else ("policy", "random")
    rows = []
    for s in strategies:
        figures = total[s]
        rows.append({
            "key": s, "label": labels[s], **figures,
            "violation_share": figures["violations"] / total["violations"] if total["violations"] else None,
            "duty_share": figures["duty"] / total["violation_duty"] if total["violation_duty"] else None,
        })
    chart = {
        "labels": [m["month"][5:] + "/" + m["month"][:4] for m in result["months"]],
        "series": [{"label": labels[s], "violations": [m[s]["violations"] for m in result["months"]],
                    "duty": [m[s]["duty"] for m in result["months"]]} for s in strategies],
        "texts": {"violations": str(_("Violations found")), "duty": str(_("Duty at stake found (VND)"))},
    }
    months = [{"label": label, "cells": [m[s] for s in strategies], **m}
              for label, m in zip(chart["labels"], result["months"], strict=True)]
    return {"rows": rows, "chart": chart, "months": months, "strategies": strategies, "total": total}
