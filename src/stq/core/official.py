"""What makes an export look official (issue 18 item 5), for every Excel and PDF the system makes: the national heading
(CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Độc lập - Tự do - Hạnh phúc) beside the agency and the unit, the title, the
period, the date made, and the signature blocks; sheet names cut at a word, never mid-word."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SHEET_TITLE_MAX = 31  # Excel's limit


def font_dir() -> Path:
    """The folder of the bundled DejaVu Sans (Vietnamese glyphs) that every PDF embeds (the reports app's static
    files; core/_official_pdf_style.css names the files)."""
    return Path(finders.find("reports/fonts/DejaVuSans.ttf")).parent


@dataclass(frozen=True)
class Heading:
    agency: str  # the superior body, in capitals ("CỤC HẢI QUAN")
    unit: str  # the unit that makes the document, in capitals
    nation: str
    motto: str
    title: str
    period: str
    made_on: str
    filters: str = ""  # a list's filters ("Trạng thái: …; Đơn vị: …"), "" when it is not filtered


def sheet_title(value: str, used: set[str] | None = None) -> str:
    """An Excel sheet name: no character Excel refuses, at most 31 characters cut after a whole word, unique in
    `used` (a number added, also at a word)."""
    clean = re.sub(r"\s+", " ", re.sub(r"[\[\]\*\?/\\:]", " ", value)).strip() or "Sheet"
    title = _cut(clean, SHEET_TITLE_MAX)
    if used is not None:
        base, n = title, 2
        while title in used:
            suffix = f" ({n})"
            title = _cut(clean, SHEET_TITLE_MAX - len(suffix)) + suffix
            n += 1
            if base == title:  # pragma: no cover - defensive
                break
        used.add(title)
    return title


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0].rstrip(" ,;-—·")
    return cut if cut and len(cut) <= limit else text[:limit].rstrip()


def heading(*, unit=None, title: str, period: str = "", made_on: date | None = None, filters: str = "") -> Heading:
    parent = getattr(unit, "parent", None)
    agency = parent.name if parent is not None else _("Ministry of Finance")
    return Heading(
        agency=str(agency).upper(),
        unit=(unit.name if unit is not None else _("Customs Department")).upper(),
        nation=str(NATION), motto=str(MOTTO), title=title,
        period=_("Period: %(period)s") % {"period": period} if period else "",
        made_on=_("Made on %(day)s") % {"day": (made_on or timezone.localdate()).strftime("%d/%m/%Y")},
        filters=_("Filters: %(filters)s") % {"filters": filters} if filters else "",
    )


def filters_text(form) -> str:
    """A list's filters as the user chose them, with the form's labels and the choices' readings ("Trạng thái: Đang
    kiểm tra; Đơn vị: KV01 — …; Chỉ quá hạn"); "" when nothing narrows the list."""
    if not form.is_bound or not form.is_valid():
        return ""
    parts = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", False) or (hasattr(value, "__len__") and not isinstance(value, str) and not value):
            continue
        label = str(field.label or name)
        if value is True:
            parts.append(label)
            continue
        if isinstance(value, date):
            shown = value.strftime("%d/%m/%Y")
        elif getattr(field, "choices", None) is not None and not hasattr(value, "pk"):
            shown = str(dict((str(k), v) for k, v in field.choices).get(str(value), value))
        else:
            shown = str(value)
        parts.append(f"{label}: {shown}")
    return "; ".join(parts)


def list_heading(user, form, *, title: str, period: str = "") -> Heading:
    """The heading of a list's export: the unit the list is filtered on (else the user's own), the filters, today."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return heading(unit=export_unit(user, data.get("unit")), title=title, period=period,
                   filters=filters_text(form), made_on=timezone.localdate())


def period_text(date_from: date | None, date_to: date | None) -> str:
    """A filter's dates as a period line ("01/01/2026 – 31/03/2026"), or "" when the list is not limited in time."""
    if not date_from and not date_to:
        return ""
    first = date_from.strftime("%d/%m/%Y") if date_from else "…"
    return f"{first} – {date_to.strftime('%d/%m/%Y') if date_to else '…'}"


def export_unit(user, chosen=None):
    """The unit that makes an export: the one the list is filtered on, else the user's main unit."""
    if chosen is not None:
        return chosen
    from stq.org.selectors import primary_grant

    grant = primary_grant(user)
    return grant.unit if grant is not None else getattr(user, "unit", None)


NATION = gettext_lazy("SOCIALIST REPUBLIC OF VIET NAM")
MOTTO = gettext_lazy("Independence - Freedom - Happiness")
SIGN_HINT = gettext_lazy("(signature, full name)")
DEFAULT_SIGNATURES = (gettext_lazy("Prepared by"), gettext_lazy("Head of unit"))


def write_heading(ws, h: Heading, ncols: int) -> int:
    """The heading on a worksheet's first rows; returns the first free row."""
    from openpyxl.styles import Alignment, Font

    ncols = max(ncols, 4)
    left_end = max(1, ncols // 2 - 1)
    right_start = left_end + 1
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row, (left, right, bold_left, underline) in enumerate(
            ((h.agency, h.nation, False, False), (h.unit, h.motto, True, True)), start=1):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=left_end)
        ws.merge_cells(start_row=row, start_column=right_start, end_row=row, end_column=ncols)
        cell = ws.cell(row, 1, left)
        cell.font, cell.alignment = Font(bold=bold_left), center
        cell = ws.cell(row, right_start, right)
        cell.font, cell.alignment = Font(bold=True, underline="single" if underline else None), center
    row = 4
    for text, font in ((h.title, Font(bold=True, size=14)), (h.period, Font(italic=True)),
                       (h.filters, Font(italic=True)), (h.made_on, Font())):
        if not text:
            continue
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
        cell = ws.cell(row, 1, text)
        cell.font, cell.alignment = font, center
        if len(text) > ncols * 12:  # a merged cell does not grow with its wrapped text
            ws.row_dimensions[row].height = 15 * (1 + len(text) // (ncols * 12))
        row += 1
    return row + 1


def write_signatures(ws, row: int, ncols: int, signatures=DEFAULT_SIGNATURES) -> int:
    """Signature blocks spread over the width, from `row`; returns the row after them."""
    from openpyxl.styles import Alignment, Font

    signatures = [str(s) for s in signatures] or [str(s) for s in DEFAULT_SIGNATURES]
    ncols = max(ncols, len(signatures))
    span = ncols // len(signatures)
    center = Alignment(horizontal="center")
    for i, name in enumerate(signatures):
        first = 1 + i * span
        last = ncols if i == len(signatures) - 1 else first + span - 1
        for r, text, font in ((row, name.upper(), Font(bold=True)), (row + 1, str(SIGN_HINT), Font(italic=True))):
            if last > first:
                ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
            cell = ws.cell(r, first, text)
            cell.font, cell.alignment = font, center
    return row + 6
