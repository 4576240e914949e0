"""Writes: confirming that a form's figures for a period are reconciled (domain A1.4)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError
from stq.core.history import save_as
from stq.org import policy

from . import builder, selectors
from .models import Reconciliation
from .periods import Period
from .permissions import RECONCILE


@transaction.atomic
def reconciliation_confirm(*, actor, form: str, unit, period: Period, note: str = "",
                           expected_digest: str | None = None) -> Reconciliation:
    """Record that `actor` reconciled the figures of `form` for `unit` and `period`, with a snapshot of the figures
    computed now. `expected_digest` (the digest of the figures the officer was shown) refuses the confirmation if
    the records changed in the meantime. Only after the period has ended; late when after the deadline."""
    policy.check_at(actor, RECONCILE, unit)
    today = timezone.localdate()
    if period.date_to >= today:
        raise AppError("period_not_ended", _("The period has not ended yet: its figures can still change."),
                       field="period")
    report_layout = selectors.get_layout(form)
    report = builder.build_report(report_layout, unit=unit, period=period, user=actor)
    figures = report.figures()
    digest = selectors.digest(figures)
    if expected_digest and expected_digest != digest:
        raise AppError("figures_changed", _("The figures changed since you opened them: check them again."),
                       field="digest")
    rec = Reconciliation(
        form=form, unit=unit, date_from=period.date_from, date_to=period.date_to,
        layout_version=report_layout.version, due_on=report.due_on, reconcile_by=report.reconcile_by,
        figures=figures, digest=digest, confirmed_by=actor, confirmed_at=timezone.now(),
        late=today > report.reconcile_by, note=note,
    )
    save_as(rec, actor)
    return rec
