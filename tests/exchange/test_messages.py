"""The message layout stq.declaration/1: the same fields as the file layout, the same row rules."""

import json

import pytest

from stq.declarations.layouts import COLUMNS
from stq.exchange import messages
from tests.declarations.helpers import row


def rows_of(*dicts):
    return [[d[c] for c in COLUMNS] for d in dicts]


def test_a_message_carries_the_file_layouts_rows_and_reads_back_to_them():
    rows = rows_of(row(line_no="1"), row(line_no="2", hs_code="85177900", line_customs_value="1000"))
    body = messages.from_rows(rows)
    doc = json.loads(body)
    assert (doc["schema"], doc["version"], doc["number"], len(doc["lines"])) == ("stq.declaration", 1,
                                                                                 "100000000010", 2)
    assert set(doc) - {"schema", "version", "lines"} == set(messages.HEADER_FIELDS)
    assert set(doc["lines"][0]) == set(messages.LINE_FIELDS)
    assert messages.to_rows(body) == rows


def test_json_numbers_are_read_as_written_and_missing_optional_fields_default():
    doc = json.loads(messages.from_rows(rows_of(row())))
    doc["exchange_rate"] = 25400.5  # a JSON number, not a string
    doc["customs_value"] = 2540000
    del doc["lines"][0]["excise"], doc["lines"][0]["description"]
    out = dict(zip(COLUMNS, messages.to_rows(json.dumps(doc).encode())[0], strict=True))
    assert (out["exchange_rate"], out["customs_value"], out["excise"], out["description"]) == \
        ("25400.5", "2540000", "0", "")


@pytest.mark.parametrize(("mutate", "reason"), [
    (lambda d: "not json", "bad_json"),
    (lambda d: [], "bad_json"),
    (lambda d: {**d, "version": 2}, "schema:bad_schema"),
    (lambda d: {k: v for k, v in d.items() if k != "registered_on"}, "registered_on:missing_field"),
    (lambda d: {**d, "lines": []}, "lines:no_lines"),
    (lambda d: {**d, "registered_on": "10/03/2025"}, "registered_on:bad_date"),
    (lambda d: {**d, "importer_exporter_tax_code": "0100233489"}, "importer_exporter_tax_code:bad_tax_code"),
    (lambda d: {**d, "lines": [{**d["lines"][0], "hs_code": "8542"}]}, "hs_code:bad_hs_code"),
    (lambda d: {**d, "lines": [{**d["lines"][0], "vat": "-1"}]}, "vat:negative_value"),
    (lambda d: {**d, "lines": [d["lines"][0], d["lines"][0]]}, "line_no:duplicate_line"),
])
def test_a_malformed_message_names_its_field_and_reason(mutate, reason):
    doc = json.loads(messages.from_rows(rows_of(row())))
    changed = mutate(doc)
    body = changed.encode() if isinstance(changed, str) else json.dumps(changed).encode()
    with pytest.raises(messages.Malformed) as err:
        messages.to_rows(body)
    assert err.value.reason == reason
