"""Rolling-origin backtest mechanics on small synthetic data: folds, no leak, cache, lanes, enterprise ranking."""

import datetime as dt
from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from stq.risk.ml import backtest as bt
from stq.risk.ml.dataset import DATE, FRAUD, ID
from stq.risk.ml.model import ModelConfig, window_log10_offset

from .test_ml_features import synthetic_declarations

TINY = ModelConfig(num_boost_round=30, n_bags=1, num_threads=1, min_data_in_leaf=20, holdout_months=1,
                   holdout_folds=1, min_holdout_rows=50)
WINDOWS = bt.fold_windows([dt.date(2020, 3, 1), dt.date(2020, 4, 1)], months=2)


@pytest.fixture(scope="module")
def frame():
    """1,500 rows over January–June 2020 (keys repeat, so the history features have something to say)."""
    return synthetic_declarations(n=1500, days=181, seed=3)


def test_fold_windows_cover_three_months_from_each_start():
    windows = bt.fold_windows()
    assert [w.start for w in windows][0] == dt.date(2020, 7, 1)
    assert [w.start for w in windows][-1] == dt.date(2021, 1, 1)
    assert len(windows) == 7
    assert windows[-1].stop == dt.date(2021, 4, 1)
    assert windows[0].label == "2020-07 … 2020-09"


def test_split_fold_trains_only_before_the_scored_months(frame):
    window = WINDOWS[0]
    train, scored = bt.split_fold(frame, window)
    assert train[DATE].max() < window.start
    assert scored[DATE].min() >= window.start and scored[DATE].max() < window.stop
    assert train.height + scored.height == frame.filter(pl.col(DATE) < window.stop).height


def test_check_no_leak_refuses_a_training_row_in_the_scored_months(frame):
    window = WINDOWS[0]
    train, scored = bt.split_fold(frame, window)
    with pytest.raises(bt.LeakError, match="training row dated"):
        bt.check_no_leak(pl.concat([train, scored.head(1)]), scored, window)
    # the same declaration trained on (under an earlier date) and scored
    twin = scored.head(1).with_columns(pl.lit(dt.date(2020, 1, 2)).alias(DATE))
    with pytest.raises(bt.LeakError, match="both trained on and scored"):
        bt.check_no_leak(pl.concat([train, twin]), scored, window)


def _p_by_id(pred: pl.DataFrame) -> dict[str, float]:
    return dict(zip(pred[ID].to_list(), pred["p"].to_list(), strict=True))


def test_no_row_or_aggregate_of_the_scored_months_reaches_the_features(frame):
    """Leak test: relabel, re-price, drop and add rows of the scored months (and of later months): the
    prediction of every other scored row stays exactly the same. A changed *training* label does move them
    (so the features do read the history)."""
    window = WINDOWS[0]
    base = _p_by_id(bt.fold_predictions(frame, window, TINY))
    inside = (pl.col(DATE) >= window.start) & (pl.col(DATE) < window.stop)
    scored_ids = frame.filter(inside)[ID].to_list()
    changed_ids = set(scored_ids[::3])
    dropped_ids = set(scored_ids[1::7]) - changed_ids
    changed = pl.col(ID).is_in(list(changed_ids))
    tampered = (
        frame.filter(~pl.col(ID).is_in(list(dropped_ids)))
        .with_columns(
            pl.when(inside).then(1 - pl.col(FRAUD)).otherwise(pl.col(FRAUD)).alias(FRAUD),
            pl.when(changed).then(pl.col("Item Price") * 7.0).otherwise(pl.col("Item Price")).alias("Item Price"),
            pl.when(changed).then(pl.lit("HS_NEW")).otherwise(pl.col("Importer ID")).alias("Importer ID"),
        )
    )
    extra = frame.filter(inside).head(40).with_columns((pl.col(ID) + "X").alias(ID))
    later = frame.filter(pl.col(DATE) >= window.stop).with_columns(pl.lit(1, dtype=pl.Int8).alias(FRAUD))
    tampered = pl.concat([tampered.filter(pl.col(DATE) < window.stop), extra, later])
    after = _p_by_id(bt.fold_predictions(tampered, window, TINY))
    untouched = [i for i in scored_ids if i not in changed_ids and i not in dropped_ids]
    assert len(untouched) > 100
    for key in untouched:
        assert after[key] == base[key], f"score of {key} moved when other scored rows changed"
    assert all(key in after for key in changed_ids)
    assert not any(key in after for key in dropped_ids)

    first_train_id = frame.filter(pl.col(DATE) < window.start)[ID].to_list()[:300]
    relabelled = frame.with_columns(
        pl.when(pl.col(ID).is_in(first_train_id)).then(1 - pl.col(FRAUD)).otherwise(pl.col(FRAUD)).alias(FRAUD)
    )
    moved = _p_by_id(bt.fold_predictions(relabelled, window, TINY))
    assert any(moved[key] != base[key] for key in untouched)


