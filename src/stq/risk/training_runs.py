"""Training the declaration-risk model from the models page, in the background with progress: the same work as
the scheduled ``retrain_task`` (train on the audit outcomes recorded in STQ, put the new version in use, score the
stored declarations), recorded on a ``TrainingRun`` the page polls — the mechanism of the policy backtest."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stq.core.errors import Conflict, Forbidden
from stq.org import policy

from .models import BacktestState, TrainingRun

Stage = TrainingRun.Stage


def start(*, actor, enqueue: bool = True) -> TrainingRun:
    """Record a training request and queue it; one at a time (also a database constraint)."""
    if not policy.can_anywhere(actor, "risk.train"):
        raise Forbidden("forbidden", gettext_lazy("You do not have permission to do this."))
    try:
        with transaction.atomic():
            run = TrainingRun.objects.create(created_by=actor)
            if enqueue:
                from .tasks import training_run_task

                transaction.on_commit(lambda: training_run_task.enqueue(run.pk))
    except IntegrityError:
        raise Conflict("training_under_way", gettext_lazy("A training is already under way.")) from None
    return run


def under_way() -> TrainingRun | None:
    return TrainingRun.objects.filter(under_way=True).first()


def run(run_id: int, *, config=None) -> TrainingRun:
    """Do a queued training (the background task). A refusal of the data (too few audit labels) or a crash is
    recorded on the run, for the page, and the run is no longer under way."""
    from . import training

    run = TrainingRun.objects.get(pk=run_id)
    if run.state != BacktestState.QUEUED:
        return run
    run.advance(stage=Stage.READING, percent=5, state=BacktestState.RUNNING)
    try:
        frame = training.labelled_frame()
        labelled = frame.height
        with_and_without = labelled and frame[training.ds.FRAUD].n_unique() == 2
        if labelled < training.MIN_LABELLED_ROWS or not with_and_without:
            failure = {"code": "too_few_labels", "n": labelled, "min": training.MIN_LABELLED_ROWS}
            _finish(run, BacktestState.FAILED, failure=failure)
            return run
        run.advance(stage=Stage.TRAINING, percent=20)
        version = training.train_frame(frame, actor=run.created_by, config=config)
        run.advance(stage=Stage.SCORING, percent=60, model_version=version)

        def on_window(done: int, total: int) -> None:
            run.advance(stage=Stage.SCORING, percent=60 + round(39 * done / total))

        scored = training.score_declarations(model_version=version, on_window=on_window)
    except Exception as exc:  # recorded for the requester; the traceback goes to the worker's log
        _finish(run, BacktestState.FAILED, failure={"code": "crashed"}, error=run.error_text(exc))
        raise
    _finish(run, BacktestState.DONE, stage=Stage.DONE, progress=100,
            result={"declarations": scored.get("declarations", 0), "lines": scored.get("lines", 0)})
    return run


def _finish(run: TrainingRun, state: str, **fields) -> None:
    run.finish(state, under_way=False, **fields)


def failure_text(run: TrainingRun) -> str:
    """Why a training failed, in the reader's language."""
    code = (run.failure or {}).get("code")
    if code == "too_few_labels":
        return _("Not enough audit outcomes to learn from: %(n)s goods lines of declarations named by concluded "
                 "audits, at least %(min)s needed, with and without violations.") % run.failure
    return _("The training failed. Try again; if it fails again, tell the system administrator.")
