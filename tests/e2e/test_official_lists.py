"""Browser (issue 18 items 5 and 8): an officer downloads the audit list as Excel and PDF from the page's buttons and
reads them back (national heading, filters, signatures); a team leader's dashboard draws the overdue chart its form
19 counts, and says "Không có dữ liệu" where a chart has nothing to draw."""

import pytest

from tests.audits.factories import enterprise, opened
from tests.e2e.conftest import screenshot, sign_in
from tests.readback import pdf_text, xlsx_table, xlsx_text
from tests.reports.factories import q1_fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_downloads_the_audit_list_as_official_excel_and_pdf(page, live_server, org):
    desk = opened(org, proposal_kw={"ent": enterprise("0301234562", "Công ty B"), "mode": "desk"}, duration=5)
    sign_in(page, live_server, "officer1")
    page.goto(f"{live_server.url}/audits/?mode=desk")
    screenshot(page, "audits_list_exports")
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    content = open(download.value.path(), "rb").read()
    assert [row[0] for row in xlsx_table(content)[1]] == [desk.number]
    texts = " ".join(xlsx_text(content))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts and "Hình thức: Kiểm tra tại trụ sở cơ quan hải quan" in texts
    with page.expect_download() as download:
        page.get_by_test_id("export-pdf").click()
    assert download.value.suggested_filename.endswith(".pdf")
    text = pdf_text(open(download.value.path(), "rb").read())
    assert desk.number in text and "Độc lập - Tự do - Hạnh phúc" in text and "THỦ TRƯỞNG ĐƠN VỊ" in text
    page.goto(f"{live_server.url}/collection/")
    with page.expect_download() as download:
        page.get_by_test_id("export-pdf").click()
    assert "DANH SÁCH THU THẬP THÔNG TIN" in pdf_text(open(download.value.path(), "rb").read())


def test_team_dashboard_overdue_chart_and_no_data(page, live_server, org):
    q1_fixture(org)
    sign_in(page, live_server, "analyst")
    page.goto(f"{live_server.url}/reports/dashboard/?unit=KV02-PT&period=2026-Q1")
    page.wait_for_selector("body[data-charts-ready='1']")
    assert page.get_by_test_id("chart-overdue").is_visible()  # the team's 2 overdue items, as in its form 19
    screenshot(page, "reports_dashboard_team")
    page.context.clear_cookies()
    sign_in(page, live_server, "leader_kv01")
    page.goto(f"{live_server.url}/reports/dashboard/?unit=KV01-PT&period=2025")
    page.wait_for_selector("body[data-charts-ready='1']")
    assert page.get_by_test_id("chart-amounts-empty").inner_text() == "Không có dữ liệu"
    screenshot(page, "reports_dashboard_empty")
