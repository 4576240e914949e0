import io

import pytest
from openpyxl import Workbook

from stq.core.errors import AppError
from stq.enterprises.importer import enterprise_import
from stq.enterprises.models import Enterprise

from .factories import make_tax_code

pytestmark = pytest.mark.django_db


def _csv(rows):
    return ("tax_code,name,employees,managing_unit\n" + "\n".join(",".join(r) for r in rows)).encode()


def test_dry_run_writes_nothing_and_reports_every_bad_row(org):
    good = make_tax_code(1)
    content = _csv([
        [good, "Công ty A", "10", "KV01"],
        ["0100233489", "Công ty B", "", ""],          # bad check digit
        [good, "Công ty A bis", "", ""],               # duplicate in file
        [make_tax_code(2), "", "", ""],                # missing name
        [make_tax_code(3), "Công ty C", "nhiều", "XX"],  # bad number, unknown unit
    ])
    report = enterprise_import(actor=org.risk_manager, content=content, filename="a.csv", dry_run=True)
    assert Enterprise.objects.count() == 0
    got = {(e.row, e.code) for e in report.errors}
    assert got == {(3, "invalid_tax_code"), (4, "duplicate_in_file"), (5, "name_required"),
                   (6, "invalid_number"), (6, "unknown_unit")}
    real = enterprise_import(actor=org.risk_manager, content=content, filename="a.csv", dry_run=False)
    assert not real.ok and Enterprise.objects.count() == 0
    # issue #17 item 5: a refused real run reports what it wrote — nothing (it said created: 2)
    assert (real.created, real.updated, real.unchanged) == (0, 0, 0) and report.created > 0


def test_real_run_is_idempotent_and_xlsx_works(org):
    wb = Workbook()
    ws = wb.active
    ws.append(["Ma so thue", "Ten", "So lao dong"])
    ws.append([make_tax_code(4), "Công ty TNHH Hải Dương", 12])
    ws.append([f"{make_tax_code(4)}-001", "Chi nhánh Hải Dương", None])
    buf = io.BytesIO()
    wb.save(buf)
    content = buf.getvalue()
    first = enterprise_import(actor=org.risk_manager, content=content, filename="a.xlsx", dry_run=False)
    assert (first.created, first.ok) == (2, True)
    head = Enterprise.objects.get(tax_code=make_tax_code(4))
    assert head.employees == 12 and head.branches.count() == 1
    history = Enterprise.history.count()
    again = enterprise_import(actor=org.risk_manager, content=content, filename="a.xlsx", dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Enterprise.history.count() == history


def test_officer_may_not_import(org):
    with pytest.raises(AppError) as exc:
        enterprise_import(actor=org.officer1, content=_csv([]), filename="a.csv", dry_run=True)
    assert exc.value.code == "forbidden"
