"""Risk on arrival: what the risk engine does with each batch of declarations as soon as it is stored.

``assess_arrival(job_ids)`` — for the declarations written by those import jobs:
  1. score the declarations with the active model version (``training.score_frame``; the model is loaded and
     compiled once per process and version) — work in proportion to the declarations (the broker consumer does
     it per batch, right after the import, and calls this with ``score=False``);
  2. raise the unusual-transaction alerts of the imports (``alerts.scan_imports``: idempotent per import, the
     history read once for all of them) and put each in the inbox (notification bell, once per user by a dedupe
     key) of the officers, approvers and risk managers of the enterprise's managing unit, besides the national
     alert list;
  3. evaluate every criterion in force on them (the criterion's SQL restricted to the imports, ``scope_job``:
     one query per criterion for all the jobs), replacing their earlier hits;
  4. recompute the risk of their enterprises (``scoring.assess`` for those tax codes) and note which enterprise's
     risk class, compliance level or classification changed.
Steps 2–4 read the stored history (peer medians — from the peer-price table the import keeps,
``stq.declarations.peer_prices`` —, earlier origins, monthly profiles) whatever the number of declarations, so the
consumer runs them once for all the batches stored since its last round; within a round the peer medians are
computed once and shared by the alerts and the ``price_below_peer_median`` criterion
(``criteria.shared_peer_medians``). The result is the
same as for each import in turn (``tests/risk/test_arrival_together.py``).
Every step is idempotent: running it again for the same jobs changes nothing more (the broker consumer re-runs it
after a crash). Returns the counts and what changed, for the outbound results (``results_export``).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from stq.declarations.models import Declaration
from stq.declarations.selectors import import_span
from stq.enterprises.models import Enterprise

from .alerts import scan_imports
from .criteria import get_kind, shared_peer_medians
from .models import Alert, CriteriaRun, Criterion, CriterionHit, EnterpriseRisk, ModelVersion
from .runner import criteria_in_force, data_as_of

log = logging.getLogger(__name__)
H = CriterionHit._meta.db_table
D = Declaration._meta.db_table
_models: dict[int, tuple] = {}  # model version id → (model, compiled classifier or None)
CLASS_FIELDS = ("risk_class", "compliance_level", "classification")


def _model(version: ModelVersion):
    cached = _models.get(version.pk)
    if cached is None:
        from .compiled import compile_classifier
        from .ml.model import load_model
        from .training import artefact_root

        model = load_model(version.artefact_path)
        try:
            classifier = compile_classifier(model, artefact_root().parent / "compiled")
        except Exception:  # the compiled predictor is an optimisation: LightGBM gives the same scores
            log.exception("compiling model v%s failed; scoring with LightGBM", version.number)
            classifier = None
        _models.clear()
        cached = _models[version.pk] = (model, classifier)
    return cached


def score_jobs(job_ids: list[int]) -> tuple[int, int | None]:
    """Score the declarations of the jobs with the active model: (declarations scored, model version number)."""
    version = ModelVersion.objects.filter(is_active=True).first()
    if version is None or not job_ids:
        return 0, None
    from .training import declarations_frame, score_frame

    model, classifier = _model(version)
    where = jobs_where(job_ids)
    if where is None:
        return 0, version.number
    frame = declarations_frame(*where)
    return score_frame(model, frame, version, classifier=classifier), version.number


def jobs_where(job_ids: list[int]) -> tuple[str, list] | None:
    """The condition that reads the goods lines of import jobs: their dates bound both tables (their months'
    partitions only); None when the jobs wrote no declaration."""
    first, last = import_span(job_ids)
    if first is None:
        return None
    marks = ", ".join(["%s"] * len(job_ids))
    return (f"WHERE d.import_job_id IN ({marks}) AND d.registered_on BETWEEN %s AND %s "
            f"AND l.registered_on BETWEEN %s AND %s", [*job_ids, first, last, first, last])


def criteria_on_jobs(job_ids: list[int], as_of: dt.date | None = None) -> list[int]:
    """Evaluate the criteria in force on the declarations of the jobs; returns the ids of the hits written."""
    criteria = criteria_in_force()
    if not criteria or not job_ids:
        return []
    as_of = as_of or data_as_of()
    run = CriteriaRun.objects.create(as_of=as_of, trigger="arrival", criteria=len(criteria))
    started = time.monotonic()
    written: list[int] = []
    jobs = sorted(set(job_ids))
    marks = ", ".join(["%s"] * len(jobs))
    for criterion in criteria:  # one query per criterion for all the jobs: the history is read once
        kind = get_kind(criterion.kind)
        params = kind.validate(criterion.params)
        sql, args = kind.sql(params, as_of, jobs)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {H} WHERE criterion_id = %s AND ("
                f"declaration_id IN (SELECT id FROM {D} WHERE import_job_id IN ({marks})) OR (declaration_id IS NULL "
                f"AND tax_code IN (SELECT importer_exporter_tax_code FROM {D} WHERE import_job_id IN ({marks}))))",
                [criterion.pk, *jobs, *jobs])
            cursor.execute(
                f"INSERT INTO {H} (criterion_id, run_id, tax_code, declaration_id, registered_on, value, "
                f"reference) SELECT %s, %s, q.tax_code, q.declaration_id, q.registered_on, q.value, q.reference "
                f"FROM ({sql}) q RETURNING id", [criterion.pk, run.pk, *args])
            written += [r[0] for r in cursor.fetchall()]
        Criterion.objects.filter(pk=criterion.pk).update(last_run_at=timezone.now())
    run.hits = len(written)
    run.finished_at = timezone.now()
    run.seconds = time.monotonic() - started
    run.save(update_fields=["hits", "finished_at", "seconds"])
    return written


def _classes(tax_codes: list[str]) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in EnterpriseRisk.objects.filter(tax_code__in=tax_codes)
            .values_list("tax_code", *CLASS_FIELDS)}


def notify_managing_units(alerts: list[Alert]) -> int:
    """Each alert in the bell of its enterprise's managing unit (officers, approvers, risk managers there)."""
    from stq.core.notifications import notify
    from stq.core.texts import Text
    from stq.org.models import Role
    from stq.org.selectors import users_with_roles

    from .selectors import alert_message

    sent = 0
    units = dict(Enterprise.objects.filter(tax_code__in={a.tax_code for a in alerts}, managing_unit__isnull=False)
                 .values_list("tax_code", "managing_unit"))
    if not units:
        return 0
    from stq.org.models import Unit

    unit_objects = Unit.objects.in_bulk(set(units.values()))
    roles = (Role.OFFICER, Role.APPROVER, Role.RISK_MANAGER)
    recipients = {pk: list(users_with_roles(roles, unit)) for pk, unit in unit_objects.items()}
    for alert in alerts:
        unit_id = units.get(alert.tax_code)
        users = recipients.get(unit_id) or []
        if not users:
            continue
        title = Text(gettext_lazy("Unusual transaction: %(tax_code)s"), tax_code=alert.tax_code)
        notify(users, title=title, body=alert_message(alert), url=f"/enterprises/{alert.tax_code}/", level="warning",
               dedupe_key=f"risk-alert-{alert.pk}")
        sent += 1
    return sent