def test_backtest_reports_every_fold_and_names_the_worst(frame, tmp_path):
    report = bt.run_backtest(frame, TINY, bt.Blend("fixed", log10_offset=6.0), windows=WINDOWS, cache_dir=tmp_path)
    assert [f.window for f in report.folds] == WINDOWS
    for fold in report.folds:
        assert fold.train_rows == frame.filter(pl.col(DATE) < fold.window.start).height
        assert set(fold.precision) == {0.01, 0.05, 0.10}
        assert all(0 <= v <= 1 for v in (*fold.precision.values(), fold.enterprise_precision))
    assert report.worst.goal_margin == min(f.goal_margin for f in report.folds)
    table = report.to_markdown()
    assert "(worst)" in table and "mean of the folds" in table and "lowest of each column" in table
    assert "| P@1% | P@5% | P@10% |" in table
    cached = sorted(p.name for p in (tmp_path / "features").iterdir())
    assert len(cached) == 4  # train and scored matrix of each fold
    again = bt.run_backtest(frame, TINY, bt.Blend("fixed", log10_offset=6.0), windows=WINDOWS, cache_dir=tmp_path)
    assert [f.as_dict() for f in again.folds] == [f.as_dict() for f in report.folds]


def test_tuned_blend_uses_the_holdout_before_the_fold(frame, tmp_path):
    """The tuned offset of the April fold comes from March (scored by a model trained before March) only."""
    cache = bt.FoldCache(tmp_path)
    fingerprint = bt.data_fingerprint(frame)
    window = bt.FoldWindow(dt.date(2020, 4, 1), dt.date(2020, 6, 1))
    offset = bt.tuned_offset(frame, window, TINY, cache, fingerprint)
    march = bt.fold_predictions(frame, bt.FoldWindow(dt.date(2020, 3, 1), dt.date(2020, 4, 1)), TINY, cache)
    grid = [*TINY.blend_log10_grid, float("inf")]
    from stq.risk.ml.model import _smooth

    assert offset == grid[int(np.argmax(_smooth(bt.criterion_curve(march, grid))))]


def test_lanes_split_the_capacity_between_expected_duty_and_probability():
    pred = pl.DataFrame({
        "p": [0.9, 0.8, 0.1, 0.2, 0.7, 0.05, 0.3, 0.6, 0.4, 0.5],
        "revenue": [1.0, 2.0, 900.0, 800.0, 3.0, 700.0, 4.0, 5.0, 6.0, 7.0],
    })
    chosen = bt.select(pred, bt.Blend("lanes", revenue_share=0.5), 6.0, 0.4)  # 4 rows: 2 by duty, 2 by p
    assert sorted(chosen.tolist()) == [0, 1, 2, 3]
    all_p = bt.select(pred, bt.Blend("lanes", revenue_share=0.0), 6.0, 0.3)
    assert all_p.tolist() == [0, 1, 4]


