"""In Chromium, in Vietnamese, the whole journey of one enterprise through one unit (KV01-PT): officer1 searches the
enterprise in the directory, proposes an information collection (approver1 approves, officer1 records the results
and the report, approver1 closes it); officer1 then proposes a field audit and sees the duplicate warning from another
unit (KV02-PT has an open information collection on the same enterprise); approver1 approves with a reason; officer1
records the decision, the steps and the conclusion; approver1 approves the conclusion; officer1 records the penalty,
the payment and a complaint with its decision; form 19 shows the amounts assessed and collected for the unit."""

from datetime import timedelta

import pytest
from django.urls import reverse

from stq.audits.models import AuditCase, AuditProposal
from stq.collection.models import InfoCollection
from stq.core import calendar
from tests.audits.factories import areas, enterprise, past_working_day, today
from tests.collection import factories as collection
from tests.e2e.conftest import act, screenshot, sign_in, switch_user
from tests.e2e.test_audit_field_path import record_conclusion
from tests.e2e.test_collection_flow import fill_results

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NAME = "Công ty TNHH Thương mại Sao Mai"
TAX_CODE = "0100109106"


def other_unit_open_collection(org, ent):
    """KV02-PT's approved (open) information collection on the same enterprise, set up through the services."""
    other = collection.proposal(org.officer2, org.kv02pt, ent, planned_start=today(),
                                planned_end=today() + timedelta(days=20))
    other = collection.act(org.officer2, other, "submit")
    return collection.act(org.approver2, other, "approve")


def search_enterprise(page, url):
    page.goto(f"{url}/enterprises/")
    page.get_by_test_id("search-input").fill("sao mai")
    page.get_by_test_id("search-button").click()
    assert "1 doanh nghiệp" in page.content()
    page.get_by_role("link", name=NAME).click()
    page.wait_for_url(f"**/enterprises/{TAX_CODE}/")
    assert page.get_by_test_id("enterprise-name").inner_text() == NAME
    screenshot(page, "journey-01-enterprise-vi")


def information_collection(page, live_server, org):
    url = live_server.url
    page.click("nav >> text=Thu thập thông tin")
    page.click("[data-testid=new-proposal]")
    page.fill("#id_enterprise", TAX_CODE)
    page.fill("#id_signs", "Trị giá khai báo thấp hơn 30% so với cơ sở dữ liệu giá.")
    page.check("label:has-text('Trị giá hải quan') >> input")
    page.check("label:has-text('Xuất xứ hàng hóa') >> input")
    page.check("label:has-text('Văn bản yêu cầu người khai hải quan') >> input")
    page.fill("#id_addressee", f"Giám đốc {NAME}")
    page.fill("#id_planned_start", str(today()))
    page.fill("#id_planned_end", str(today() + timedelta(days=15)))
    page.click("button:has-text('Lưu dự thảo')")
    page.wait_for_selector("text=Đã lưu dự thảo đề xuất")
    act(page, "submit")
    assert page.inner_text("[data-testid=state]") == "Đã trình, chờ phê duyệt"
    case = InfoCollection.objects.get(unit=org.kv01pt)

    switch_user(page, live_server, "approver1")
    page.goto(f"{url}{case.get_absolute_url()}")
    act(page, "approve", "Đồng ý thu thập thông tin.")  # a reason: KV02-PT's collection is open too
    assert page.inner_text("[data-testid=state]") == "Đã duyệt, đang thu thập"

    switch_user(page, live_server, "officer1")
    page.goto(f"{url}{case.get_absolute_url()}")
    fill_results(page)
    act(page, "record_results")
    act(page, "submit_report")
    assert page.inner_text("[data-testid=state]") == "Đã trình báo cáo"

    switch_user(page, live_server, "approver1")
    page.goto(f"{url}{case.get_absolute_url()}")
    act(page, "close", "Đồng ý; đề xuất KTSTQ tại trụ sở người khai hải quan.")
    assert page.inner_text("[data-testid=state]") == "Đã kết thúc"
    screenshot(page, "journey-02-collection-closed-vi")