def warm_up() -> int | None:
    """Load (and compile) the active model before the first batch; its version number, or None."""
    version = ModelVersion.objects.filter(is_active=True).first()
    if version is not None:
        _model(version)
        return version.number
    return None


def assess_arrival(job_ids: list[int], on_scored=None, on_changes=None, *, score: bool = True) -> dict:
    """The steps of the module docstring for the declarations of `job_ids` (committed imports); ``on_scored`` is
    called once the declarations have their model scores (before the criteria and the enterprises). Steps 3 and 4
    run in one transaction, and ``on_changes(result)`` is called inside it: what the caller writes there about the
    changes (the outbound messages) commits with them, or neither does."""
    started = t = time.monotonic()
    stages: dict[str, float] = {}

    def lap(name):
        nonlocal t
        now = time.monotonic()
        stages[name] = round(now - t, 3)
        t = now

    job_ids = sorted(set(job_ids))
    tax_codes = sorted(set(Declaration.objects.filter(import_job_id__in=job_ids)
                           .values_list("importer_exporter_tax_code", flat=True)))
    scored, model_number = score_jobs(job_ids) if score else (None, None)  # in proportion to the batch
    if on_scored is not None:
        on_scored()
    lap("model")
    with shared_peer_medians(job_ids):  # the alerts and the PRICE criterion read the same peer medians
        scan_imports(job_ids)  # idempotent per import; the import hook's task may have run it already
        alerts = list(Alert.objects.filter(scan__import_job_id__in=job_ids))
        notified = notify_managing_units(alerts) if alerts else 0
        lap("alerts")
        with transaction.atomic():
            hits = criteria_on_jobs(job_ids)
            lap("criteria")
            before = _classes(tax_codes)
            if tax_codes:
                from .scoring import assess

                assess(tax_codes=tax_codes)
            after = _classes(tax_codes)
            changed = [code for code, value in after.items() if before.get(code) != value]
            lap("enterprises")
            result = {"scored": scored, "model_version": model_number, "criteria_hits": hits,
                      "enterprises": len(tax_codes), "changed_enterprises": changed, "alerts": [a.pk for a in alerts],
                      "notified": notified, "seconds": round(time.monotonic() - started, 3), "stages": stages}
            if on_changes is not None:
                on_changes(result)
    return result
