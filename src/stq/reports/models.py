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
