"""In Chromium, in Vietnamese: officer1 proposes an information collection, approver1 approves it, officer1
records the results and submits the report, approver1 closes it with an opinion."""

import pytest

from stq.collection.models import InfoCollection
from stq.core.reference import ensure_risk_areas
from tests.collection.factories import enterprise
from tests.e2e.conftest import act, screenshot, sign_in, switch_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



def fill_results(page):
    """Record a result for the VALUATION and ORIGIN risk areas on the collection page and save them."""
    page.click("[data-testid=record-results]")
    for code in ("VALUATION", "ORIGIN"):
        block = page.locator(f"[data-testid=result-{code}]")
        block.locator("textarea").fill(f"Chênh lệch về {code.lower()} trên 12 tờ khai.")
        block.locator("input[type=number]").fill("150000000")
        block.locator("select").select_option("desk_audit")
    page.click("button:has-text('Lưu kết quả')")
    page.wait_for_selector("text=Đã lưu kết quả")

def test_officer_proposes_approver_approves_officer_reports_approver_closes(org, live_server, page):
    ensure_risk_areas()
    enterprise(name="Công ty TNHH Thương mại Sao Mai")
    sign_in(page, live_server, "officer1")
    page.click("nav >> text=Thu thập thông tin")
    page.wait_for_selector("[data-testid=empty]")
    page.click("[data-testid=new-proposal]")
    page.fill("#id_enterprise", "0100109106")
    page.fill("#id_signs", "Trị giá khai báo thấp hơn 30% so với cơ sở dữ liệu giá.")
    page.check("label:has-text('Trị giá hải quan') >> input")
    page.check("label:has-text('Xuất xứ hàng hóa') >> input")
    page.check("label:has-text('Văn bản yêu cầu người khai hải quan') >> input")
    page.fill("#id_addressee", "Giám đốc Công ty TNHH Thương mại Sao Mai")
    page.fill("#id_planned_start", "2026-03-02")
    page.fill("#id_planned_end", "2026-03-01")
    page.click("button:has-text('Lưu dự thảo')")
    assert "Ngày kết thúc dự kiến không được trước ngày bắt đầu dự kiến" in page.inner_text(
        "[data-testid=error-planned_end]")  # server-side validation, beside the field
    page.fill("#id_planned_end", "2026-03-20")
    page.click("button:has-text('Lưu dự thảo')")
    page.wait_for_selector("text=Đã lưu dự thảo đề xuất")
    assert page.inner_text("[data-testid=state]") == "Dự thảo"
    screenshot(page, "collection-draft-vi")
    act(page, "submit")
    assert page.inner_text("[data-testid=state]") == "Đã trình, chờ phê duyệt"
    case = InfoCollection.objects.get()

    switch_user(page, live_server, "approver1")
    page.click(f"text={case.number}")  # from "my work"
    screenshot(page, "collection-approve-vi")
    act(page, "approve")
    assert page.inner_text("[data-testid=state]") == "Đã duyệt, đang thu thập"

    switch_user(page, live_server, "officer1")
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    fill_results(page)
    assert "150.000.000 ₫" in page.inner_text("[data-testid=results]")
    act(page, "record_results")
    act(page, "submit_report")
    assert page.inner_text("[data-testid=state]") == "Đã trình báo cáo"

    switch_user(page, live_server, "approver1")
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.locator("[data-testid=action-close] button").click()  # without an opinion: refused beside the note
    assert page.inner_text("[data-testid=action-error]").strip()
    assert page.inner_text("[data-testid=state]") == "Đã trình báo cáo"
    act(page, "close", "Đồng ý; đề xuất KTSTQ tại trụ sở cơ quan hải quan.")
    assert page.inner_text("[data-testid=state]") == "Đã kết thúc"
    timeline = page.inner_text("[data-testid=timeline]")
    for label in ("Trình phê duyệt", "Phê duyệt", "Trình báo cáo", "Phê duyệt báo cáo và kết thúc"):
        assert label in timeline
    screenshot(page, "collection-closed-vi")
    case.refresh_from_db()
    assert case.state == "closed" and case.leader_opinion.startswith("Đồng ý")
