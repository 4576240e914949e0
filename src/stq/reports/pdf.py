"""A report as a PDF (WeasyPrint): A4 landscape, the bundled DejaVu Sans font (Vietnamese glyphs), a title block,
one section per table and the signature blocks."""

from __future__ import annotations

import logging

from django.template.loader import render_to_string
from django.utils import timezone

from stq.core import official

from .builder import Report
from .excel import title_lines
from .layout import text

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # one line per page is noise


_FONTS = None


def _font_config():
    """One FontConfiguration for the process: the bundled fonts of the @font-face rules are loaded once."""
    global _FONTS
    if _FONTS is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONTS = FontConfiguration()
    return _FONTS


def pdf_bytes(report: Report) -> bytes:
    from weasyprint import HTML  # imported here: it loads native libraries (Pango) only when a PDF is made

    fonts = official.font_dir()
    html = render_to_string("reports/pdf.html", {
        "report": report, "title_lines": title_lines(report), "font_dir": fonts.as_uri(),
        "signatures": [text(s) for s in report.layout.signatures],
        "heading": official.heading(unit=report.unit, title=report.title, period=report.period.label,
                                    made_on=timezone.localtime(report.generated_at).date()),
    })
    return HTML(string=html, base_url=str(fonts)).write_pdf(font_config=_font_config())
