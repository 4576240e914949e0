"""precision@k and revenue@k on a small fixture computed by hand."""

import math

import numpy as np
import pytest

from stq.risk.ml.metrics import (
    EvaluationTable,
    duty_at_stake,
    n_inspected,
    precision_at_k,
    ranking_metrics,
    revenue_at_k,
)

# 10 declarations. Duty at stake = price × rate / 100.
SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0])
FRAUD = np.array([1, 0, 1, 1, 0, 0, 1, 0, 0, 1])
PRICE = np.array([1000, 5000, 200, 0, 100, 100, 10_000, 100, 100, 300])
RATE = np.array([10, 10, 50, 8, 0, 0, 20, 0, 0, 100])
# duty:            100  500  100  0    0  0  2000  0  0  300
# fraud revenue:   100    0  100  0    0  0  2000  0  0  300   -> total 2500


def test_duty_at_stake():
    np.testing.assert_allclose(duty_at_stake(PRICE, RATE), [100, 500, 100, 0, 0, 0, 2000, 0, 0, 300])
    np.testing.assert_allclose(duty_at_stake(np.array([np.nan]), np.array([5.0])), [0.0])


def test_n_inspected_floors_and_keeps_at_least_one():
    assert n_inspected(10, 0.2) == 2
    assert n_inspected(10, 0.05) == 1
    assert n_inspected(8134, 0.05) == 406
    assert n_inspected(8134, 0.01) == 81
    with pytest.raises(ValueError):
        n_inspected(10, 0)


def test_precision_at_k_by_hand():
    assert precision_at_k(SCORES, FRAUD, 0.1) == 1.0  # row 0
    assert precision_at_k(SCORES, FRAUD, 0.2) == 0.5  # rows 0, 1
    assert precision_at_k(SCORES, FRAUD, 0.4) == 0.75  # rows 0..3
    assert precision_at_k(SCORES, FRAUD, 1.0) == 0.5


def test_revenue_at_k_by_hand():
    duty = duty_at_stake(PRICE, RATE)
    assert revenue_at_k(SCORES, FRAUD, duty, 0.2) == pytest.approx(100 / 2500)
    assert revenue_at_k(SCORES, FRAUD, duty, 0.4) == pytest.approx(200 / 2500)
    assert revenue_at_k(SCORES, FRAUD, duty, 0.7) == pytest.approx(2200 / 2500)
    assert revenue_at_k(SCORES, FRAUD, duty, 1.0) == pytest.approx(1.0)
    # Ranking by duty: rows 6 (2000), 1 (500, not fraud) first.
    assert revenue_at_k(duty, FRAUD, duty, 0.2) == pytest.approx(2000 / 2500)


def test_revenue_is_nan_without_fraud_revenue():
    assert math.isnan(revenue_at_k(SCORES, np.zeros(10), np.ones(10), 0.5))


def test_ties_keep_input_order():
    constant = np.zeros(10)
    assert precision_at_k(constant, FRAUD, 0.2) == 0.5  # rows 0 and 1
    assert precision_at_k(constant, FRAUD[::-1], 0.2) == 0.5  # rows 9 and 8 of the original


def test_ranking_metrics_and_table():
    duty = duty_at_stake(PRICE, RATE)
    metrics = ranking_metrics(SCORES, FRAUD, duty, ks=(0.2, 0.4))
    assert metrics.at(0.2) == (0.5, pytest.approx(0.04))
    assert metrics.as_dict()["precision@40%"] == 0.75
    table = EvaluationTable(ks=(0.2, 0.4))
    table.add("by score", metrics)
    text = table.to_markdown()
    assert "| by score | 0.500 | 0.750 | 0.040 | 0.080 |" in text
    assert "P@20%" in text and "R@40%" in text
    with pytest.raises(ValueError):
        table.add("other ks", ranking_metrics(SCORES, FRAUD, duty, ks=(0.1,)))
