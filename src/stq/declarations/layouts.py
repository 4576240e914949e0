"""File layouts the import understands, and the streaming per-row validation.

**STQ layout** (``format=stq``) — the export of the national declaration system: UTF-8 CSV, comma-separated,
one header row with exactly the column names of ``COLUMNS`` (any order), then **one row per goods line** with the
declaration's header fields repeated on each of its lines. Dates ``YYYY-MM-DD``; decimals with a dot; money in
integer VND except ``invoice_value`` / ``unit_price`` (in ``currency``); ``number`` is the 12-character VNACCS number
(11-character base + revision digit); ``flow`` ``I``/``E``; ``channel`` 1 green, 2 yellow, 3 red; countries ISO
3166 alpha-2 (``ZZ`` = unknown); ``hs_code`` 8 digits; tax codes 10 or 13 digits (check digit verified).

**Public dataset adapter** (``format=kcs``) — the synthetic Korea Customs files ``df_syn_*_eng.csv`` described in
``../shared/data/customs-declarations/README.md``. Each of its rows is one goods item; it is mapped as follows:

=======================  ==========================================================================================
ours                     theirs
=======================  ==========================================================================================
number                   ``"10"`` + ``Declaration ID`` left-padded to 9 digits (11 chars), revision ``0``
registered_on            ``Date``
customs_office           ``Office ID``
procedure_type           ``Process Type`` + ``Import Type`` (e.g. ``B11``)
flow / channel           ``I`` (all are imports) / ``3`` red (every row of the dataset was inspected)
declarant / importer     ``Declarant ID`` / ``Importer ID`` → a synthetic **valid** 10-digit tax code derived
                         deterministically: 9 digits from SHA-1 of the ID + the check digit (``synthetic_tax_code``)
partner_name / country   ``Seller ID`` / ``Country of Departure``
transport_mode           ``Mode of Transport``
currency, exchange_rate  ``KRW``, ``KRW_TO_VND`` (18 VND per won, a fixed illustrative rate)
invoice_value            ``Item Price`` (KRW); customs_value = line_customs_value = round(``Item Price`` × 18)
hs_code                  ``HS6 Code`` + ``00``
origin_country           ``Country of Origin``
quantity, unit           ``Net Mass``, ``KGM``; unit_price = ``Item Price`` / ``Net Mass`` (0 when the mass is 0)
import_duty_rate / duty  ``Tax Rate`` / round(customs value × rate / 100)
description              ``kcs:tax_type=…;use=…;payment=…;coi=…`` (Tax Type, Import Use, Payment Type, Country of
                         Origin Indicator, kept for the risk engine)
inspection_result        ``Critical Fraud`` (0 none, 1 fraud, 2 critical fraud)
=======================  ==========================================================================================
``Courier ID`` is not kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _
from stdnum.vn import mst

from .countries import ISO_ALPHA2

COLUMNS = [
    "number", "registered_on", "customs_office", "procedure_type", "flow", "channel", "declarant_tax_code",
    "importer_exporter_tax_code", "partner_name", "partner_country", "transport_mode", "incoterms", "currency",
    "exchange_rate", "invoice_value", "customs_value", "line_no", "hs_code", "description", "origin_country",
    "quantity", "unit", "unit_price", "line_customs_value", "import_duty_rate", "import_duty", "vat_rate", "vat",
    "excise_rate", "excise", "environmental_tax", "trade_remedy_tax", "inspection_result",
]
# Staging columns: the row number, then COLUMNS with `number` split into base + revision.
STAGE_COLUMNS = ["row_no", "base_number", "revision", *COLUMNS[1:]]

KCS_COLUMNS = ["Declaration ID", "Date", "Office ID", "Process Type", "Import Type", "Import Use", "Payment Type",
               "Mode of Transport", "Declarant ID", "Importer ID", "Seller ID", "HS6 Code", "Country of Departure",
               "Country of Origin", "Tax Rate", "Tax Type", "Country of Origin Indicator", "Net Mass", "Item Price",
               "Critical Fraud"]
KRW_TO_VND = Decimal(18)

COUNTRIES = ISO_ALPHA2 | {"ZZ"}
# ASCII digits only: `\d` would take any script's digits, which PostgreSQL's casts refuse
_INT = re.compile(r"-?\d{1,18}", re.ASCII)
_DEC = re.compile(r"-?\d{1,18}(\.\d{1,6})?", re.ASCII)
_HS = re.compile(r"\d{8}", re.ASCII)
_NUMBER = re.compile(r"\d{11}\d", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

INT_FIELDS = ("customs_value", "line_customs_value", "import_duty", "vat", "excise", "environmental_tax",
              "trade_remedy_tax")
DEC_FIELDS = ("exchange_rate", "invoice_value", "quantity", "unit_price", "import_duty_rate", "vat_rate",
              "excise_rate")
_NUMERIC = frozenset(INT_FIELDS + DEC_FIELDS)
MAX_LEN = {"customs_office": 10, "procedure_type": 5, "partner_name": 200, "transport_mode": 2, "incoterms": 3,
           "currency": 3, "description": 500, "unit": 10, "inspection_result": 10}

MESSAGES = {
    "bad_columns": _("The file does not have the expected columns."),
    "bad_encoding": _("This line is not UTF-8 text: save the file as CSV UTF-8 and send it again."),
    "bad_number": _("The declaration number must be 12 digits."),
    "bad_date": _("The date must be written YYYY-MM-DD."),
    "bad_tax_code": _("This tax code is not valid (10 or 13 digits with a correct check digit)."),
    "bad_hs_code": _("The HS code must have 8 digits."),
    "unknown_country": _("Unknown country code (ISO 3166 alpha-2 expected)."),
    "negative_value": _("The value cannot be negative."),
    "bad_value": _("Not a number."),
    "bad_flow": _("The flow must be I (import) or E (export)."),
    "bad_channel": _("The channel must be 1, 2 or 3."),
    "bad_line_no": _("The line number must be between 1 and 999."),
    "too_long": _("The value is too long."),
    "duplicate_line": _("This goods line appears more than once in the file."),
    "revision_conflict": _("This declaration is already loaded at this revision with different goods lines; "
                           "a change must come as an amendment (a higher revision)."),
    "archived": _("This declaration belongs to a month that has been archived; it cannot be loaded again."),
}


class RowValidator:
    """Validates one STQ-layout row (a dict of strings) in one cheap pass; caches tax codes and dates."""

    def __init__(self):
        self._tax_ok: dict[str, bool] = {}
        self._dates: dict[str, bool] = {}

    def tax_ok(self, value: str) -> bool:
        ok = self._tax_ok.get(value)
        if ok is None:
            ok = len(value) in (10, 13) and value.isdigit() and mst.is_valid(value)
            if len(self._tax_ok) > 500_000:
                self._tax_ok.clear()
            self._tax_ok[value] = ok
        return ok

    def date_ok(self, value: str) -> bool:
        ok = self._dates.get(value)
        if ok is None:
            ok = False
            if _DATE.fullmatch(value):
                try:
                    dt.date.fromisoformat(value)
                    ok = True
                except ValueError:
                    pass
            self._dates[value] = ok
        return ok

    def validate(self, row: dict) -> tuple[tuple | None, list[tuple[str, str]]]:
        """(staging values without row_no, []) or (None, [(field, code), ...])."""
        errors = []
        number = row["number"]
        if not _NUMBER.fullmatch(number):
            errors.append(("number", "bad_number"))
        if not self.date_ok(row["registered_on"]):
            errors.append(("registered_on", "bad_date"))
        if row["flow"] not in ("I", "E"):
            errors.append(("flow", "bad_flow"))
        if row["channel"] not in ("1", "2", "3"):
            errors.append(("channel", "bad_channel"))
        for field in ("declarant_tax_code", "importer_exporter_tax_code"):
            if not self.tax_ok(row[field]):
                errors.append((field, "bad_tax_code"))
        if not _HS.fullmatch(row["hs_code"]):
            errors.append(("hs_code", "bad_hs_code"))
        if row["origin_country"] not in COUNTRIES:
            errors.append(("origin_country", "unknown_country"))
        if row["partner_country"] and row["partner_country"] not in COUNTRIES:
            errors.append(("partner_country", "unknown_country"))
        line_no = row["line_no"]
        if not (line_no.isascii() and line_no.isdigit() and len(line_no) <= 3 and int(line_no) >= 1):
            errors.append(("line_no", "bad_line_no"))
        for field in INT_FIELDS:
            value = row[field]
            if not _INT.fullmatch(value):
                errors.append((field, "bad_value"))
            elif value[0] == "-":
                errors.append((field, "negative_value"))
        for field in DEC_FIELDS:
            value = row[field]
            if not _DEC.fullmatch(value):
                errors.append((field, "bad_value"))
            elif value[0] == "-":
                errors.append((field, "negative_value"))
        for field, size in MAX_LEN.items():
            if len(row[field]) > size:
                errors.append((field, "too_long"))
        if errors:
            return None, errors
        return (number[:11], number[11], *(row[c] for c in COLUMNS[1:])), []


def stq_rows(reader):
    """Rows of an STQ-layout file as dicts (missing optional cells read as empty / 0)."""
    header = next(reader, None)
    if header is None or set(COLUMNS) - {h.strip() for h in header}:
        raise ValueError("bad_columns")
    index = [header.index(c) if c in header else None for c in COLUMNS]
    width = len(header)
    numeric = [c in _NUMERIC for c in COLUMNS]
    for cells in reader:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        row = {}
        for c, i, is_num in zip(COLUMNS, index, numeric, strict=True):
            v = cells[i].strip()
            row[c] = (v or "0") if is_num else v
        yield row


def synthetic_tax_code(source_id: str) -> str:
    """A deterministic, valid 10-digit tax code for an identifier of the public dataset: 9 digits taken from
    SHA-1(id) (first two mapped to a province 01–99), then the check digit; the next candidate on an invalid
    prefix."""
    number = int(hashlib.sha1(source_id.encode()).hexdigest(), 16)
    while True:
        province = 1 + number % 99
        seq = (number // 99) % 10_000_000
        nine = f"{province:02d}{seq:07d}"
        candidate = nine + _check_digit(nine)
        if seq and mst.is_valid(candidate):
            return candidate
        number += 1


def _check_digit(nine: str) -> str:
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    total = sum(w * int(d) for w, d in zip(weights, nine, strict=True)) % 11
    return str(10 - total) if total else "X"


def _fmt(value: Decimal, places: str) -> str:
    return str(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def kcs_rows(reader):
    """Rows of the public dataset mapped onto the STQ layout (see the module docstring)."""
    header = next(reader, None)
    if header is None or set(KCS_COLUMNS) - set(header):
        raise ValueError("bad_columns")
    idx = {c: header.index(c) for c in KCS_COLUMNS}
    tax_cache: dict[str, str] = {}

    def tax(source):
        code = tax_cache.get(source)
        if code is None:
            code = tax_cache[source] = synthetic_tax_code(source) if source else ""
        return code

    for cells in reader:
        g = {c: (cells[i].strip() if i < len(cells) else "") for c, i in idx.items()}
        try:
            price = Decimal(g["Item Price"] or "0")
            mass = Decimal(g["Net Mass"] or "0")
            rate = Decimal(g["Tax Rate"] or "0")
            value = int((price * KRW_TO_VND).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            duty = int((Decimal(value) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            money = {"invoice_value": _fmt(price, "0.01"), "quantity": _fmt(mass, "0.001"),
                     "unit_price": _fmt(price / mass, "0.0001") if mass else "0",
                     "import_duty_rate": _fmt(rate, "0.001"), "customs_value": str(value),
                     "line_customs_value": str(value), "import_duty": str(duty)}
        except ArithmeticError:
            money = {"invoice_value": "x", "quantity": "x", "unit_price": "x", "import_duty_rate": "x",
                     "customs_value": "x", "line_customs_value": "x", "import_duty": "x"}
        decl_id = g["Declaration ID"]
        yield {
            "number": ("10" + decl_id.zfill(9) + "0") if decl_id.isdigit() and len(decl_id) <= 9 else decl_id,
            "registered_on": g["Date"],
            "customs_office": g["Office ID"],
            "procedure_type": (g["Process Type"] + g["Import Type"])[:5],
            "flow": "I",
            "channel": "3",
            "declarant_tax_code": tax(g["Declarant ID"]),
            "importer_exporter_tax_code": tax(g["Importer ID"]),
            "partner_name": g["Seller ID"],
            "partner_country": g["Country of Departure"],
            "transport_mode": g["Mode of Transport"][:2],
            "incoterms": "",
            "currency": "KRW",
            "exchange_rate": str(KRW_TO_VND),
            "line_no": "1",
            "hs_code": g["HS6 Code"] + "00" if len(g["HS6 Code"]) == 6 else g["HS6 Code"],
            "description": (f"kcs:tax_type={g['Tax Type']};use={g['Import Use']};payment={g['Payment Type']};"
                            f"coi={g['Country of Origin Indicator']}"),
            "origin_country": g["Country of Origin"],
            "unit": "KGM",
            "vat_rate": "0", "vat": "0", "excise_rate": "0", "excise": "0", "environmental_tax": "0",
            "trade_remedy_tax": "0",
            "inspection_result": g["Critical Fraud"],
            **money,
        }


READERS = {"stq": stq_rows, "kcs": kcs_rows}
