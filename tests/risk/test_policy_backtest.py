"""Policy backtest for risk managers: what a policy would have found on stored declarations, against random
selection and the criteria alone; background run with progress; the API."""

import datetime as dt

import pytest

from stq.core.errors import AppError, Forbidden
from stq.declarations.models import Declaration, DeclarationLine
from stq.enterprises.models import Enterprise
from stq.risk import policy_backtest
from stq.risk.models import BacktestState, Criterion, PolicyBacktest
from stq.risk.runner import run_criteria
from tests.risk import helpers as h
from tests.risk.test_drift import FAST, TRAIN_FILE, needs_data

pytestmark = pytest.mark.django_db


def planted(org):
    """The fixture's declarations, the criteria run, and two concluded audits: the underpricer's November
    declaration had a violation (duty at stake 100,000 VND), a peer's November declaration did not."""
    from stq.core.reference import ensure_risk_areas

    ensure_risk_areas()
    h.load_fixture(org.kv01pt)
    h.all_criteria(org.risk_manager, org.chq)
    run_criteria(as_of=h.AS_OF)
    november = dt.date(2025, 11, 10)
    bad = Declaration.objects.get(importer_exporter_tax_code=h.UNDERPRICER, registered_on=november)
    DeclarationLine.objects.filter(declaration=bad).update(import_duty_rate=10)  # 1,000,000 × 10 %
    clean = Declaration.objects.get(importer_exporter_tax_code=h.PEERS[1], registered_on=november)
    for tax, declaration, violations in ((h.UNDERPRICER, bad, True), (h.PEERS[1], clean, False)):
        h.audit_case(Enterprise.objects.get(tax_code=tax), org.kv01pt, org.approver1,
                     signed_on=dt.date(2025, 12, 1), concluded_on=dt.date(2025, 12, 5), violations=violations,
                     declaration_numbers=[declaration.number])
    return bad


def test_the_price_criterion_finds_the_planted_violation_random_selection_rarely_does(org):
    bad = planted(org)
    price = Criterion.objects.get(code="PRICE")
    backtest = policy_backtest.start(actor=org.risk_manager, period_from=dt.date(2025, 10, 1),
                                     period_to=dt.date(2025, 11, 30), criteria=[price], capacity=1,
                                     exploration_share=0, seed=1, enqueue=False)
    assert backtest.state == BacktestState.QUEUED
    backtest = policy_backtest.run(backtest.pk)
    assert backtest.state == BacktestState.DONE and backtest.progress == 100
    result = backtest.result
    november = [m for m in result["months"] if m["month"] == "2025-11"][0]
    declarations_in_nov = Declaration.objects.filter(registered_on__month=11, registered_on__year=2025).count()
    assert november["declarations"] == declarations_in_nov
    assert november["violations"] == 1 and november["violation_duty"] == 100_000
    assert november["policy"] == {"inspections": 1, "violations": 1, "duty": 100_000, "audited": 1}
    assert november["criteria"]["violations"] == 1
    assert 0 < november["random"]["violations"] < 1  # one inspection out of the month's declarations
    assert november["random"]["violations"] == pytest.approx(1 / declarations_in_nov, abs=0.01)
    assert result["total"]["policy"]["inspections"] == 1  # October: the criterion hits nothing, nothing picked
    assert result["labelled"] == 2 and bad.number in {d.number for d in Declaration.objects.all()}
    page = policy_backtest.presentation(backtest)
    assert [r["key"] for r in page["rows"]] == ["policy", "criteria", "random"]
    assert page["rows"][0]["violation_share"] == 1.0 and page["rows"][0]["duty_share"] == 1.0
    assert page["chart"]["labels"] == ["10/2025", "11/2025"]


