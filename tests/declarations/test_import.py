import csv
import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from stq.core.errors import Forbidden
from stq.declarations.models import (
    ActivityMonth,
    Declaration,
    DeclarationLine,
    DeclarationRevision,
    ImportJob,
    ImportStatus,
)
from stq.declarations.services import import_job_create

from .helpers import TAX_B, TAX_BRANCH, csv_bytes, do_import, row

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "customs-declarations"


def error_rows(job):
    with job.errors_file.open("rb") as fh:
        return list(csv.DictReader(io.TextIOWrapper(fh, encoding="utf-8")))


def test_good_file_is_imported_with_lines_and_totals():
    job = do_import([row(), row(line_no="2", hs_code="54075200", line_customs_value="1000", vat="100"),
                     row(number="100000000020", importer_exporter_tax_code=TAX_BRANCH, flow="E")])
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert (job.declarations_new, job.lines_written, job.errors_count) == (2, 3, 0)
    d = Declaration.objects.get(base_number="10000000001")
    assert d.revision == 0 and d.number == "100000000010"
    assert d.line_count == 2 and d.total_tax == 254100
    assert list(d.lines.values_list("hs_code", flat=True).order_by("line_no")) == ["85423100", "54075200"]


def test_bad_file_reports_every_row_error_and_writes_nothing():
    rows = [
        row(),
        row(line_no="2", importer_exporter_tax_code="0100233489"),   # wrong check digit
        row(line_no="3", hs_code="854231"),                          # 6 digits
        row(line_no="4", customs_value="-5"),                        # negative
        row(line_no="5", origin_country="QQ"),                       # unknown country
        row(line_no="1"),                                            # duplicate of row 2
    ]
    job = do_import(rows)
    assert job.status == ImportStatus.FAILED
    assert job.errors_count == 5
    errs = error_rows(job)
    got = {(e["row"], e["field"], e["code"]) for e in errs}
    assert got == {("3", "importer_exporter_tax_code", "bad_tax_code"), ("4", "hs_code", "bad_hs_code"),
                   ("5", "customs_value", "negative_value"), ("6", "origin_country", "unknown_country"),
                   ("7", "line_no", "duplicate_line")}
    assert not Declaration.objects.exists() and not DeclarationLine.objects.exists()
    assert not ActivityMonth.objects.exists()


def test_dry_run_validates_and_writes_nothing():
    job = do_import([row()], dry_run=True)
    assert job.status == ImportStatus.VALIDATED and job.errors_count == 0 and job.rows_done == 1
    assert not Declaration.objects.exists()
    bad = do_import([row(declarant_tax_code="123")], dry_run=True)
    assert bad.errors_count == 1 and error_rows(bad)[0]["code"] == "bad_tax_code"


def test_wrong_columns_refused():
    job = do_import(b"a,b\n1,2\n")
    assert job.status == ImportStatus.FAILED and error_rows(job)[0]["code"] == "bad_columns"
    assert not Declaration.objects.exists()


def test_reimport_same_file_is_a_noop():
    rows = [row(), row(line_no="2")]
    first = do_import(rows)
    again = do_import(rows)
    assert again.status == ImportStatus.SKIPPED and again.duplicate_of == first
    assert Declaration.objects.count() == 1 and DeclarationLine.objects.count() == 2
    # Same content under another checksum (different column order is not needed: a renamed partner) changes nothing
    third = do_import(rows + [row(number="100000000030")])
    assert third.status == ImportStatus.SUCCEEDED and third.declarations_new == 1
    assert DeclarationLine.objects.count() == 3
    assert not DeclarationRevision.objects.exists()


def test_amended_revision_replaces_predecessor_and_keeps_history():
    do_import([row(), row(line_no="2")])
    job = do_import([row(number="100000000011", customs_value="999", line_customs_value="999",
                         registered_on="2025-04-02")])
    assert job.status == ImportStatus.SUCCEEDED and job.declarations_replaced == 1 and job.declarations_new == 0
    d = Declaration.objects.get()
    assert d.revision == 1 and d.customs_value == 999 and d.line_count == 1
    assert list(d.lines.values_list("customs_value", flat=True)) == [999]
    old = DeclarationRevision.objects.get()
    assert old.revision == 0 and old.header["customs_value"] == 2540000 and len(old.lines) == 2
    # an older revision arriving late changes nothing
    late = do_import([row(number="100000000010", customs_value="1")])
    assert late.status == ImportStatus.SUCCEEDED
    assert Declaration.objects.get().revision == 1 and DeclarationRevision.objects.count() == 1
    # the profile moved from March to April
    assert not ActivityMonth.objects.filter(month="2025-03-01").exists()
    assert ActivityMonth.objects.get(month="2025-04-01").value == 999


def test_only_risk_managers_import(org):
    with pytest.raises(Forbidden) as exc:
        import_job_create(actor=org.analyst, file=None)
    assert exc.value.code == "forbidden"
    assert not ImportJob.objects.exists()
    job = do_import([row()], actor=org.risk_manager)
    assert job.status == ImportStatus.SUCCEEDED and job.created_by == org.risk_manager


@pytest.mark.skipif(not (DATA / "df_syn_valid_eng.csv").exists(), reason="shared dataset ../shared/data absent")
def test_kcs_adapter_loads_a_slice_of_the_public_dataset():
    with (DATA / "df_syn_valid_eng.csv").open("rb") as fh:
        head = b"".join(next(fh) for _ in range(301))
    job = do_import(head, fmt="kcs")
    assert job.status == ImportStatus.SUCCEEDED, (job.message, job.errors_count)
    assert job.rows_done == 300 and Declaration.objects.count() == 300 and DeclarationLine.objects.count() == 300
    first = next(csv.DictReader(io.StringIO(head.decode())))
    d = Declaration.objects.get(base_number="10" + first["Declaration ID"].zfill(9))
    line = d.lines.get()
    assert line.hs_code == first["HS6 Code"] + "00"
    assert line.origin_country == first["Country of Origin"]
    assert d.registered_on.isoformat() == first["Date"]
    assert line.inspection_result == first["Critical Fraud"]
    assert len(d.importer_exporter_tax_code) == 10 and d.importer_exporter_tax_code != TAX_B


def test_duplicate_line_in_a_lower_revision_is_reported():
    """The duplicate check reads the header table's flag, which covers every revision of the file."""
    rows = [row(number="100000000010"), row(number="100000000010", line_no="2"),
            row(number="100000000010", line_no="2", hs_code="54075200"),
            row(number="100000000011")]
    job = do_import(rows)
    assert job.status == ImportStatus.FAILED and job.errors_count == 1
    listed = job.errors_file.open("rb").read().decode().splitlines()
    assert listed[1].startswith("4,100000000010,2,line_no,duplicate_line,")  # in revision 0, which 1 replaces
    assert not Declaration.objects.exists()


def test_rows_are_counted_with_the_checksum_at_creation():
    data = csv_bytes([row(), row(line_no="2"), row(number="100000000020")])
    for content in (data, data.rstrip(b"\r\n")):  # with and without a final newline
        job = import_job_create(actor=None, file=ContentFile(content, name="f.csv"), enqueue=False, dry_run=True)
        assert job.rows_total == 3
