"""The dual model on a slice of the shared data: training, explanations, artefact, scores file."""

import json
import math
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from django.utils.translation import override

from stq.core.texts import render, stored
from stq.risk.ml.dataset import DATE, FRAUD, ID, read_declarations, split_by_date
from stq.risk.ml.evaluate import evaluate
from stq.risk.ml.model import (
    PRIOR_KEY,
    ArtefactError,
    ModelConfig,
    describe_contribution,
    load_model,
    save_model,
    train_model,
    window_log10_offset,
)
from stq.risk.ml.wording import OTHER

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("STQ_SHARED_DATA", REPO.parent / "shared" / "data" / "customs-declarations"))
TRAIN_FILE = DATA / "df_syn_train_eng.csv"

# Small and fast: few trees, one holdout month.
FAST = ModelConfig(num_boost_round=60, n_bags=2, holdout_months=1, holdout_folds=1, min_holdout_rows=100)

needs_data = pytest.mark.skipif(
    not TRAIN_FILE.is_file(), reason=f"shared data not found at {DATA} (set STQ_SHARED_DATA)"
)


@pytest.fixture(scope="module")
def slices():
    """Train: January–April 2020; test: the first half of May 2020."""
    frame = read_declarations(TRAIN_FILE)
    train, rest = split_by_date(frame, "2020-05-01")
    test, _ = split_by_date(rest, "2020-05-16")
    return train, test


@pytest.fixture(scope="module")
def trained(slices):
    return train_model(slices[0], FAST)


