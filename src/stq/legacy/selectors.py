"""Reads: import batches, and the STQ01 records of an enterprise (for its page)."""

from __future__ import annotations

from django.db.models import QuerySet

from stq.collection.selectors import family_codes

from .models import ImportBatch, LegacyRecord


def batches() -> QuerySet[ImportBatch]:
    return ImportBatch.objects.select_related("imported_by")


def records_of_batch(batch: ImportBatch) -> QuerySet[LegacyRecord]:
    return batch.records.select_related("proposal__unit", "case").order_by("id")


def records_of_enterprise(enterprise) -> QuerySet[LegacyRecord]:
    """The STQ01 records of the enterprise, its head and its branches. Like the duplicate search, every user sees
    these facts (unit, numbers, dates, outcome) nationally; the content stays in the audits pages' own scope."""
    return (LegacyRecord.objects.filter(tax_code__in=family_codes(enterprise.tax_code))
            .select_related("proposal__unit", "case").prefetch_related("case__conclusions")
            .order_by("-proposal__year", "-id"))
