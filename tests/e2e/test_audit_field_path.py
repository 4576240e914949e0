"""In Chromium, in Vietnamese, the whole field-audit path: officer1 searches the enterprise and proposes a field
audit, approver1 approves, officer1 records the decision and every step (delivery, start, end, minutes, draft,
explanation), uploads the scanned decision, records the conclusion with amounts; approver1 approves it; officer1
records the penalty and a payment; approver1 closes the case."""

from datetime import timedelta
from pathlib import Path

import pytest

from stq.audits.models import AuditCase, AuditProposal, CaseDocument
from stq.core import calendar
from tests.audits.factories import areas, enterprise, past_working_day, today
from tests.e2e.conftest import act, screenshot, sign_in, switch_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



def record_conclusion(page, end, valuation, origin):
    """Record conclusion 45/KL-KTSTQ (signed 12 days after `end`): a valuation violation of 132,000,000 tax and
    3,000,000 interest, origin accepted."""
    page.click("[data-testid=record-conclusion]")
    page.fill("#id_number", "45/KL-KTSTQ")
    page.fill("#id_signed_on", str(end + timedelta(days=12)))
    page.fill("#id_signer_name", "Trần Văn Ký")
    page.fill("#id_declarations_concerned", "10")
    page.fill("#id_declarations_accepted", "7")
    page.fill("#id_declarations_adjusted", "3")
    page.fill(f"#id_finding_{valuation.pk}", "Khai thấp trị giá giao dịch")
    page.check(f"#id_violation_{valuation.pk}")
    page.fill(f"#id_import_duty_{valuation.pk}", "120000000")
    page.fill(f"#id_vat_{valuation.pk}", "12000000")
    page.fill(f"#id_late_interest_{valuation.pk}", "3000000")
    page.fill(f"#id_finding_{origin.pk}", "C/O hợp lệ, chấp nhận")
    page.click("[data-testid=save]")
    page.wait_for_selector("text=Đã cập nhật kết luận")

def test_field_audit_from_proposal_to_closed_case(org, live_server, page, tmp_path):
    valuation, origin = areas("VALUATION", "ORIGIN")
    enterprise(name="Công ty TNHH Thương mại Sao Mai")
    url = live_server.url

    # 1–3. search → duplicates → form
    sign_in(page, live_server, "officer1")
    page.goto(f"{url}/audits/")
    page.click("[data-testid=new-proposal]")
    page.fill("#id_q", "0100109106")
    page.click("[data-testid=search] button")
    page.wait_for_selector("[data-testid=no-duplicates]")
    page.click("[data-testid=propose-0100109106]")
    page.check("input[name=mode][value=field]")
    page.check("input[name=ground][value='78.2']")
    page.check(f"input[name=risk_areas][value='{valuation.pk}']")
    page.check(f"input[name=risk_areas][value='{origin.pk}']")
    page.fill("#id_period_from", str(today() - timedelta(days=6 * 365)))
    page.fill("#id_period_to", str(today() - timedelta(days=30)))
    page.fill("#id_declaration_numbers", "101234567890")
    page.fill("#id_reason", "Trị giá khai báo thấp hơn 30% so với cơ sở dữ liệu giá.")
    page.fill("#id_planned_start", str(today() + timedelta(days=20)))
    page.fill("#id_paper_approved_on", str(today()))
    page.click("[data-testid=save]")
    assert "5 năm" in page.inner_text("[data-testid=error-period_from]")  # the 5-year rule, beside the field
    page.fill("#id_period_from", str(today() - timedelta(days=2 * 365)))
    page.click("[data-testid=save]")
    page.wait_for_selector("text=Đã lưu dự thảo")
    assert page.inner_text("[data-testid=state]") == "Dự thảo"
    act(page, "submit")
    proposal = AuditProposal.objects.get()
    screenshot(page, "audit-proposal-submitted-vi")

    # 4. the leader approves
    switch_user(page, live_server, "approver1")
    page.goto(f"{url}{proposal.get_absolute_url()}")
    act(page, "approve")
    assert page.inner_text("[data-testid=state]") == "Đã phê duyệt"

    # 5. the officer records the audit decision: the case opens
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
    assert page.locator("[data-testid=late]").count() == 1  # recorded long after signing: flagged
    assert page.locator("[data-testid=action-deliver]").count() == 0
    case = AuditCase.objects.get()
    switch_user(page, live_server, "approver1")  # a leader approves the audit decision: it takes effect
    page.goto(f"{url}{case.get_absolute_url()}")
    act(page, "approve_decision")
    switch_user(page, live_server, "officer1")
    page.goto(f"{url}{case.get_absolute_url()}")
    page.wait_for_selector("[data-testid=action-deliver]")

    # 6. the steps of the field audit, each with its date
    act(page, "deliver", ok=False, delivered_on=calendar.add_working_days(signed, 4))  # too late: refused
    assert "3 ngày làm việc" in page.inner_text("[data-testid=action-error]")
    act(page, "deliver", delivered_on=calendar.add_working_days(signed, 1))
    act(page, "start", started_on=start)
    end = calendar.add_working_days(start, 5)
    act(page, "end", ended_on=end)
    act(page, "sign_minutes", minutes_signed_on=end + timedelta(days=2))
    act(page, "send_draft", draft_sent_on=end + timedelta(days=4))
    act(page, "receive_explanation", explanation_on=end + timedelta(days=8))
    assert page.inner_text("[data-testid=state]") == "Đã nhận giải trình (hoặc không giải trình)"

    # 7. the scanned decision, stored with its checksum
    pdf = Path(tmp_path) / "qd-125.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.fill("[data-testid=upload] input[name=title]", "Quyết định kiểm tra 125/QĐ-KTSTQ")
    page.set_input_files("[data-testid=upload] input[type=file]", str(pdf))
    page.click("[data-testid=upload] button")
    page.wait_for_selector("text=Đã lưu văn bản")
    assert CaseDocument.objects.get().sha256 in page.inner_text("[data-testid=documents]")

    # 8. the conclusion with amounts per risk area
    record_conclusion(page, end, valuation, origin)
    assert page.inner_text("[data-testid=state]") == "Đã kết luận"
    assert page.inner_text("[data-testid=fig-assessed]").startswith("0")  # not approved yet

    # 9. the leader approves the conclusion; handling
    switch_user(page, live_server, "approver1")
    page.goto(f"{url}{case.get_absolute_url()}")
    act(page, "approve_conclusion")
    assert page.inner_text("[data-testid=fig-assessed]").replace(".", "").startswith("135000000")
    switch_user(page, live_server, "officer1")
    page.goto(f"{url}{case.get_absolute_url()}")
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
    screenshot(page, "audit-case-handling-vi")

    # 10. the leader closes the case
    switch_user(page, live_server, "approver1")
    page.goto(f"{url}{case.get_absolute_url()}")
    act(page, "close", "Đã thu đủ thuế và tiền phạt; đóng hồ sơ.")
    assert page.inner_text("[data-testid=state]") == "Đã kết thúc"
    assert [e.action for e in AuditCase.objects.get().events()][-1] == "close"
    screenshot(page, "audit-case-closed-vi")
