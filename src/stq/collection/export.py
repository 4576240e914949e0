"""Excel export of the information-collection list: the same FilterSet and scope as the page."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from stq.core.excel import table_xlsx

from .models import InfoCollection


def info_collections_xlsx(qs) -> HttpResponse:
    wf = InfoCollection.workflow
    header = [_("Number"), _("Unit"), _("Approving unit"), _("Tax code"), _("Enterprise"), _("Risk areas"),
              _("State"), _("Submitted at"), _("Planned start"), _("Planned end"), _("Due on")]
    rows = [[c.number, c.unit.code, c.approval_unit.code if c.approval_unit_id else "", c.enterprise.tax_code,
             c.enterprise.name, "; ".join(a.name for a in c.risk_areas.all()), wf.state_label(c.state),
             timezone.localtime(c.submitted_at).replace(tzinfo=None) if c.submitted_at else None, c.planned_start,
             c.planned_end, c.due_on]
            for c in qs.select_related("unit", "approval_unit", "enterprise").prefetch_related("risk_areas")[:10_000]]
    return table_xlsx("info-collections", header, rows)