def field_audit_proposal(page, live_server, valuation, origin):
    url = live_server.url
    switch_user(page, live_server, "officer1")
    page.goto(f"{url}/audits/")
    page.click("[data-testid=new-proposal]")
    page.fill("#id_q", TAX_CODE)
    page.click("[data-testid=search] button")
    duplicates = page.inner_text("[data-testid=duplicates]")
    assert "KV02-PT" in duplicates and "KV01-PT" not in duplicates  # the other unit's open collection only
    page.click(f"[data-testid=propose-{TAX_CODE}]")
    assert "Hồ sơ đang mở đối với doanh nghiệp này" in page.inner_text("[data-testid=duplicate-warning]")
    page.check("input[name=mode][value=field]")
    page.check("input[name=ground][value='78.2']")
    page.check(f"input[name=risk_areas][value='{valuation.pk}']")
    page.check(f"input[name=risk_areas][value='{origin.pk}']")
    page.fill("#id_period_from", str(today() - timedelta(days=2 * 365)))
    page.fill("#id_period_to", str(today() - timedelta(days=30)))
    page.fill("#id_declaration_numbers", "101234567890")
    page.fill("#id_reason", "Kết quả thu thập thông tin: trị giá khai báo thấp hơn cơ sở dữ liệu giá.")
    page.fill("#id_planned_start", str(today() + timedelta(days=20)))
    page.fill("#id_paper_approved_on", str(today()))
    page.click("[data-testid=save]")
    page.wait_for_selector("text=Đã lưu dự thảo")
    act(page, "submit")
    warning = page.inner_text("[data-testid=duplicate-warning]")
    assert "Cảnh báo trùng" in warning and "KV02-PT" in warning
    screenshot(page, "journey-03-duplicate-warning-vi")
    proposal = AuditProposal.objects.get()
    assert proposal.duplicate_warning

    switch_user(page, live_server, "approver1")
    page.goto(f"{url}{proposal.get_absolute_url()}")
    act(page, "approve", ok=False)  # a duplicate warning stands: the leader must give a reason
    act(page, "approve", "Thu thập thông tin của KV02 không trùng nội dung; đồng ý kiểm tra.")
    assert page.inner_text("[data-testid=state]") == "Đã phê duyệt"
    return proposal


def field_audit_case(page, live_server, proposal, valuation, origin):
    url = live_server.url
    switch_user(page, live_server, "officer1")
    page.goto(f"{url}{proposal.get_absolute_url()}")
    page.click("[data-testid=open-case]")
    signed = past_working_day(40)
    start = calendar.add_working_days(signed, 6)
    page.fill("#id_number", "125/QĐ-KTSTQ")
    page.fill("#id_signed_on", str(signed))
    page.fill("#id_signer_name", "Trần Văn Ký")
    page.fill("#id_signer_title", "Chi cục trưởng")
    page.fill("#id_team_leader", "Lê Minh Tâm")
    page.fill("#id_start_on", str(start))
    page.fill("#id_duration_working_days", "8")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=awaiting-approval]")  # recorded, not in effect yet (letter 7301 §1.3)
    assert page.inner_text("[data-testid=state]") == "Đã ký quyết định"
    case_url = page.url
    switch_user(page, live_server, "approver1")  # a leader approves the audit decision: it takes effect
    page.goto(case_url)
    act(page, "approve_decision")
    switch_user(page, live_server, "officer1")
    page.goto(case_url)
    page.wait_for_selector("[data-testid=action-deliver]")
    act(page, "deliver", delivered_on=calendar.add_working_days(signed, 1))
    act(page, "start", started_on=start)
    end = calendar.add_working_days(start, 5)
    act(page, "end", ended_on=end)
    act(page, "sign_minutes", minutes_signed_on=end + timedelta(days=2))
    act(page, "send_draft", draft_sent_on=end + timedelta(days=4))
    act(page, "receive_explanation", explanation_on=end + timedelta(days=8))

    record_conclusion(page, end, valuation, origin)
    assert page.inner_text("[data-testid=state]") == "Đã kết luận"
    case = AuditCase.objects.get()

    switch_user(page, live_server, "approver1")
    page.goto(f"{url}{case.get_absolute_url()}")
    act(page, "approve_conclusion")
    assert page.get_by_test_id("conclusion-approved").is_visible()
    assert page.inner_text("[data-testid=fig-assessed]").replace(".", "").startswith("135000000")
    screenshot(page, "journey-04-conclusion-approved-vi")
    return case


