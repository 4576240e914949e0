"""The PostgreSQL fast path (raw COPY + validation in SQL) against the Python path, and the same-revision rule."""

import csv
import io

import pytest
from django.db import connection

from stq.declarations import importer, sql_validation
from stq.declarations.layouts import COLUMNS, RowValidator
from stq.declarations.models import ActivityMonth, Declaration, DeclarationLine, ImportStatus

from .helpers import TAX_A, csv_bytes, do_import, row

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path is PostgreSQL only")


def error_rows(job):
    if not job.errors_file:
        return []
    with job.errors_file.open("rb") as fh:
        return [(e["row"], e["number"], e["line_no"], e["field"], e["code"])
                for e in csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8"))]


def nasty_rows():
    """Every check failing at least once, several errors on one row, and rows that are valid only once trimmed."""
    return [
        row(),
        row(line_no="2", importer_exporter_tax_code="0100233489", declarant_tax_code="12345"),
        row(line_no="3", hs_code="854231", origin_country="QQ", partner_country="XX"),
        row(line_no="4", customs_value="-5", vat="1.5", quantity="-2.5", unit_price="1.1234567", excise="x"),
        row(line_no="5", registered_on="2025-02-30", flow="X", channel="4"),
        row(line_no="0", number="10000000001", exchange_rate="12.", invoice_value=".5"),
        row(line_no="7", registered_on="2025-13-01", partner_name="p" * 201, unit="U" * 11),
        row(line_no="8", number="100000000020", partner_country="", import_duty=" 7 ", vat="",
            partner_name="  Padded Co  ", hs_code=" 85423100"),                      # valid once trimmed
        row(line_no="9", number="100000000020", declarant_tax_code="0100000000", registered_on="0000-01-01"),
        row(line_no="1"),                                                            # duplicate of row 2
        # digits to Python's str.isdigit and \d, not to PostgreSQL's casts: "²" was a ValueError (int("²")), 5,000
        # digits too (Python converts at most 4,300), and Arabic-Indic or full-width digits passed the Python checks
        row(line_no="²", number="100000000030"),
        row(line_no="9" * 5000, number="100000000040"),
        row(line_no="10", number="100000000050", import_duty="١٢", hs_code="８５４２３１００"),
    ]


@postgres_only
def test_sql_path_reports_exactly_what_the_python_path_reports(monkeypatch):
    sql_job = do_import(nasty_rows(), dry_run=True)
    monkeypatch.setattr(importer, "SQL_VALIDATION", False)
    py_job = do_import(nasty_rows(), dry_run=True)
    assert sql_job.status == py_job.status == ImportStatus.FAILED
    assert error_rows(sql_job) == error_rows(py_job)
    assert sql_job.errors_count == py_job.errors_count == len(error_rows(py_job))
    codes = {e[4] for e in error_rows(sql_job)}
    assert codes == {"bad_tax_code", "bad_hs_code", "unknown_country", "negative_value", "bad_value", "bad_date",
                     "bad_flow", "bad_channel", "bad_number", "bad_line_no", "too_long", "duplicate_line"}
    assert not [e for e in error_rows(sql_job) if e[0] == "9"]  # row 9 is valid once trimmed
    assert not Declaration.objects.exists()


@postgres_only
def test_sql_path_stores_trimmed_values_like_the_python_path(monkeypatch):
    rows = [row(partner_name="  Padded Co  ", import_duty=" 7 ", vat="", hs_code=" 85423100", partner_country="")]
    assert do_import(rows).status == ImportStatus.SUCCEEDED
    sql = list(DeclarationLine.objects.values("hs_code", "import_duty", "vat", "declaration__partner_name",
                                              "declaration__partner_country"))
    Declaration.objects.all().delete()
    ActivityMonth.objects.all().delete()
    monkeypatch.setattr(importer, "SQL_VALIDATION", False)
    assert do_import(rows, name="again.csv").status == ImportStatus.SKIPPED  # same checksum: refused earlier
    assert do_import(rows + [row(number="100000000990")]).status == ImportStatus.SUCCEEDED
    py = list(DeclarationLine.objects.filter(declaration__base_number="10000000001").values(
        "hs_code", "import_duty", "vat", "declaration__partner_name", "declaration__partner_country"))
    assert sql == py == [{"hs_code": "85423100", "import_duty": 7, "vat": 0, "declaration__partner_name": "Padded Co",
                          "declaration__partner_country": ""}]


def test_sql_tax_code_and_date_checks_agree_with_python():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    validator = RowValidator()
    codes = ["0100233488", "0100233489", "0314409058", "0314409058002", "0314409058000", "0100000000", "123",
             "01002334880", "010023348X", "8000000001", "0300000000", "0101234567", "abcdefghij", ""]
    codes += [f"01{i:07d}{d}" for i in range(5000, 5050) for d in range(10)]
    dates = ["2025-02-28", "2025-02-29", "2024-02-29", "2025-04-31", "2025-12-31", "2025-00-10", "0000-01-01",
             "0001-01-01", "9999-12-31", "2025-1-01", "2025/01/01", "20250101xx", ""]
    tax_sql = sql_validation.tax_code_ok_sql("v").replace("%", "%%")
    date_sql = sql_validation.date_ok_sql("v").replace("%", "%%")
    with connection.cursor() as c:
        for value in codes:
            c.execute(f"SELECT {tax_sql} FROM (SELECT %s::text AS v) x", [value])
            assert c.fetchone()[0] is validator.tax_ok(value), value
        for value in dates:
            c.execute(f"SELECT {date_sql} FROM (SELECT %s::text AS v) x", [value])
            assert c.fetchone()[0] is validator.date_ok(value), value


@postgres_only
def test_malformed_csv_row_is_reported_with_its_row_number():
    good = csv_bytes([row(), row(line_no="2")])
    bad = good + b"100000000010,2025-03-10,too,few,cells\n"
    job = do_import(bad)
    assert job.status == ImportStatus.FAILED
    assert error_rows(job) == [("4", "", "", "", "bad_columns")]
    assert not Declaration.objects.exists()


def test_record_chunks_never_cut_inside_a_quoted_cell():
    header = ",".join(COLUMNS).encode() + b"\n"
    body = b"".join(f'{i},"multi\nline ""{i}"" cell",x\n'.encode() for i in range(2000))
    chunks = list(sql_validation.record_chunks(io.BytesIO(body), size=1000))
    assert len(chunks) > 10 and b"".join(chunks) == body
    for chunk in chunks:
        assert chunk.endswith(b"\n") and chunk.count(b'"') % 2 == 0
        assert len(list(csv.reader(io.StringIO(chunk.decode())))) == chunk.count(b"\n") // 2
    assert sql_validation.read_header(io.BytesIO(b"\xef\xbb\xbf" + header + body))[0] == COLUMNS


@postgres_only
def test_progress_is_reported_per_copied_chunk(monkeypatch):
    monkeypatch.setattr(sql_validation, "COPY_CHUNK_BYTES", 2000)
    seen = []
    rows = [row(number=f"1{i:010d}0") for i in range(1, 101)]
    from django.core.files.base import ContentFile

    from stq.declarations.services import import_job_create

    job = import_job_create(actor=None, file=ContentFile(csv_bytes(rows), name="p.csv"), enqueue=False)
    job = importer.run_import(job, progress=lambda j: seen.append(j.rows_done))
    assert job.status == ImportStatus.SUCCEEDED and job.rows_done == job.rows_total == 100
    assert len(seen) > 3 and seen == sorted(seen) and seen[-1] == 100


# --- same revision, different content ---------------------------------------------------------------------------

def test_same_revision_with_extra_lines_is_refused_and_nothing_changes():
    assert do_import([row(), row(line_no="2")]).status == ImportStatus.SUCCEEDED
    job = do_import([row(), row(line_no="2"), row(line_no="3", hs_code="54075200"),
                     row(number="100000000020")])
    assert job.status == ImportStatus.FAILED and job.errors_count == 1
    assert error_rows(job) == [("2", "100000000010", "", "number", "revision_conflict")]
    d = Declaration.objects.get(base_number="10000000001")
    assert d.line_count == 2 == d.lines.count()
    assert not Declaration.objects.filter(base_number="10000000002").exists()  # all or nothing


def test_same_revision_with_missing_or_changed_lines_is_refused():
    do_import([row(), row(line_no="2")])
    missing = do_import([row()])
    changed = do_import([row(), row(line_no="2", vat="1")])
    assert [e[4] for e in error_rows(missing)] == [e[4] for e in error_rows(changed)] == ["revision_conflict"]
    assert DeclarationLine.objects.count() == 2 and Declaration.objects.get().line_count == 2


def test_same_revision_with_identical_lines_is_a_noop_and_an_amendment_still_replaces():
    do_import([row(), row(line_no="2")])
    same = do_import([row(line_no="2"), row(), row(number="100000000020")])  # another order, one new declaration
    assert same.status == ImportStatus.SUCCEEDED and same.declarations_new == 1
    amended = do_import([row(number="100000000011"), row(number="100000000011", line_no="2"),
                         row(number="100000000011", line_no="3")])
    assert amended.status == ImportStatus.SUCCEEDED and amended.declarations_replaced == 1
    d = Declaration.objects.get(base_number="10000000001")
    assert (d.revision, d.line_count, d.lines.count()) == (1, 3, 3)
    assert ActivityMonth.objects.get(tax_code=TAX_A, flow="I").lines == 4


@postgres_only
def test_non_utf8_line_after_the_first_64_kib_is_named_with_its_line():
    """Issue #17 item 5: non-UTF-8 bytes after the first 64 KiB were reported as "bad_columns"."""
    good = csv_bytes([row(number=f"1000000{i:05d}") for i in range(1, 700)])
    assert len(good) > 64 * 1024
    lines = good.count(b"\n")
    bad = good + b"100000099999,2025-03-10,C\xf4ng ty\n"  # a Latin-1 byte: not UTF-8
    job = do_import(bad)
    assert job.status == ImportStatus.FAILED
    assert error_rows(job) == [(str(lines + 1), "", "", "", "bad_encoding")]
    assert not Declaration.objects.exists()
