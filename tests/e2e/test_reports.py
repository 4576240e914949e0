"""Browser: the national form 19 for a quarter, a figure's records, reconciliation by the team officer, and the
leaders' dashboard with its charts (drawn from json_script data by a static file: no inline script)."""

import pytest

from stq.reports.models import Reconciliation
from tests.e2e.conftest import screenshot, sign_in
from tests.reports.factories import q1_fixture

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_national_report_drill_down_and_dashboard(page, live_server, org):
    q1 = q1_fixture(org)
    sign_in(page, live_server, "analyst")
    page.goto(f"{live_server.url}/reports/")
    page.fill("#id_period", "2026-Q1")
    page.get_by_test_id("apply-filters").click()
    table = page.get_by_test_id("table-A-period")
    assert "Mẫu 19" in page.get_by_test_id("report-title").inner_text()
    total = table.locator("tr[data-row=total]")
    assert "160.000.000" in total.inner_text() and "66,7" in total.inner_text()
    screenshot(page, "reports_form19")
    table.locator("tr[data-row='unit:KV01'] td[data-col=tax_assessed] a").click()
    page.wait_for_selector("[data-testid=drill-records]")
    assert q1.a.number in page.get_by_test_id("drill-records").inner_text()
    page.goto(f"{live_server.url}/reports/dashboard/?unit=CHQ&period=2026")
    page.wait_for_selector("body[data-charts-ready='1']")
    assert page.get_by_test_id("chart-amounts").is_visible()
    screenshot(page, "reports_dashboard")


def test_team_officer_reconciles(page, live_server, org):
    q1_fixture(org)
    sign_in(page, live_server, "officer1")
    page.goto(f"{live_server.url}/reports/form-19/?unit=KV01-PT&period=2026-Q1")
    assert page.get_by_test_id("not-reconciled").is_visible()
    page.get_by_test_id("confirm-reconciled").click()
    page.wait_for_selector("[data-testid=matches]")
    assert "Đã ghi nhận số liệu được đối chiếu" in page.content()
    screenshot(page, "reports_reconciled")
    rec = Reconciliation.objects.get()
    assert rec.confirmed_by == org.officer1 and rec.unit == org.kv01pt
