"""Browser: a leader asks for a target list, sees why each enterprise was picked, turns a pick into an information
collection; a risk manager dismisses an alert with a reason; the enterprise page shows the risk section."""

import datetime as dt

import pytest

from stq.enterprises.models import Enterprise
from stq.risk import scoring
from stq.risk.models import Alert
from stq.risk.runner import run_criteria
from tests.collection.factories import areas
from tests.e2e.conftest import screenshot, sign_in
from tests.risk import helpers as h

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_target_list_pick_to_collection_and_alert_inbox(page, live_server, org):
    areas()
    h.load_fixture(org.kv01pt)
    h.all_criteria(org.risk_manager, org.chq)
    run_criteria(as_of=h.AS_OF)
    scoring.assess(dt.date(2025, 12, 1))
    alert = Alert.objects.create(kind="price_outlier", tax_code=h.UNDERPRICER, details={"min_ratio": 0.1},
                         enterprise=Enterprise.objects.get(tax_code=h.UNDERPRICER),
                         declaration_numbers=["100000000010"])

    sign_in(page, live_server, "approver1")
    page.goto(f"{live_server.url}/risk/target-lists/")
    page.select_option("#id_unit", label=str(org.kv01pt))
    page.fill("#id_period", "2026")
    page.fill("#id_capacity", "3")
    page.fill("#id_exploration_share", "0")
    page.get_by_role("button", name="Lập danh sách").click()
    page.wait_for_selector("text=Đã lập danh sách")
    picks = page.get_by_test_id("picks").inner_text()
    assert "xếp hạng 1 theo điểm rủi ro" in picks and "tiêu chí" in picks
    screenshot(page, "risk_target_list")
    page.get_by_test_id("collect-1").click()
    page.wait_for_selector("text=ở dạng dự thảo")
    assert "/collection/" in page.url

    page.context.clear_cookies()
    sign_in(page, live_server, "risk_manager")
    page.goto(f"{live_server.url}/risk/alerts/")
    row = page.get_by_test_id(f"alert-{alert.pk}")
    assert "10% trung vị" in row.inner_text()
    row.locator("input[name=reason]").fill("Hàng khuyến mại, giá hợp lệ")
    row.get_by_role("button", name="Loại bỏ").click()
    page.wait_for_selector("text=Đã loại bỏ cảnh báo")
    alert.refresh_from_db()
    assert alert.state == "dismissed"
    screenshot(page, "risk_alerts")

    page.goto(f"{live_server.url}/enterprises/{h.UNDERPRICER}/")
    section = page.get_by_test_id("risk-section").inner_text()
    assert "PRICE" in section and "Điểm rủi ro" in section
    screenshot(page, "risk_enterprise_section")
