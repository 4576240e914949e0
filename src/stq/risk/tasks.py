"""Background tasks (django-tasks). The daily ones are enqueued by cron through the commands
``manage.py assess_risk --enqueue`` (criteria + enterprise scores) and ``manage.py train_risk_model --enqueue``."""

from __future__ import annotations

import logging

from django_tasks import task

log = logging.getLogger(__name__)


@task()
def scan_import_task(job_id: int) -> int:
    """After an import: raise the unusual-transaction alerts of its declarations."""
    from .alerts import scan_import

    scan = scan_import(job_id)
    return scan.alerts if scan else 0


@task()
def assess_risk_task() -> dict:
    """Daily: prune the peer prices, evaluate every criterion in force, then recompute every enterprise's risk."""
    from stq.declarations import peer_prices

    from .runner import run_criteria
    from .scoring import assess

    pruned = peer_prices.prune()  # the peer prices older than the period the medians read
    run = run_criteria(trigger="schedule")
    result = assess()
    result["criteria_hits"] = run.hits
    result["peer_prices_pruned"] = pruned
    return result


@task()
def retrain_task(from_database: bool = True, score: bool = True) -> dict:
    """Scheduled retraining on the audit outcomes recorded in STQ, then scoring of the stored declarations."""
    from .training import score_declarations, train_from_database

    version = train_from_database()
    out = {"model_version": version.number}
    if score:
        out.update(score_declarations(model_version=version))
    return out


@task()
def policy_backtest_task(backtest_id: int) -> int:
    """What a targeting policy would have found on a past period (``policy_backtest``); progress on the row."""
    from .policy_backtest import run

    return run(backtest_id).progress


@task()
def training_run_task(run_id: int) -> int:
    """A training asked for from the models page (``training_runs``); progress on the run."""
    from .training_runs import run

    return run(run_id).progress
