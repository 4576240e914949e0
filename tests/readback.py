"""Reading exported files back in tests: the table of an official list export (below its heading, above its
signatures), found by the sheet's filter range."""

from __future__ import annotations

import io

import openpyxl
from openpyxl.utils import range_boundaries


def xlsx_table(content: bytes) -> tuple[list, list[list]]:
    """(header, rows) of the first sheet's table: the range its filter buttons cover."""
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    min_col, min_row, max_col, max_row = range_boundaries(ws.auto_filter.ref)
    values = [list(r) for r in ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col,
                                           values_only=True)]
    return values[0], values[1:]


def xlsx_text(content: bytes) -> list[str]:
    """Every non-empty cell of every sheet, as text."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
