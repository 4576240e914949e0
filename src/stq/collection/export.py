"""The information-collection list as an official Excel sheet or PDF (`core.excel`): the same FilterSet and scope as
the page."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from stq.core import official
from stq.core.excel import table_pdf, table_xlsx

from .models import InfoCollection

WRITERS = {"xlsx": table_xlsx, "pdf": table_pdf}


def info_collections_export(qs, *, fmt: str, user, form) -> HttpResponse:
    wf = InfoCollection.workflow
    header = [_("Number"), _("Unit"), _("Approving unit"), _("Tax code"), _("Enterprise"), _("Risk areas"),
              _("State"), _("Submitted at"), _("Planned start"), _("Planned end"), _("Due on")]
    rows = [[c.number, c.unit.code, c.approval_unit.code if c.approval_unit_id else "", c.enterprise.tax_code,
             c.enterprise.name, "; ".join(a.name for a in c.risk_areas.all()), wf.state_label(c.state),
             timezone.localtime(c.submitted_at).replace(tzinfo=None) if c.submitted_at else None, c.planned_start,
             c.planned_end, c.due_on]
            for c in qs.select_related("unit", "approval_unit", "enterprise").prefetch_related("risk_areas")[:10_000]]
    head = official.list_heading(user, form, title=_("LIST OF INFORMATION COLLECTIONS"))
    return WRITERS[fmt]("info-collections", header, rows, heading=head)
