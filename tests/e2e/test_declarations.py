"""Browser: search declarations by tax code and date, open one, import files (errors, then live progress)."""

import pytest

from stq.declarations import importer, sql_validation
from stq.declarations.models import Declaration, ImportJob
from tests.declarations.helpers import TAX_A, TAX_B, csv_bytes, do_import, row
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def upload(page, live_server, name: str, data: bytes) -> ImportJob:
    page.goto(f"{live_server.url}/declarations/imports/")
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.get_by_test_id("import-form").locator("button").click()
    page.wait_for_url("**/declarations/imports/*/")
    assert page.get_by_test_id("job-status").inner_text() == "Đang chờ"  # queued for the background worker
    return ImportJob.objects.latest("id")


def test_search_open_and_import_with_errors_and_progress(page, live_server, org, monkeypatch, settings):
    # uploads stay queued; the test then does what the background worker does, so the page can be watched
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    do_import([row(), row(line_no="2", hs_code="54075200", description="Vải dệt thoi"),
               row(number="100000000020", registered_on="2025-05-20"),
               row(number="100000000030", importer_exporter_tax_code=TAX_B)])
    sign_in(page, live_server, "risk_manager")

    # search by tax code and date range
    page.goto(f"{live_server.url}/declarations/")
    page.fill("#id_tax_code", TAX_A)
    page.fill("#id_date_from", "2025-03-01")
    page.fill("#id_date_to", "2025-03-31")
    page.get_by_test_id("search-form").locator("button").click()
    found = page.get_by_test_id("declarations-table").inner_text()
    assert "100000000010" in found and "100000000020" not in found and "100000000030" not in found
    screenshot(page, "declarations_search")

    # open the declaration
    page.get_by_role("link", name="100000000010").click()
    page.wait_for_url("**/declarations/100000000010/")
    assert page.get_by_test_id("number").inner_text() == "100000000010"
    lines = page.get_by_test_id("lines").inner_text()
    assert "85423100" in lines and "54075200" in lines and "Vải dệt thoi" in lines

    # a file with errors: refused, nothing written, the errors CSV downloads
    job = upload(page, live_server, "loi.csv", csv_bytes([row(number="100000000040"),
                                                          row(number="100000000050", hs_code="8542")]))
    importer.run_import(job)  # what the background worker does
    page.wait_for_selector("[data-testid=errors-csv]")  # the page polls (htmx) and shows the outcome
    assert page.get_by_test_id("job-status").inner_text() == "Bị từ chối: tệp có lỗi"
    with page.expect_download() as download:
        page.get_by_test_id("errors-csv").click()
    with open(download.value.path(), encoding="utf-8") as fh:
        errors = fh.read()
    assert "100000000050" in errors and "bad_hs_code" in errors
    assert not Declaration.objects.filter(base_number="10000000004").exists()
    screenshot(page, "declarations_import_errors")

    # a good file: the progress bar moves while the rows are copied, then the summary
    monkeypatch.setattr(sql_validation, "COPY_CHUNK_BYTES", 700)  # a few rows per chunk
    rows = [row(number=f"2{i:010d}0", registered_on="2025-06-02") for i in range(1, 25)]
    job = upload(page, live_server, "tot.csv", csv_bytes(rows))
    seen = []

    def watch(j):
        if not seen and j.rows_done < j.rows_total:
            seen.append(j.percent)
            page.wait_for_selector(f"[data-testid=import-progress] [aria-valuenow='{j.percent}']")

    importer.run_import(job, progress=watch)
    assert seen and 0 < seen[0] < 100
    page.wait_for_selector("[data-testid=import-progress] [aria-valuenow='100']")
    page.wait_for_selector("text=Đã nhập")
    assert "24 / 24 dòng" in page.get_by_test_id("import-progress").inner_text()
    assert Declaration.objects.filter(registered_on="2025-06-02").count() == 24
    screenshot(page, "declarations_import_done")
