"""Demo reconciliation: the KV01-PT officer has reconciled last month's form 19 (so the reconciliation view shows
one unit done and the others identifiable as not done). Idempotent; runs after the audit seeders."""

from __future__ import annotations

from django.utils import timezone

from stq.core.demo import register_seeder
from stq.org.models import Unit, User

from . import services
from .forms import last_month
from .models import Reconciliation


@register_seeder(90, "report reconciliations")
def seed(options: dict) -> str:
    if Reconciliation.objects.exists():
        return "already present"
    officer = User.objects.filter(username="canbo.kv01pt").first()
    unit = Unit.objects.filter(code="KV01-PT").first()
    if officer is None or unit is None:
        return "skipped (no demo organisation)"
    period = last_month()
    services.reconciliation_confirm(actor=officer, form="19", unit=unit, period=period,
                                    note="Đã đối chiếu với sổ theo dõi của đội.")
    return f"form 19 of {period.date_from:%m/%Y} reconciled by {officer.username} at {timezone.localdate():%d/%m/%Y}"
