"""Browser: a risk manager backtests a targeting policy on a past period from the page and reads the result back
(summary against random selection and the criteria alone, per-month table and charts)."""

import pytest

from stq.risk.models import PolicyBacktest
from tests.e2e.conftest import screenshot, sign_in
from tests.risk.test_policy_backtest import planted

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_risk_manager_runs_a_small_backtest_and_reads_the_result(page, live_server, org):
    planted(org)
    sign_in(page, live_server, "risk_manager")
    page.goto(f"{live_server.url}/risk/")
    page.get_by_test_id("risk-nav").get_by_role("link", name="Kiểm nghiệm chính sách").click()
    form = page.get_by_test_id("backtest-form")
    form.locator("#id_period_from").fill("2025-10-01")
    form.locator("#id_period_to").fill("2025-11-30")
    form.get_by_label("price_below_peer_median test").check()
    form.locator("#id_capacity").fill("1")
    form.locator("#id_exploration_share").fill("0")
    form.get_by_role("button", name="Chạy kiểm nghiệm").click()
    page.wait_for_selector("[data-testid=backtest-state]:has-text('Hoàn thành')")
    backtest = PolicyBacktest.objects.get()
    assert page.url.endswith(f"/risk/backtests/{backtest.pk}/")
    summary = page.get_by_test_id("backtest-summary")
    policy_row = summary.get_by_test_id("backtest-row-policy").inner_text()
    assert "Chính sách đã chọn" in policy_row and "100%" in policy_row and "100.000 ₫" in policy_row
    assert "Chỉ theo tiêu chí" in summary.inner_text() and "Chọn ngẫu nhiên (kỳ vọng)" in summary.inner_text()
    months = page.get_by_test_id("backtest-months").inner_text()
    assert "11/2025" in months and "10/2025" in months
    page.wait_for_function("document.body.dataset.backtestChartsReady === '1'")
    assert page.get_by_test_id("backtest-chart-violations").is_visible()
    assert "PRICE" not in page.get_by_test_id("backtest-policy").inner_text()  # names, not codes
    screenshot(page, "risk_backtest")
    page.goto(f"{live_server.url}/risk/backtests/")
    assert "Hoàn thành" in page.get_by_test_id("backtests").inner_text()
