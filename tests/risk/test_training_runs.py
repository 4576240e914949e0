"""Training the model from the models page: a background task with progress (the policy backtest's mechanism),
one at a time, refused to whoever may not train, and a failure shown in the reader's language."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from stq.core.errors import Conflict, Forbidden
from stq.declarations.models import Declaration
from stq.enterprises.models import Enterprise
from stq.risk import training, training_runs
from stq.risk.models import DeclarationScore, ModelVersion, TrainingRun
from tests.risk import helpers as h
from tests.risk.test_model_versions import FAST

pytestmark = pytest.mark.django_db


def test_only_a_risk_manager_trains_and_one_training_at_a_time(org):
    with pytest.raises(Forbidden):
        training_runs.start(actor=org.officer1, enqueue=False)
    first = training_runs.start(actor=org.risk_manager, enqueue=False)
    with pytest.raises(Conflict):
        training_runs.start(actor=org.risk_manager, enqueue=False)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a second one too
        TrainingRun.objects.create(created_by=org.risk_manager)
    assert training_runs.under_way() == first


def test_the_page_starts_it_in_the_background_and_shows_why_it_could_not_learn(org, client,
                                                                               django_capture_on_commit_callbacks):
    h.load_fixture(org.kv01pt)
    client.force_login(org.risk_manager)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/risk/models/train/")
    assert r.status_code == 302 and r.url == "/risk/models/"
    run = TrainingRun.objects.get()
    assert (run.state, run.under_way, run.failure) == ("failed", False, {"code": "too_few_labels", "n": 0,
                                                                        "min": training.MIN_LABELLED_ROWS})
    page = client.get("/risk/models/").content.decode()
    assert "Không đủ kết quả kiểm tra để học" in page and 'data-testid="train"' in page
    english = client.get(f"/risk/models/trainings/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not enough audit outcomes to learn from" in english
    assert training_runs.start(actor=org.risk_manager, enqueue=False)  # a failed run is no longer under way
    client.force_login(org.analyst)
    assert 'data-testid="train"' not in client.get("/risk/models/").content.decode()
    assert client.post("/risk/models/train/").status_code == 302 and TrainingRun.objects.count() == 2


def test_a_training_trains_puts_in_use_and_scores_with_progress(org, monkeypatch, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    h.load_fixture(org.kv01pt)
    for tax, violations in ((h.UNDERPRICER, True), (h.SWITCHER, True), *((p, False) for p in h.PEERS)):
        numbers = [d.number for d in Declaration.objects.filter(importer_exporter_tax_code=tax)]
        h.audit_case(Enterprise.objects.get(tax_code=tax), org.kv01pt, org.officer1, signed_on=dt.date(2026, 1, 5),
                     concluded_on=dt.date(2026, 2, 5), violations=violations, declaration_numbers=numbers)
    monkeypatch.setattr(training, "MIN_LABELLED_ROWS", 50)  # the fixture's few labelled lines
    seen = []
    monkeypatch.setattr(TrainingRun, "advance", lambda run, percent, _orig=TrainingRun.advance, **kw:
                        (seen.append((kw["stage"], percent)), _orig(run, percent, **kw)))
    run = training_runs.run(training_runs.start(actor=org.risk_manager, enqueue=False).pk, config=FAST)
    version = ModelVersion.objects.get()
    assert (run.state, run.progress, run.model_version, version.is_active) == ("done", 100, version, True)
    assert run.result["declarations"] == Declaration.objects.count() == DeclarationScore.objects.count()
    stages = [s for s, _ in seen]
    assert stages[:3] == ["reading", "training", "scoring"] and [p for _, p in seen] == sorted(p for _, p in seen)
