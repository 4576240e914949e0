"""A list as an official Excel sheet or PDF (the lists' exports): the national heading beside the agency and the unit,
the title, the filters, the date made (`core.official`), then the table (bold header with a filter button, frozen
above the rows, readable widths) and the signature blocks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import formats, timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from . import official

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_ROWS = 2_000  # a PDF of more rows takes minutes to lay out; the Excel file holds the whole list


def table_xlsx(filename: str, header: list[str], rows, *, heading: official.Heading,
               signatures=official.DEFAULT_SIGNATURES) -> HttpResponse:
    wb = Workbook()
    ws = wb.active
    ws.title = official.sheet_title(heading.title)
    ncols = len(header)
    top = official.write_heading(ws, heading, ncols)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for col, name in enumerate(header, start=1):
        cell = ws.cell(top, col, name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        ws.column_dimensions[get_column_letter(col)].width = max(12, min(40, len(name) + 4))
    n = 0
    for n, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            cell = ws.cell(top + n, col, value)
            cell.border = border
            if isinstance(value, datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
            elif isinstance(value, date):
                cell.number_format = "dd/mm/yyyy"
            elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                cell.number_format = "#,##0"
    ws.auto_filter.ref = f"A{top}:{get_column_letter(ncols)}{top + n}"
    ws.freeze_panes = ws.cell(top + 1, 1)
    official.write_signatures(ws, top + n + 2, ncols, signatures)
    out = BytesIO()
    wb.save(out)
    return _attachment(out.getvalue(), XLSX, f"{filename}-{timezone.localdate():%Y%m%d}.xlsx")


def table_pdf(filename: str, header: list[str], rows, *, heading: official.Heading,
              signatures=official.DEFAULT_SIGNATURES) -> HttpResponse:
    """The same list as an A4 landscape PDF (WeasyPrint, the bundled DejaVu Sans for the Vietnamese glyphs); at most
    PDF_ROWS rows, and it says so when the list is longer."""
    from weasyprint import HTML  # loads native libraries (Pango) only when a PDF is made

    rows = list(rows)
    shown = rows[:PDF_ROWS]
    font_dir = official.font_dir()
    html = render_to_string("core/list_pdf.html", {
        "heading": heading, "header": header, "rows": [[(_shown(v), _is_number(v)) for v in row] for row in shown],
        "total": len(rows), "cut": len(rows) > PDF_ROWS, "limit": PDF_ROWS,
        "signatures": [str(s) for s in signatures], "font_dir": font_dir.as_uri(),
    })
    pdf = HTML(string=html, base_url=str(font_dir)).write_pdf()
    return _attachment(pdf, "application/pdf", f"{filename}-{timezone.localdate():%Y%m%d}.pdf")


def _is_number(value) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if _is_number(value):
        return formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)
    return str(value)


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
