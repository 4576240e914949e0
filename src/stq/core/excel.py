"""A list as an Excel sheet (openpyxl): bold header, frozen first row, readable column widths — the lists' exports."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_xlsx(title: str, header: list[str], rows) -> HttpResponse:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for i, name in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, min(40, len(name) + 4))
    ws.freeze_panes = "A2"
    out = BytesIO()
    wb.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{title}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response
