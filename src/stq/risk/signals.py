"""The import hook: when a declaration import succeeds, scan it for unusual transactions.

The declarations app sends ``import_succeeded`` after a real import has been merged. The scan runs in a background
task after the commit; a failing scan never fails the import (it is logged). ``AlertScan`` makes the scan
idempotent per import.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging

from django.db import transaction
from django.dispatch import receiver

from stq.declarations.signals import import_succeeded

log = logging.getLogger(__name__)


def import_finished(job_id: int) -> None:
    """Enqueue the alert scan of one import (also callable directly, e.g. by the importer)."""
    from .tasks import scan_import_task

    try:
        scan_import_task.enqueue(job_id)
    except Exception:  # the import itself succeeded; alerts can be raised again with `manage.py scan_imports`
        log.exception("alert scan of import %s failed", job_id)


_on_arrival: contextvars.ContextVar[bool] = contextvars.ContextVar("stq_risk_on_arrival", default=False)


@contextlib.contextmanager
def scanned_on_arrival():
    """Imports run inside this block are scanned by risk on arrival (``arrival.assess_arrival``, the broker
    consumer), with the other imports of its round: the hook leaves them alone (else each would be scanned on its
    own, reading the whole history once per batch)."""
    token = _on_arrival.set(True)
    try:
        yield
    finally:
        _on_arrival.reset(token)


@receiver(import_succeeded, dispatch_uid="stq.risk.import_finished")
def _on_import_succeeded(sender, job, **kwargs) -> None:
    if not _on_arrival.get():
        transaction.on_commit(lambda: import_finished(job.pk))