def handling(page, live_server, case):
    switch_user(page, live_server, "officer1")
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.click("[data-testid=add-penalty]")
    page.fill("#id_number", "7/QĐ-XPHC")
    page.fill("#id_issued_on", str(today()))
    page.fill("#id_legal_article", "Điều 9 Nghị định 128/2020/NĐ-CP")
    page.fill("#id_amount", "26400000")
    page.click("[data-testid=save]")
    page.wait_for_selector("text=Đã lưu")
    page.click("[data-testid=add-payment]")
    page.fill("#id_paid_on", str(today()))
    page.select_option("#id_kind", "tax")
    page.fill("#id_amount", "161400000")
    page.click("[data-testid=save]")
    page.wait_for_selector("text=Đã lưu")
    assert page.inner_text("[data-testid=fig-outstanding]").strip().startswith("0")

    page.click("[data-testid=add-complaint]")
    page.select_option("#id_instance", "1")
    page.fill("#id_filed_on", str(today() - timedelta(days=1)))
    page.fill("#id_complainant", NAME)
    page.fill("#id_contested", "Quyết định ấn định thuế theo kết luận 45/KL-KTSTQ")
    page.click("[data-testid=save]")
    page.wait_for_selector("text=Đã lưu: Khiếu nại")
    page.get_by_test_id("complaints").get_by_role("link", name="cập nhật quyết định giải quyết").click()
    page.fill("#id_resolver_name", "Trần Văn Ký")
    page.fill("#id_resolver_unit", "Chi cục Hải quan khu vực I")
    page.fill("#id_decision_number", "12/QĐ-GQKN")
    page.fill("#id_decided_on", str(today()))
    page.select_option("#id_result", "rejected")
    page.click("[data-testid=save]")
    page.wait_for_selector("text=Đã cập nhật quyết định giải quyết khiếu nại")
    complaints = page.inner_text("[data-testid=complaints]")
    assert "Lần đầu" in complaints and "Khiếu nại sai" in complaints and "12/QĐ-GQKN" in complaints
    screenshot(page, "journey-05-handling-vi")


def form_19(page, live_server, org, case):
    page.click("nav >> text=Báo cáo, thống kê")
    page.wait_for_url(f"**{reverse('reports:form', args=['19'])}*")
    page.select_option("#id_unit", org.kv01pt.code)
    page.fill("#id_period", "")
    page.fill("#id_date_from", str(past_working_day(60)))
    page.fill("#id_date_to", str(today()))
    page.get_by_test_id("apply-filters").click()
    page.wait_for_url(f"**unit={org.kv01pt.code}*")
    assert "Mẫu 19" in page.get_by_test_id("report-title").inner_text()
    total = page.get_by_test_id("table-A-period").locator("tr[data-row=total]")
    figures = {col: total.locator(f"td[data-col={col}]").inner_text().strip()
               for col in ("field_decisions", "field_completed", "tax_assessed", "fines", "late_interest",
                           "collected", "outstanding")}
    assert figures == {"field_decisions": "1", "field_completed": "1", "tax_assessed": "132.000.000",
                       "fines": "26.400.000", "late_interest": "3.000.000", "collected": "161.400.000",
                       "outstanding": "0"}
    screenshot(page, "journey-06-form19-vi")
    total.locator("td[data-col=collected] a").click()  # the figure's records
    page.wait_for_selector("[data-testid=drill-records]")
    assert case.number in page.get_by_test_id("drill-records").inner_text()


def test_enterprise_search_to_form_19(org, live_server, page):
    valuation, origin = areas("VALUATION", "ORIGIN")
    ent = enterprise(name=NAME)
    other_unit_open_collection(org, ent)

    sign_in(page, live_server, "officer1")
    search_enterprise(page, live_server.url)
    information_collection(page, live_server, org)
    proposal = field_audit_proposal(page, live_server, valuation, origin)
    case = field_audit_case(page, live_server, proposal, valuation, origin)
    handling(page, live_server, case)
    form_19(page, live_server, org, case)