@needs_data
def test_model_trains_and_ranks_fraud_first(slices, trained):
    """Training time is a benchmark figure (benchmarks/risk_eval.py, benchmarks/RISK.md), not asserted here."""
    model = trained
    train, test = slices
    assert model.training_window == ("2020-01-01", "2020-04-30")
    scores = model.score(test)
    assert scores.shape == (test.height,) and np.isfinite(scores).all()
    p, revenue = model.predict_parts(test)
    fraud = test[FRAUD].to_numpy()
    top = np.argsort(-p)[: test.height // 10]
    assert fraud[top].mean() > 2 * fraud.mean()  # far better than random
    assert (revenue >= 0).all()
    assert model.blend.folds and model.blend.folds[0]["window"] == ["2020-04-01", "2020-04-30"]


@needs_data
def test_explanations_name_the_top_contributing_features(slices, trained):
    model = trained
    rows = slices[1].head(5)
    explanations = model.explain(rows, top_n=3)
    contributions = model.classifier.contributions(model.features(rows).values)
    raw = model.classifier.raw_score(model.features(rows).values)
    np.testing.assert_allclose(contributions.sum(axis=1), raw, rtol=1e-6, atol=1e-6)
    for i, explanation in enumerate(explanations):
        assert len(explanation) == 3
        expected = [model.columns[j] for j in np.argsort(-np.abs(contributions[i, :-1]), kind="stable")[:3]]
        assert [c.feature for c in explanation] == expected
        assert all(c.sentence.message is not OTHER for c in explanation)  # each feature has its own sentence
        magnitudes = [abs(c.contribution) for c in explanation]
        assert magnitudes == sorted(magnitudes, reverse=True)
    summaries = model.summarise(rows)
    with override("vi"):
        assert len(summaries) == 5 and all(str(s).startswith("xác suất gian lận ước tính") for s in summaries)
    with override("en"):
        assert all(str(s).startswith("estimated probability of fraud") for s in summaries)


def test_sentences_are_codes_rendered_in_the_readers_language():
    row = {"HS6 Code": "070320", "Country of Origin": "CN", "Importer ID": "QLRUBN9", "Item Price": 5824800.0}
    values = {
        "value_per_kg_dev__hs6_origin": math.log(0.38),
        "fraud_rate__importer": 0.45,
        "past_count__importer": math.log1p(12),
        "past_count__line_hs6_price_mass": 0.0,
        "fraud_rate__line_hs6_price_mass": 0.2,
    }

    def say(feature, language="vi"):
        spec = json.loads(json.dumps(stored(describe_contribution(feature, values, row, 1.0))))  # as stored
        with override(language):
            return render(spec)

    assert say("value_per_kg_dev__hs6_origin") == (
        "giá khai báo trên mỗi kg thấp hơn 62% so với mức trung bình cùng mã HS và xuất xứ"
    )
    assert say("fraud_rate__importer") == (  # without the prior the count cannot be recovered
        "nhà nhập khẩu QLRUBN9 đã có ?/12 tờ khai trước đây bị phát hiện gian lận (tỷ lệ ước tính 45%)"
    )
    values[PRIOR_KEY] = 0.2
    values["fraud_rate__importer"] = (5 + 20 * 0.2) / (12 + 20)
    assert say("fraud_rate__importer") == (
        "nhà nhập khẩu QLRUBN9 đã có 5/12 tờ khai trước đây bị phát hiện gian lận (tỷ lệ ước tính 28%)"
    )
    assert say("fraud_rate__line_hs6_price_mass").startswith("dòng hàng giống hệt")
    assert say("Item Price") == "trị giá khai báo là 5.824.800 KRW"
    assert say("Item Price", "en") == "the declared value is 5.824.800 KRW"  # stq.formats: one number format
    assert say("fraud_rate__importer", "en") == (
        "importer QLRUBN9 has 5/12 past declarations found fraudulent (estimated rate 28%)")
    assert say("value_per_kg_dev__hs6_origin", "en") == (
        "the declared value per kg is 62% below the average of the same HS code and origin")
    spec = stored(describe_contribution("Item Price", values, row, 1.0))
    assert spec == {"m": "the declared value is %(amount)s KRW", "p": {"amount": {"n": 5824800, "d": 0}}}


@needs_data
def test_artefact_round_trip_and_checksum(slices, trained, tmp_path):
    model = trained
    digest = save_model(model, tmp_path / "artefact")
    manifest = json.loads((tmp_path / "artefact" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["artefact_sha256"] == digest and len(digest) == 64
    assert manifest["training_window"] == ["2020-01-01", "2020-04-30"]
    assert manifest["features"] == list(model.columns)
    assert "holdout" in manifest["metrics"]
    loaded = load_model(tmp_path / "artefact")
    np.testing.assert_array_equal(loaded.score(slices[1]), model.score(slices[1]))
    with (tmp_path / "artefact" / "classifier-0.txt").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    with pytest.raises(ArtefactError):
        load_model(tmp_path / "artefact")


@needs_data
def test_a_batch_is_ranked_with_c_set_on_its_own_predictions(slices, trained, tmp_path):
    """The model's rule: a batch of at least ``blend_min_window_rows`` rows gets the c whose 5 % pick keeps the
    expected hit rate (window_log10_offset); a smaller batch, or the 'holdout' rule, the c tuned at training.
    An artefact written before the rule existed keeps its tuned c."""
    test = slices[1]
    p, revenue = trained.predict_parts(test)
    # the small test model's p are timid: a target just under the hit rate of its probability-only pick
    by_p = np.sort(p)[::-1][: math.floor(0.05 * len(p))].mean()
    model = replace(trained, config=replace(trained.config, blend_expected_precision=round(by_p - 0.02, 3)))
    assert test.height >= model.config.blend_min_window_rows
    log10_c = window_log10_offset(p, revenue, model.config)
    assert math.isfinite(log10_c) and log10_c != model.blend.log10_offset
    np.testing.assert_array_equal(model.score(test), p + revenue / 10.0**log10_c)
    small = test.head(model.config.blend_min_window_rows - 1)
    p_small, revenue_small = model.predict_parts(small)
    np.testing.assert_array_equal(model.score(small), p_small + revenue_small / model.blend.offset)
    holdout = replace(model, config=replace(model.config, blend_rule="holdout"))
    assert holdout.offset_for(p, revenue) == model.blend.offset
    save_model(model, tmp_path / "old")
    manifest_path = tmp_path / "old" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["config"]["blend_rule"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert load_model(tmp_path / "old").offset_for(p, revenue) == model.blend.offset


@needs_data
def test_scores_out_has_one_row_per_test_row(slices, tmp_path):
    train, test = slices
    train_file, test_file = tmp_path / "train.csv", tmp_path / "test.csv"
    train.write_csv(train_file)
    test.drop([FRAUD, "Critical Fraud"]).write_csv(test_file)  # unlabelled, like the hidden file
    out = tmp_path / "scores.csv"
    report = evaluate([train_file], test_file, scores_out=out, seed=1, config=FAST, echo=None)
    scores = pl.read_csv(out, schema_overrides={ID: pl.Utf8})
    assert scores.columns == [ID, "score"]
    assert scores.height == test.height
    assert scores[ID].to_list() == test[ID].to_list()
    assert report.table is None


@needs_data
def test_evaluate_prints_baselines_and_ablation(slices, tmp_path):
    train, test = slices
    train_file, test_file = tmp_path / "train.csv", tmp_path / "test.csv"
    train.write_csv(train_file)
    test.write_csv(test_file)
    lines = []
    report = evaluate([train_file], test_file, config=replace(FAST, n_bags=1), echo=lines.append)
    names = [name for name, _ in report.table.rows]
    assert names[:3] == [
        "random ranking",
        "duty at stake (price × rate)",
        "plain LightGBM (default parameters), raw columns",
    ]
    assert any(name.endswith("= final") for name in names)
    assert "P@5%" in lines[0] and "R@5%" in lines[0]
    assert report.test_rows == test.height and test[DATE].min() > train[DATE].max()


def test_management_command_scores_a_file(tmp_path):
    settings = pytest.importorskip("django.conf").settings
    if not settings.configured or not TRAIN_FILE.is_file():
        pytest.skip("needs Django settings (pytest-django) and the shared data")
    from django.core.management import call_command

    frame = read_declarations(TRAIN_FILE)
    train, rest = split_by_date(frame, "2020-03-01")
    train_file, test_file = tmp_path / "train.csv", tmp_path / "test.csv"
    train.write_csv(train_file)
    rest.head(300).drop([FRAUD, "Critical Fraud"]).write_csv(test_file)
    out = tmp_path / "scores.csv"
    call_command(
        "evaluate_risk",
        "--train",
        str(train_file),
        "--test",
        str(test_file),
        "--scores-out",
        str(out),
        "--no-ablation",
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    assert pl.read_csv(out).height == 300


@needs_data
def test_training_is_deterministic_for_a_seed(slices, trained):
    model = trained
    again = train_model(slices[0], FAST)
    np.testing.assert_array_equal(again.score(slices[1]), model.score(slices[1]))
