"""A report as an Excel workbook (openpyxl): one sheet per table; a title block (form, unit, period, generation
time and user); Vietnamese headers; VND as whole numbers with thousands separators; signature blocks."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from stq.core import official

from .builder import Report
from .layout import text
from .measures import PERCENT

VND_FORMAT = '#,##0'
PERCENT_FORMAT = '0.0'
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F2")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")


def _sheet_title(value: str, used: set[str]) -> str:
    return official.sheet_title(value, used)


def reconciliation_line(report: Report) -> str:
    rec = report.reconciliation
    if rec is None:
        return _("Not reconciled yet.")
    when = timezone.localtime(rec.confirmed_at).strftime("%d/%m/%Y %H:%M")
    line = _("Reconciled by %(who)s on %(when)s.") % {"who": rec.confirmed_by.get_full_name(), "when": when}
    if report.differences:
        line += " " + _("%(n)s figures differ from the reconciled snapshot.") % {"n": len(report.differences)}
    return line


def title_lines(report: Report) -> list[str]:
    user = report.generated_by
    return [
        _("Unit: %(unit)s") % {"unit": f"{report.unit.code} — {report.unit.name}"},
        _("Period: %(period)s") % {"period": report.period.label},
        _("Generated at %(time)s by %(user)s") % {
            "time": timezone.localtime(report.generated_at).strftime("%d/%m/%Y %H:%M"),
            "user": user.get_full_name() if user is not None else "—"},
        reconciliation_line(report),
    ]


def workbook_bytes(report: Report) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for result in report.tables:
        table = result.table
        ws = wb.create_sheet(_sheet_title(f"{table.key} {result.title}", used))
        freeze = None
        ncols = len(table.columns) + 1
        head = official.heading(unit=report.unit, title=report.title, period=report.period.label,
                                made_on=timezone.localtime(report.generated_at).date())
        row = official.write_heading(ws, head, ncols)
        ws.cell(row, 1, result.title).font = Font(bold=True, size=12)
        for i, line in enumerate(title_lines(report), start=row + 1):
            ws.cell(i, 1, line)
        row += len(title_lines(report)) + 2
        for block in result.blocks:
            ws.cell(row, 1, f"{block.title}: {block.period.label}").font = Font(bold=True)
            row += 1
            headers = [_("Unit / row"), *result.column_labels]
            for c, label in enumerate(headers, start=1):
                cell = ws.cell(row, c, label)
                cell.font = Font(bold=True)
                cell.fill = HEADER_FILL
                cell.border = BOX
                cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            ws.row_dimensions[row].height = 60
            freeze = freeze or f"B{row + 1}"
            row += 1
            for r in block.rows:
                label = ws.cell(row, 1, ("    " * r.depth) + r.label)
                label.border = BOX
                if r.total:
                    label.font = Font(bold=True)
                for c, (col, value) in enumerate(zip(table.columns, r.cells(table), strict=True), start=2):
                    cell = ws.cell(row, c, float(value) if col.kind == PERCENT and value is not None else value)
                    cell.border = BOX
                    cell.number_format = PERCENT_FORMAT if col.kind == PERCENT else VND_FORMAT
                    if r.total:
                        cell.font = Font(bold=True)
                        cell.fill = TOTAL_FILL
                row += 1
            row += 1
        row += 1
        official.write_signatures(ws, row, ncols, [text(sig) for sig in report.layout.signatures])
        ws.column_dimensions["A"].width = 42
        for c in range(2, ncols + 1):
            ws.column_dimensions[get_column_letter(c)].width = 18
        ws.freeze_panes = freeze
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

