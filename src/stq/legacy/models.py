"""Imports from the previous system (STQ01, domain A1.8). The imported records themselves are audits rows with
`legacy=True` (so the duplicate search and the one-approved-proposal-per-year rule cover them with no extra code);
this app keeps the import batches (file checksum for idempotence, counts, who and when) and which STQ01 record
became which rows. A record that changed in STQ01 is updated in place on re-import (upsert by its STQ01 id), every
changed row with its history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ImportBatch(models.Model):
    """One real (not dry) run of the STQ01 import. A file is imported once: its SHA-256 checksum is unique."""

    filename = models.CharField(_("file"), max_length=255)
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64, unique=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported = models.PositiveIntegerField(_("records imported"), default=0)
    skipped = models.PositiveIntegerField(_("rows skipped (already imported, unchanged)"), default=0)
    updated = models.PositiveIntegerField(_("records updated (changed in STQ01)"), default=0)
    cases = models.PositiveIntegerField(_("audit cases"), default=0)
    conclusions = models.PositiveIntegerField(_("conclusions"), default=0)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"),
                                    on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("STQ01 import batch")
        verbose_name_plural = _("STQ01 import batches")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} · {timezone.localtime(self.imported_at):%d/%m/%Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("legacy:batch", args=[self.pk])


class LegacyRecord(models.Model):
    """One STQ01 record (one row of the file): its STQ01 id and the audits rows it became."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="records")
    stq01_id = models.CharField(_("STQ01 id"), max_length=64, unique=True)
    tax_code = models.CharField(_("tax code"), max_length=13, db_index=True)
    proposal = models.OneToOneField("audits.AuditProposal", verbose_name=_("proposal"), on_delete=models.PROTECT,
                                    related_name="legacy_record")
    case = models.OneToOneField("audits.AuditCase", verbose_name=_("audit case"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="legacy_record")
    row_checksum = models.CharField(_("checksum of the imported row"), max_length=64, blank=True)
    updated_batch = models.ForeignKey(ImportBatch, verbose_name=_("last updated by batch"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="updated_records")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("STQ01 record")
        verbose_name_plural = _("STQ01 records")
        ordering = ["batch", "id"]

    def __str__(self) -> str:
        return self.stq01_id
