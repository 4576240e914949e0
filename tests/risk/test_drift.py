"""Drift watch: PSI of the main features and of the score per scoring run; the model page warns when stale."""

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pytest
from django.utils import translation

from stq.risk import drift_watch, training
from stq.risk.ml import drift
from stq.risk.ml.dataset import read_declarations, split_by_date
from stq.risk.ml.model import ModelConfig
from stq.risk.models import ScoringRun
from tests.risk import helpers as h

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("STQ_SHARED_DATA", REPO.parent / "shared" / "data" / "customs-declarations"))
TRAIN_FILE = DATA / "df_syn_train_eng.csv"
FAST = ModelConfig(num_boost_round=40, n_bags=1, holdout_months=1, holdout_folds=1, min_holdout_rows=100,
                   min_data_in_leaf=5, num_threads=1)
needs_data = pytest.mark.skipif(not TRAIN_FILE.is_file(), reason=f"shared data not found at {DATA}")


def test_psi_is_zero_for_the_same_distribution_and_large_for_a_shift():
    rng = np.random.default_rng(0)
    train = rng.normal(0, 1, 5000)
    edges = drift.bin_edges(train)
    assert len(edges) == 9
    same = drift.psi(drift.bin_counts(train, edges), drift.bin_counts(rng.normal(0, 1, 5000), edges))
    shifted = drift.psi(drift.bin_counts(train, edges), drift.bin_counts(rng.normal(1.5, 1, 5000), edges))
    assert same < drift.PSI_MODERATE < drift.PSI_LARGE < shifted
    # missing values are a bin of their own
    counts = drift.bin_counts(np.array([np.nan, np.nan, 0.0]), edges)
    assert counts[-1] == 2 and counts.sum() == 3


def test_drift_counter_over_the_training_rows_themselves_shows_no_drift():
    rng = np.random.default_rng(1)
    values = np.column_stack([rng.normal(0, 1, 2000), rng.exponential(1, 2000)])
    scores = rng.random(2000)
    reference = drift.reference(values, ("a", "b"), scores, ["b", "a"])
    counter = drift.DriftCounter(reference, ("a", "b"))
    counter.add(values[:1000], scores[:1000])
    counter.add(values[1000:], scores[1000:])
    result = counter.result()
    assert result["rows"] == 2000 and result["score_psi"] == 0
    assert result["feature_psi"] == {"b": 0.0, "a": 0.0}


@pytest.fixture
def small_csv(tmp_path):
    train, _ = split_by_date(read_declarations(TRAIN_FILE), "2020-04-01")
    path = tmp_path / "train.csv"
    train.write_csv(path)
    return path


@needs_data
@pytest.mark.django_db
def test_scoring_run_stores_distribution_and_feature_psi_and_the_model_page_warns(org, small_csv, tmp_path,
                                                                                     settings, client):
    """The stored declarations (another layout, five years later) drift far from the 2020 training file: the
    scoring run records it and the model page says the model in use is stale, with the figures."""
    settings.MEDIA_ROOT = tmp_path
    h.load_fixture(org.kv01pt)
    version = training.train_from_files([small_csv], config=FAST)
    reference = version.metrics["drift_reference"]
    assert 1 <= len(reference["features"]) <= drift.MAIN_FEATURES
    assert set(reference["features"]) <= set(version.features)
    result = training.score_declarations()
    run = ScoringRun.objects.get(pk=result["scoring_run"])
    assert run.model == version and run.declarations == result["declarations"] and run.lines == result["lines"]
    assert set(run.feature_psi) == set(reference["features"])
    assert run.max_feature_psi == max(run.feature_psi.values()) > drift.PSI_LARGE
    assert sum(run.score_distribution["score_counts"]) == run.lines
    assert run.scored_to >= dt.date(2025, 11, 1)

    watch = drift_watch.model_drift(version)
    assert watch["stale"] and watch["age_days"] > drift_watch.STALE_AGE_DAYS
    client.force_login(org.risk_manager)
    page = client.get("/risk/models/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'data-testid="stale-warning"' in page
    assert f"{run.max_feature_psi:.3f}".replace(".", ",") in page or f"{run.max_feature_psi:.3f}" in page
    assert "fraud_rate__" not in page and "past_count__" not in page


@pytest.mark.django_db
def test_a_recent_run_without_large_shift_gives_no_warning(org):
    from stq.risk.models import ModelVersion

    version = ModelVersion.objects.create(number=1, source="x", training_from=dt.date(2025, 1, 1),
                                          training_to=dt.date(2025, 6, 30), artefact_path="/nowhere",
                                          artefact_sha256="0" * 64, is_active=True)
    ScoringRun.objects.create(model=version, declarations=10, lines=12, scored_from=dt.date(2025, 7, 1),
                              scored_to=dt.date(2025, 9, 30), score_psi=0.04, max_feature_psi=0.12,
                              feature_psi={"log_duty_at_stake": 0.12, "fraud_rate__hs6": 0.02})
    with translation.override("en"):
        watch = drift_watch.model_drift(version)
    assert not watch["stale"] and watch["reasons"] == []
    assert [f["level"] for f in watch["features"]] == ["moderate", "stable"]
    assert watch["features"][0]["label"] == "duty at stake"
