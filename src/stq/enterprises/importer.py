"""Import of enterprises from CSV or Excel (.xlsx): the business registry or the previous system.

Column layout (first row = headers, case-insensitive; Vietnamese headers in brackets are accepted too):

    tax_code            [ma_so_thue]      required — 10 digits or 0123456789-001
    name                [ten]             required
    international_name  [ten_quoc_te]
    enterprise_type     [loai_hinh]       domestic | fdi | epe   (default domestic)
    head_office_address [dia_chi]
    province            [tinh]
    legal_representative[nguoi_dai_dien]
    charter_capital     [von_dieu_le]     integer VND
    year_established    [nam_thanh_lap]
    employees           [so_lao_dong]
    phone               [dien_thoai]
    email
    managing_unit       [don_vi_quan_ly]  unit code, e.g. KV01

Unknown columns are ignored; an empty cell leaves the enterprise's value unchanged on update.
A dry run and the real run share the same validation (`validate`); the real run writes nothing unless every
row is valid (one transaction) and is idempotent: a row equal to the stored enterprise changes nothing and
writes no history row.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError, Forbidden
from stq.core.history import save_as
from stq.core.limits import INT_MAX, MONEY_MAX, whole_number
from stq.org.models import Unit

from .models import Enterprise, EnterpriseSource, EnterpriseType
from .policy import can_anywhere
from .services import _apply, _full_clean, _link_family
from .taxcode import normalize_tax_code
from .text import normalize_name

COLUMNS = {
    "tax_code": "ma_so_thue", "name": "ten", "international_name": "ten_quoc_te", "enterprise_type": "loai_hinh",
    "head_office_address": "dia_chi", "province": "tinh", "legal_representative": "nguoi_dai_dien",
    "charter_capital": "von_dieu_le", "year_established": "nam_thanh_lap", "employees": "so_lao_dong",
    "phone": "dien_thoai", "email": "email", "managing_unit": "don_vi_quan_ly",
}
ALIASES = {**{k: k for k in COLUMNS}, **{v: k for k, v in COLUMNS.items()}}
INTEGER_FIELDS = {"charter_capital": MONEY_MAX, "year_established": 9999, "employees": INT_MAX}  # name: maximum
MAX_ROWS = 100_000


@dataclass
class RowError:
    row: int
    field: str
    code: str
    message: str


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run, "rows": self.rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "ok": self.ok,
            "errors": [e.__dict__ for e in self.errors],
        }


def _header(value) -> str:
    return normalize_name(value).replace(" ", "_")


def read_rows(content: bytes, filename: str) -> list[dict]:
    """Rows as {field: text} from a .csv (UTF-8, comma or semicolon) or .xlsx file."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception:  # noqa: BLE001 — any unreadable workbook is the user's file, not our bug
            raise AppError("invalid_file", _("This Excel file cannot be read."), field="file") from None
        raw = [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    elif name.endswith(".csv"):
        text = content.decode("utf-8-sig", errors="replace")
        dialect = csv.excel
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            pass
        raw = list(csv.reader(io.StringIO(text), dialect))
    else:
        raise AppError("invalid_file", _("Upload a .csv or .xlsx file."), field="file")
    if not raw:
        raise AppError("empty_file", _("The file is empty."), field="file")
    headers = [ALIASES.get(_header(h)) for h in raw[0]]
    if "tax_code" not in headers or "name" not in headers:
        raise AppError("missing_columns", _("The file needs the columns tax_code and name."), field="file")
    if len(raw) - 1 > MAX_ROWS:
        raise AppError("too_many_rows", _("Import at most 100,000 rows per file."), field="file")
    rows = []
    for values in raw[1:]:
        if not any(str(v).strip() for v in values):
            continue
        rows.append({h: str(v).strip() for h, v in zip(headers, values, strict=False) if h})
    return rows


def _row_values(row: dict, units: dict[str, Unit]) -> tuple[dict, list[tuple[str, str, object]]]:
    values, errors = {}, []
    for name, text in row.items():
        if name == "tax_code" or text == "":
            continue
        if name in INTEGER_FIELDS:
            number = whole_number(text, INTEGER_FIELDS[name], separators=". ,")
            if number is None:
                errors.append((name, "invalid_number", _("Enter a whole number.")))
                continue
            values[name] = number
        elif name == "enterprise_type":
            kind = normalize_name(text)
            if kind not in EnterpriseType.values:
                errors.append((name, "invalid_type", _("The type is domestic, fdi or epe.")))
                continue
            values[name] = kind
        elif name == "managing_unit":
            unit = units.get(text.upper())
            if unit is None:
                errors.append((name, "unknown_unit", _("No unit has this code.")))
                continue
            values[name] = unit
        else:
            values[name] = text
    return values, errors


def validate(rows: list[dict]) -> tuple[list[tuple[int, str, dict]], list[RowError]]:
    """Check every row; returns ([(row_number, tax_code, values)], errors). Row numbers count the header as 1."""
    units = {u.code.upper(): u for u in Unit.objects.all()}
    seen: dict[str, int] = {}
    good, errors = [], []
    for index, row in enumerate(rows, start=2):
        row_errors = []
        code = None
        try:
            code = normalize_tax_code(row.get("tax_code", ""))
        except AppError as exc:
            row_errors.append(RowError(index, "tax_code", exc.code, str(exc.message)))
        if code and code in seen:
            row_errors.append(RowError(
                index, "tax_code", "duplicate_in_file",
                str(_("This tax code is also on row %(row)s.") % {"row": seen[code]}),
            ))
        if code:
            seen.setdefault(code, index)
        if not normalize_name(row.get("name", "")):
            row_errors.append(RowError(index, "name", "name_required", str(_("Enter the enterprise name."))))
        values, value_errors = _row_values(row, units)
        row_errors += [RowError(index, f, c, str(m)) for f, c, m in value_errors]
        if not row_errors:
            probe = Enterprise(tax_code=code)
            try:
                _apply(probe, values)
                _full_clean(probe)
            except AppError as exc:
                for f, m in (exc.fields or {"__all__": exc.message}).items():
                    row_errors.append(RowError(index, f, exc.code, str(m)))
        if row_errors:
            errors += row_errors
        else:
            good.append((index, code, values))
    return good, errors


def enterprise_import(*, actor, content: bytes, filename: str, dry_run: bool) -> ImportReport:
    """Validate (dry run) or import (all-or-nothing, idempotent) a file of enterprises."""
    if not can_anywhere(actor, "enterprise.import"):
        raise Forbidden("forbidden", _("You do not have permission to do this."))
    rows = read_rows(content, filename)
    report = ImportReport(dry_run=dry_run, rows=len(rows))
    good, report.errors = validate(rows)
    existing = {e.tax_code: e for e in Enterprise.objects.filter(tax_code__in=[c for _i, c, _v in good])}
    plan = []
    for _index, code, values in good:
        ent = existing.get(code)
        if ent is None:
            report.created += 1
            plan.append((None, code, values))
        else:
            changes = _apply(ent, values)
            if changes:
                report.updated += 1
                plan.append((ent, code, values))
            else:
                report.unchanged += 1
    if report.errors and not dry_run:
        report.created = report.updated = report.unchanged = 0  # refused: nothing was written (all or nothing)
    if dry_run or report.errors:
        return report
    with transaction.atomic():
        created = []
        for ent, code, values in plan:
            if ent is None:
                ent = Enterprise(tax_code=code, source=EnterpriseSource.IMPORT)
                _apply(ent, values)
                created.append(ent)
            save_as(ent, actor, reason=f"import {filename}"[:100])
        for ent in sorted(created, key=lambda e: len(e.tax_code)):
            before = ent.head_id
            _link_family(ent)
            if ent.head_id != before:
                Enterprise.objects.filter(pk=ent.pk).update(head=ent.head)
    return report
