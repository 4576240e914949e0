"""Case numbering: gap-free and unique per (unit, year, kind), also under concurrency.

The counter row is created if missing (INSERT … ON CONFLICT DO NOTHING), then locked with SELECT … FOR UPDATE
and incremented inside the caller's transaction, so a rolled-back insert gives its number back.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from .models import NumberCounter


def next_sequence(*, unit, year: int, kind: str) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_sequence() must run inside the transaction that stores the numbered record")
    NumberCounter.objects.bulk_create(
        [NumberCounter(unit=unit, year=year, kind=kind, last=0)], ignore_conflicts=True
    )
    counter = NumberCounter.objects.select_for_update().get(unit=unit, year=year, kind=kind)
    NumberCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    return counter.last + 1


def next_number(*, unit, year: int, kind: str) -> str:
    """A human case number, e.g. `0007/2026/TTTT-KV01-PT` (sequence/year/kind-unit)."""
    seq = next_sequence(unit=unit, year=year, kind=kind)
    return format_number(seq=seq, year=year, kind=kind, unit_code=unit.code)


def format_number(*, seq: int, year: int, kind: str, unit_code: str) -> str:
    return f"{seq:04d}/{year}/{kind}-{unit_code}"
