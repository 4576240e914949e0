"""The case and proposal lists as official Excel sheets and PDFs (`core.excel`), with the same filters and scope as
the pages."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from stq.core import official
from stq.core.excel import table_pdf, table_xlsx

from .models import AuditCase, AuditProposal
from .selectors import case_figures

WRITERS = {"xlsx": table_xlsx, "pdf": table_pdf}


def cases_export(qs, *, fmt: str, user, form) -> HttpResponse:
    wf = AuditCase.workflow
    header = [_("Number"), _("Unit"), _("Tax code"), _("Enterprise"), _("Mode"), _("Ground"), _("State"),
              _("Decision signed on"), _("Started on"), _("Ended on"), _("Concluded on"), _("Due on"),
              _("Tax assessed (VND)"), _("Late interest (VND)"), _("Fines (VND)"), _("Collected (VND)"),
              _("Outstanding (VND)")]
    rows = []
    for c in qs.select_related("unit", "enterprise")[:10000]:
        f = case_figures(c)
        rows.append([c.number, c.unit.code, c.enterprise.tax_code, c.enterprise.name, c.get_mode_display(),
                     c.get_ground_display(), wf.state_label(c.state), c.decision_signed_on, c.started_on, c.ended_on,
                     c.concluded_on, c.due_on, f["tax"], f["late_interest"], f["fines"], f["collected"],
                     f["outstanding"]])
    head = official.list_heading(user, form, title=_("LIST OF POST-CLEARANCE AUDITS"))
    return WRITERS[fmt]("audit-cases", header, rows, heading=head)


def proposals_export(qs, *, fmt: str, user, form) -> HttpResponse:
    wf = AuditProposal.workflow
    header = [_("Number"), _("Year"), _("Unit"), _("Tax code"), _("Enterprise"), _("Mode"), _("Ground"), _("State"),
              _("Audited period from"), _("Audited period to"), _("Planned start"), _("Filed at"), _("Due on")]
    rows = [[p.number, str(p.year), p.unit.code, p.enterprise.tax_code, p.enterprise.name, p.get_mode_display(),
             p.get_ground_display(), wf.state_label(p.state), p.period_from, p.period_to, p.planned_start,
             timezone.localtime(p.filed_at).replace(tzinfo=None) if p.filed_at else None, p.due_on]
            for p in qs.select_related("unit", "enterprise")[:10000]]
    head = official.list_heading(user, form, title=_("LIST OF POST-CLEARANCE AUDIT PROPOSALS"))
    return WRITERS[fmt]("audit-proposals", header, rows, heading=head)
