"""Model versions in the database, scoring of stored declarations, explanations naming the top features."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from stq.declarations.models import Declaration
from stq.risk import training
from stq.risk.ml.dataset import read_declarations, split_by_date
from stq.risk.ml.model import ModelConfig, load_model
from stq.risk.models import DeclarationScore, ModelVersion
from tests.risk import helpers as h

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("STQ_SHARED_DATA", REPO.parent / "shared" / "data" / "customs-declarations"))
TRAIN_FILE = DATA / "df_syn_train_eng.csv"
FAST = ModelConfig(num_boost_round=40, n_bags=1, holdout_months=1, holdout_folds=1, min_holdout_rows=100,
                   min_data_in_leaf=5)

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(not TRAIN_FILE.is_file(), reason=f"shared data not found at {DATA}")]


@pytest.fixture
def small_csv(tmp_path):
    train, rest = split_by_date(read_declarations(TRAIN_FILE), "2020-04-01")
    path = tmp_path / "train.csv"
    train.write_csv(path)
    split_by_date(rest, "2020-05-01")[0].write_csv(tmp_path / "test.csv")
    return path


def test_training_registers_a_version_and_a_new_one_takes_over(org, small_csv, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    v1 = training.train_from_files([small_csv], config=FAST)
    assert (v1.number, v1.is_active) == (1, True)
    assert (str(v1.training_from), str(v1.training_to)) == ("2020-01-01", "2020-03-31")
    manifest = json.loads((Path(v1.artefact_path) / "manifest.json").read_text())
    assert manifest["artefact_sha256"] == v1.artefact_sha256 and manifest["features"] == v1.features
    assert v1.rows == manifest["training_rows"] and "holdout" in v1.metrics
    v2 = training.train_from_files([small_csv], tmp_path / "test.csv", config=FAST, activate=True)
    v1.refresh_from_db()
    assert v2.is_active and not v1.is_active
    assert 0 <= v2.metrics["summary"]["P@5%"] <= 1 and 0 <= v2.metrics["summary"]["R@5%"] <= 1
    assert ModelVersion.objects.filter(is_active=True).count() == 1


def test_stored_declarations_are_scored_with_explanations_of_the_top_features(org, small_csv, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    h.load_fixture(org.kv01pt)
    version = training.train_from_files([small_csv], config=FAST)
    result = training.score_declarations()
    assert result["declarations"] == Declaration.objects.count() == DeclarationScore.objects.count()
    top = DeclarationScore.objects.order_by("-score").first()
    assert 0 <= top.probability <= 1 and top.model == version
    assert top.explanations == [] and top.explain_row is not None  # explained when first read
    training.stored_explanations(top)
    top.refresh_from_db()
    assert len(top.explanations) == 3
    assert all(isinstance(e["sentence"], dict) and e["sentence"]["m"] for e in top.explanations)  # codes, no prose
    # the named features are the largest contributions of that declaration's riskiest line, in order
    model = load_model(version.artefact_path)
    frame = training.declarations_frame("WHERE d.id = %s", [top.declaration_id])
    p, revenue = model.predict_parts(frame.drop("pk"))
    best = int(np.argmax(p + revenue / model.offset_for(p, revenue)))
    contrib = model.classifier.contributions(model.features(frame.drop("pk")[[best]]).values)[0, :-1]
    expected = [model.columns[j] for j in np.argsort(-np.abs(contrib), kind="stable")[:3]]
    assert [e["feature"] for e in top.explanations] == expected
    assert abs(top.explanations[0]["contribution"]) >= abs(top.explanations[-1]["contribution"])


def test_audit_conclusions_become_labels(org):
    import datetime as dt

    from stq.enterprises.models import Enterprise

    h.load_fixture(org.kv01pt)
    assert training.labelled_frame().height == 0  # no concluded audit yet: no label
    numbers = {tax: [d.number for d in Declaration.objects.filter(importer_exporter_tax_code=tax)[:3]]
               for tax in (h.UNDERPRICER, h.PEERS[0])}
    for tax, violations in ((h.UNDERPRICER, True), (h.PEERS[0], False)):
        h.audit_case(Enterprise.objects.get(tax_code=tax), org.kv01pt, org.officer1, signed_on=dt.date(2026, 1, 5),
                     concluded_on=dt.date(2026, 2, 5), violations=violations, declaration_numbers=numbers[tax])
    frame = training.labelled_frame()
    labels = dict(zip(frame["Declaration ID"].to_list(), frame["Fraud"].to_list(), strict=True))
    assert labels == {**{n: 1 for n in numbers[h.UNDERPRICER]}, **{n: 0 for n in numbers[h.PEERS[0]]}}
    with pytest.raises(ValueError, match="not enough audit labels"):
        training.train_from_database()


def test_model_version_numbers_come_from_the_numbering_service(org):
    """Issue 15 item 5: no Max+1 (two trainings at once took the same number): the national "RISK-MODEL" series of
    the numbering service, reserved in a durable transaction of its own."""
    from django.db import transaction

    from stq.core.models import NumberCounter
    from stq.risk.training import MODEL_SERIES, _next_number

    assert [_next_number(), _next_number()] == [1, 2]
    assert NumberCounter.objects.get(unit=org.chq, year=0, kind=MODEL_SERIES).last == 2
    with pytest.raises(RuntimeError), transaction.atomic():  # never nested: the counter would stay locked
        _next_number()
