"""The inbound message layout: one declaration with its goods lines, version 1 (``stq.declaration/1``).

A message is a UTF-8 JSON object (``content_type: application/json``) with the **same fields as the file layout**
(``stq.declarations.layouts``: the STQ CSV), the header fields once and the goods lines in ``lines``::

    {"schema": "stq.declaration", "version": 1,
     "number": "100000000010",            12 characters: 11-character base + revision digit
     "registered_on": "2025-03-10", "customs_office": "01B1", "procedure_type": "A11", "flow": "I", "channel": 1,
     "declarant_tax_code": "0314409058", "importer_exporter_tax_code": "0100233488", "partner_name": "…",
     "partner_country": "CN", "transport_mode": "2", "incoterms": "CIF", "currency": "USD",
     "exchange_rate": 25400, "invoice_value": 100.00, "customs_value": 2540000,
     "lines": [{"line_no": 1, "hs_code": "85423100", "description": "IC", "origin_country": "CN",
                "quantity": 10, "unit": "PCE", "unit_price": 10, "line_customs_value": 2540000,
                "import_duty_rate": 0, "import_duty": 0, "vat_rate": 10, "vat": 254000, "excise_rate": 0,
                "excise": 0, "environmental_tax": 0, "trade_remedy_tax": 0, "inspection_result": ""}]}

Numbers may be JSON numbers or strings (read as written: no float rounding); money is integer VND except
``invoice_value`` / ``unit_price``. An **amendment** is a new message with the next revision digit and the whole
declaration (all its lines): the stored declaration is replaced, the earlier revision archived, as for a file.
A message at a revision already stored with the same lines changes nothing (a redelivery); with other lines it
is refused (``revision_conflict``). Properties: ``message_id`` = the number, ``timestamp`` = publication time
(seconds), ``type`` = ``stq.declaration``. A malformed message goes to the dead-letter queue with the header
``x-stq-reason`` (``field:code``; codes of ``layouts.MESSAGES``, plus ``bad_json``, ``bad_schema``,
``missing_field``, ``no_lines``).
"""

from __future__ import annotations

import json

from stq.declarations.layouts import COLUMNS, DEC_FIELDS, INT_FIELDS, RowValidator

SCHEMA = "stq.declaration"
VERSION = 1
HEADER_FIELDS = COLUMNS[:16]  # number … customs_value
LINE_FIELDS = COLUMNS[16:]  # line_no … inspection_result
OPTIONAL = {"partner_name", "partner_country", "incoterms", "description", "inspection_result",
            "excise_rate", "excise", "environmental_tax", "trade_remedy_tax"}
NUMERIC = frozenset(INT_FIELDS + DEC_FIELDS)  # empty reads as 0, as in the file import


class Malformed(ValueError):
    """A message that can never be stored; ``reason`` is ``field:code`` (or ``code``)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise Malformed("bad_value")
    return str(value).strip()


def parse(body: bytes) -> dict:
    """The JSON object of a message (numbers kept as their text)."""
    try:
        doc = json.loads(body, parse_float=str, parse_int=str)
    except (ValueError, UnicodeDecodeError):
        raise Malformed("bad_json") from None
    if not isinstance(doc, dict):
        raise Malformed("bad_json")
    if doc.get("schema") != SCHEMA or str(doc.get("version")) != str(VERSION):
        raise Malformed("schema:bad_schema")
    return doc


def to_rows(body: bytes, validator: RowValidator | None = None, *, validate: bool = True) -> list[list[str]]:
    """The STQ-layout rows (lists in ``COLUMNS`` order) of one message, or ``Malformed``. The structure (JSON,
    schema, fields present, lines) is always checked; the values by the file import's own row rules
    (``RowValidator``) when ``validate`` — the consumer leaves them to the import itself (the same rules, in SQL)
    and maps the rows it refuses back to their messages."""
    doc = parse(body)
    validator = validator or RowValidator()
    header = {}
    for name in HEADER_FIELDS:
        if name not in doc and name not in OPTIONAL:
            raise Malformed(f"{name}:missing_field")
        try:
            header[name] = _text(doc.get(name)) or ("0" if name in NUMERIC else "")
        except Malformed:
            raise Malformed(f"{name}:bad_value") from None
    lines = doc.get("lines")
    if not isinstance(lines, list) or not lines:
        raise Malformed("lines:no_lines")
    rows, seen = [], set()
    for line in lines:
        if not isinstance(line, dict):
            raise Malformed("lines:bad_json")
        row = dict(header)
        for name in LINE_FIELDS:
            if name not in line and name not in OPTIONAL:
                raise Malformed(f"{name}:missing_field")
            try:
                value = _text(line.get(name))
            except Malformed:
                raise Malformed(f"{name}:bad_value") from None
            row[name] = value or ("0" if name in NUMERIC else "")
        if validate:
            _, problems = validator.validate(row)
            if problems:
                field, code = problems[0]
                raise Malformed(f"{field}:{code}")
        if row["line_no"] in seen:
            raise Malformed("line_no:duplicate_line")
        seen.add(row["line_no"])
        rows.append([row[c] for c in COLUMNS])
    return rows


def from_rows(rows: list[list[str]]) -> bytes:
    """A message of one declaration from its STQ-layout rows (the simulator, the tests)."""
    first = dict(zip(COLUMNS, rows[0], strict=True))
    doc = {"schema": SCHEMA, "version": VERSION, **{k: first[k] for k in HEADER_FIELDS}}
    doc["lines"] = [{k: v for k, v in zip(COLUMNS, r, strict=True) if k in LINE_FIELDS} for r in rows]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