def test_exploration_share_spends_part_of_the_capacity_at_random(org):
    planted(org)
    price = Criterion.objects.get(code="PRICE")
    backtest = policy_backtest.start(actor=org.risk_manager, period_from=dt.date(2025, 11, 1),
                                     period_to=dt.date(2025, 11, 30), criteria=[price], capacity=4,
                                     exploration_share=0.5, seed=7, enqueue=False)
    result = policy_backtest.run(backtest.pk).result["total"]
    assert result["policy"]["inspections"] == 3  # 2 by rank, but only one declaration is hit; 2 explored
    assert result["policy"]["violations"] == 1


def test_bad_requests_name_the_field_and_write_nothing(org):
    planted(org)
    cases = [
        ({"period_from": dt.date(2025, 11, 30), "period_to": dt.date(2025, 11, 1)}, "period_to"),
        ({"period_from": dt.date(2019, 1, 1), "period_to": dt.date(2019, 1, 31)}, "period_from"),
        ({"capacity": 0}, "capacity"),
        ({"exploration_share": 0.9}, "exploration_share"),
        ({"criteria": []}, "criteria"),
    ]
    price = Criterion.objects.get(code="PRICE")
    for change, field in cases:
        args = {"period_from": dt.date(2025, 10, 1), "period_to": dt.date(2025, 11, 30), "criteria": [price],
                "capacity": 2, "exploration_share": 0.1, **change}
        with pytest.raises(AppError) as error:
            policy_backtest.start(actor=org.risk_manager, enqueue=False, **args)
        assert field in error.value.fields
    with pytest.raises(Forbidden):
        policy_backtest.start(actor=org.officer1, period_from=dt.date(2025, 10, 1), period_to=dt.date(2025, 11, 30),
                              criteria=[price], capacity=2, enqueue=False)
    assert PolicyBacktest.objects.count() == 0


def test_api_runs_a_backtest_in_the_background_and_returns_it(org, client, django_capture_on_commit_callbacks):
    planted(org)
    client.force_login(org.risk_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/risk/backtests/", {
            "period_from": "2025-10-01", "period_to": "2025-11-30", "criteria": ["PRICE", "GROWTH"],
            "capacity": 1, "exploration_share": 0, "seed": 3}, content_type="application/json")
    assert response.status_code == 202, response.content
    pk = response.json()["id"]
    data = client.get(f"/api/v1/risk/backtests/{pk}/").json()
    assert data["state"] == "done" and data["progress"] == 100
    assert sorted(data["criteria"]) == ["GROWTH", "PRICE"]
    assert data["result"]["total"]["policy"]["violations"] == 1
    bad = client.post("/api/v1/risk/backtests/", {"period_from": "2025-10-01", "period_to": "2025-11-30",
                                                  "capacity": 1}, content_type="application/json")
    assert bad.status_code == 400 and "criteria" in bad.content.decode()


@needs_data
def test_a_model_version_alone_ranks_each_unit_month_and_reports_progress(org, tmp_path, settings):
    """Model only (no criteria): each unit-month inspects `capacity` declarations by the model's ranking."""
    from stq.risk import training
    from stq.risk.ml.dataset import read_declarations, split_by_date

    settings.MEDIA_ROOT = tmp_path
    planted(org)
    path = tmp_path / "train.csv"
    split_by_date(read_declarations(TRAIN_FILE), "2020-03-01")[0].write_csv(path)
    version = training.train_from_files([path], config=FAST)
    backtest = policy_backtest.start(actor=org.risk_manager, period_from=dt.date(2025, 9, 1),
                                     period_to=dt.date(2025, 11, 30), model_version=version, capacity=2,
                                     exploration_share=0, seed=2, enqueue=False)
    backtest = policy_backtest.run(backtest.pk)
    assert backtest.state == BacktestState.DONE and backtest.progress == 100
    months = backtest.result["months"]
    assert [m["month"] for m in months] == ["2025-09", "2025-10", "2025-11"]
    for month in months:  # one unit (KV01-PT): 2 inspections a month, every declaration has a model score
        assert month["policy"]["inspections"] == 2
        assert month["random"]["inspections"] == 2
    assert backtest.result["model"] == version.number
    assert [r["key"] for r in policy_backtest.presentation(backtest)["rows"]] == ["policy", "random"]
