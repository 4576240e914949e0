"""Reconciliations: a unit's reporting officer confirms a form's figures for a period (domain A1.4, A2)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from stq.core.limits import NOTE_MAX, LimitedTextField


class Reconciliation(models.Model):
    """"Reconciled": who confirmed which form's figures for which unit and period, when, with a snapshot of the
    figures as they were then. A report generated later is compared with the latest snapshot. Rows are never
    edited; reconciling again after a correction adds a row."""

    form = models.CharField(_("form"), max_length=16)
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    date_from = models.DateField(_("period from"))
    date_to = models.DateField(_("period to"))
    layout_version = models.PositiveIntegerField(_("layout version"), default=1)
    due_on = models.DateField(_("report due on"))
    reconcile_by = models.DateField(_("reconcile by"))
    figures = models.JSONField(_("figures"))
    digest = models.CharField(_("digest of the figures"), max_length=64)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"),
                                     on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"))
    late = models.BooleanField(_("after the reconciliation deadline"), default=False)
    note = LimitedTextField(_("note"), max_length=NOTE_MAX, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering = ["-confirmed_at", "-id"]
        indexes = [models.Index(fields=["form", "date_from", "date_to", "unit"], name="reports_recon_period")]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=models.F("date_from")), name="reports_recon_period_order",
                violation_error_message=_("The end of the period must not precede its start."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.form} · {self.unit.code} · {self.date_from:%d/%m/%Y}–{self.date_to:%d/%m/%Y}"

    @property
    def owning_unit(self):
        return self.unit


class MonthTotal(models.Model):
    """A kept total of one measure (`measures.Measure.kept`) over the records of one month, per unit — and per risk
    area where `by_area` — for all records (`dim` "") or for one value of one filter key (`dim` "mode" and
    `dim_value` "desk"); for a measure with a distinct total, `dim` "distinct" rows hold in `value` the id each
    counts once (a case), so that a period's total is a COUNT(DISTINCT value). Written only by `totals.refresh`,
    from the measure's own query, for the months the database triggers marked stale (`StaleMonth`); a report adds
    up these rows instead of re-reading every record (PostgreSQL only; see `totals`)."""

    measure = models.CharField(max_length=64)
    month = models.DateField()
    unit_id = models.BigIntegerField()
    by_area = models.BooleanField(default=False)
    area_id = models.BigIntegerField(null=True)
    dim = models.CharField(max_length=16, blank=True)
    dim_value = models.CharField(max_length=64, blank=True)
    value = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["measure", "by_area", "dim", "dim_value", "month"], name="reports_mt_read"),
            models.Index(fields=["month"], name="reports_mt_month"),
        ]


class StaleMonth(models.Model):
    """A month whose kept totals may no longer match the records, for the measures reading `source` (a table's
    name: only "collected" reads audits_payment) or for all of them ("*": a case, conclusion, finding or risk area
    changed). Marked in the writer's transaction by the triggers of migration 0004 — a plain insert, one row per
    statement and month, so that writers never wait on each other; until `totals.refresh` recomputes it (and deletes
    the marks it read), a report reads that month from the records."""

    month = models.DateField()
    source = models.CharField(max_length=64)
    marked_at = models.DateTimeField()