def test_enterprise_ranking_counts_importers_with_a_fraud_and_their_duty():
    rows = 40
    pred = pl.DataFrame({
        "Importer ID": [f"I{i}" for i in range(rows)],
        "p": np.linspace(0.99, 0.01, rows),
        "revenue": np.zeros(rows),
        "duty": [100.0] * rows,
        FRAUD: [1, 0] + [0] * (rows - 3) + [1],
    })
    # top 5 % of 40 importers = 2: I0 (fraud) and I1 (clean); the frauds' duty: I0 100 of 200
    assert bt.enterprise_metrics(pred, float("inf")) == (0.5, 0.5)


def test_expected_revenue_rule_reads_predictions_only():
    """The 'expected' blend picks c from the scored rows' predictions: relabelling them changes nothing."""
    rng = np.random.default_rng(5)
    n = 400
    pred = pl.DataFrame({"p": rng.random(n), "duty": rng.lognormal(12, 2, n), FRAUD: rng.integers(0, 2, n)})
    pred = pred.with_columns((pl.col("p") * pl.col("duty")).alias("revenue"))
    offset = bt.expected_revenue_offset(pred, 0.4, TINY)
    flipped = pred.with_columns((1 - pl.col(FRAUD)).alias(FRAUD))
    assert bt.expected_revenue_offset(flipped, 0.4, TINY) == offset
    chosen = bt.select(pred, bt.Blend("fixed"), offset, 0.05)
    assert pred["revenue"].to_numpy()[chosen].sum() / pred["revenue"].sum() >= 0.4
    larger = [c for c in TINY.blend_log10_grid if c > offset]
    assert larger  # the next, more precise c no longer holds 40 % of the expected duty
    more = bt.select(pred, bt.Blend("fixed"), min(larger), 0.05)
    assert pred["revenue"].to_numpy()[more].sum() / pred["revenue"].sum() < 0.4


def _pick_mean_p(p: np.ndarray, revenue: np.ndarray, log10_c: float, k: float = 0.05) -> float:
    chosen = bt.select(pl.DataFrame({"p": p, "revenue": revenue}), bt.Blend("fixed"), log10_c, k)
    return float(p[chosen].mean())


def test_expected_precision_rule_takes_the_smallest_c_whose_pick_keeps_the_expected_hit_rate():
    """The production rule: c is the smallest of the fine grid whose 5 % pick has a mean p ≥ 0.855 (more
    revenue would cost expected precision); it reads the predictions only, so it takes no labels at all."""
    rng = np.random.default_rng(11)
    n = 4000
    p = rng.beta(1.0, 1.5, n)
    duty = rng.lognormal(12, 1.5, n)
    config = ModelConfig()
    log10_c = window_log10_offset(p, p * duty, config)
    assert config.blend_expected_precision == 0.855 and config.blend_window_step == 0.025
    assert 3 < log10_c < 9
    assert _pick_mean_p(p, p * duty, log10_c) >= 0.855
    assert _pick_mean_p(p, p * duty, log10_c - 0.025) < 0.855  # one step more revenue-minded misses it
    # a higher target asks for a larger c; a target the probability ranking itself misses gives c = ∞
    assert window_log10_offset(p, p * duty, replace(config, blend_expected_precision=0.9)) > log10_c
    assert window_log10_offset(p, p * duty, replace(config, blend_expected_precision=0.9999)) == float("inf")


def test_backtest_ranks_each_fold_with_the_models_own_rule(frame, tmp_path):
    """Without a blend the backtest uses the model's rule: each fold's c comes from its own predictions."""
    config = replace(TINY, blend_expected_precision=0.3)
    report = bt.run_backtest(frame, config, windows=WINDOWS, cache_dir=tmp_path)
    assert report.blend == bt.Blend("precision", expected_precision=0.3)
    for fold in report.folds:
        pred = bt.fold_predictions(frame, fold.window, config, bt.FoldCache(tmp_path))
        rule = replace(config, blend_k=bt.GOAL_K)
        assert fold.log10_offset == window_log10_offset(pred["p"].to_numpy(), pred["revenue"].to_numpy(), rule)
    holdout = bt.run_backtest(frame, replace(config, blend_rule="holdout"), windows=WINDOWS, cache_dir=tmp_path)
    assert holdout.blend == bt.Blend("tuned")
