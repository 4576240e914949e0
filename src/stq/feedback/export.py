"""Excel export of change requests in the layout of the official feedback form: No., function name, proposed
change, reason (then the request's number, unit, date and status). Same selector and filters as the list."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from stq.core import official
from stq.core.excel import table_pdf

# (header, column width); the context keeps the official form's own wording
FORM_COLUMNS = (
    (pgettext_lazy("feedback form", "No."), 6),
    (pgettext_lazy("feedback form", "Function name"), 30),
    (pgettext_lazy("feedback form", "Proposed change"), 60),
    (pgettext_lazy("feedback form", "Reason"), 45),
)
EXTRA_COLUMNS = (
    (pgettext_lazy("feedback form", "Request number"), 22),
    (pgettext_lazy("feedback form", "Proposing unit"), 30),
    (pgettext_lazy("feedback form", "Date"), 12),
    (pgettext_lazy("feedback form", "Status"), 14),
)


def change_requests_pdf(rows, *, unit=None, period: str = ""):
    """The same list as a PDF (`core.excel.table_pdf`: the same heading and signatures; it numbers the rows)."""
    head = official.heading(unit=unit, title=_("PROPOSALS TO CHANGE FUNCTIONS OF THE STQ SYSTEM"), period=period,
                            made_on=timezone.localdate())
    header = [str(title) for title, _width in FORM_COLUMNS[1:] + EXTRA_COLUMNS]
    values = [[cr.function_name, cr.proposed_change, cr.reason, cr.number, cr.unit.name, cr.proposed_on, cr.state_label]
              for cr in rows]
    return table_pdf("de-xuat-sua-doi-chuc-nang", header, values, heading=head)


def change_requests_xlsx(rows, *, unit=None, period: str = "") -> bytes:
    """`unit`: the unit that makes the export (its name and its superior's head the sheet); `period`: the filter's
    dates as text, if any."""
    wb = Workbook()
    ws = wb.active
    ws.title = official.sheet_title(_("Change requests"))
    columns = FORM_COLUMNS + EXTRA_COLUMNS
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head = official.heading(unit=unit, title=_("PROPOSALS TO CHANGE FUNCTIONS OF THE STQ SYSTEM"), period=period,
                            made_on=timezone.localdate())
    header_row = official.write_heading(ws, head, len(columns))
    for col, (title, width) in enumerate(columns, start=1):
        cell = ws.cell(header_row, col, str(title))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        ws.column_dimensions[cell.column_letter].width = width
    for i, cr in enumerate(rows, start=1):
        values = (i, cr.function_name, cr.proposed_change, cr.reason, cr.number, cr.unit.name,
                  cr.proposed_on.strftime("%d/%m/%Y"), cr.state_label)
        for col, value in enumerate(values, start=1):
            cell = ws.cell(header_row + i, col, value)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = border
    official.write_signatures(ws, header_row + len(rows) + 2, len(columns))
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
