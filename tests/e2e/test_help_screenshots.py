"""Screenshots for the user guide, in Vietnamese and English, taken from the running system and stored where the help
pages load them (src/stq/help/static/help/img/<name>-<lang>.png, committed) when STQ_UPDATE_HELP_SCREENSHOTS=1, else
under var/screenshots/help/ so that a test run leaves the working tree clean. Also walks a change request through
the browser: an officer proposes it, the central PCA unit accepts it."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from stq.core.models import RiskArea
from stq.core.reference import ensure_risk_areas
from stq.enterprises.models import FocusListEntry
from stq.feedback.models import ChangeRequest
from stq.org.models import Role, User
from tests.collection.factories import act, enterprise, proposal
from tests.conftest import make_user
from tests.e2e.conftest import sign_in
from tests.factories import UnitFactory
from tests.legacy.helpers import csv_bytes, row

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
HELP_IMG = (ROOT / "src" / "stq" / "help" / "static" / "help" / "img" if os.environ.get("STQ_UPDATE_HELP_SCREENSHOTS")
            else ROOT / "var" / "screenshots" / "help")


def shot(page, name, lang):
    HELP_IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(HELP_IMG / f"{name}-{lang}.png"), full_page=False)


def screen_shot(page, live_server, url, name, lang) -> None:
    """A screenshot of a screen that must work (every app now exists): fails loudly when it does not."""
    assert url, name
    response = page.goto(f"{live_server.url}{url}")
    assert response is not None and response.status == 200, (name, url, response and response.status)
    assert page.locator("[data-testid=help-link]").count(), (name, url)
    shot(page, name, lang)


def as_user(page, live_server, username, lang):
    page.context.clear_cookies()
    sign_in(page, live_server, username)
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])


def _audit_case(org, ent):
    """An approved proposal and its case, through the audits services."""
    from stq.audits import services as audits
    from stq.core import calendar
    from stq.enterprises.services import search_record

    today = timezone.localdate()
    search_record(actor=org.officer1, query=ent.tax_code, matched_count=1, matched_tax_codes=[ent.tax_code])
    with transaction.atomic():
        p = audits.proposal_create(
            actor=org.officer1, unit=org.kv01pt, enterprise=ent, mode="field", ground="78.2",
            risk_areas=list(RiskArea.objects.filter(code="VALUATION")),
            period_from=today - timedelta(days=700), period_to=today - timedelta(days=30),
            reason="Trị giá khai báo thấp hơn giá tham chiếu.", planned_start=today + timedelta(days=30),
            planned_team="Đội KTSTQ", paper_approved_on=today)
        p = audits.proposal_act(actor=org.officer1, proposal=p, action="submit")
        p = audits.proposal_act(actor=org.approver1, proposal=p, action="approve")
        signed = calendar.add_working_days(today, -2)
        case = audits.case_open(actor=org.officer1, proposal=p, number="45/QĐ-KTSTQ", signed_on=signed,
                                signer_name="Trần Văn Ký", signer_title="Chi cục trưởng",
                                team_leader="Lê Văn Đoàn", team_members="Nguyễn Thị A, Phạm Văn B",
                                start_on=calendar.add_working_days(signed, 8), duration_working_days=10)
        case = audits.decision_approve(actor=org.approver1, case=case)  # in effect once a leader approves it
    return p, case


def test_help_screenshots_and_a_change_request_in_the_browser(org, live_server, page):
    ensure_risk_areas()
    for username, name in (("officer1", "Nguyễn Thị Lan"), ("approver1", "Trần Quốc Hùng"),
                           ("admin_kv01pt", "Phạm Văn Sơn"), ("risk_manager", "Hoàng Thu Hà")):
        User.objects.filter(username=username).update(full_name=name)
    ktstq = UnitFactory(code="KTSTQ", name="Chi cục Kiểm tra sau thông quan", level_label="Chi cục", parent=org.chq,
                        is_department_scope=True)
    make_user("lanhdao_ktstq", ktstq, (Role.APPROVER, ktstq, True))
    User.objects.filter(username="lanhdao_ktstq").update(full_name="Lê Minh Tâm")
    ent = enterprise(name="Công ty TNHH Thương mại Sao Mai")
    other = enterprise("0301234562", name="Công ty Cổ phần Sông Hồng")
    case = act(org.officer1, proposal(org.officer1, org.kv01pt, ent), "submit")
    proposal_obj, audit_case = _audit_case(org, other)  # before the focus list entry: it blocks new proposals
    FocusListEntry.objects.create(enterprise=other, risk_area="ORIGIN", valid_from=timezone.localdate(),
                                  reason="Nhiều C/O nghi vấn trong năm trước.", designating_unit=org.chq,
                                  created_by=org.risk_manager)

    # the change request, through the browser: officer1 proposes, the central unit accepts
    as_user(page, live_server, "officer1", "vi")
    page.goto(f"{live_server.url}{reverse('feedback:create')}")
    page.fill("#id_function_name", "Thu thập thông tin – kết quả theo lĩnh vực rủi ro")
    page.fill("#id_proposed_change", "Cho phép đính kèm văn bản trả lời của doanh nghiệp.")
    page.click("button[type=submit]")
    assert page.inner_text("[data-testid=error-reason]").strip()  # refused beside the field, in Vietnamese
    page.fill("#id_reason", "Phải lưu văn bản trả lời ngoài hệ thống.")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Đã gửi đề xuất")
    assert page.inner_text("[data-testid=state]") == "Đã tiếp nhận"
    request = ChangeRequest.objects.get()
    as_user(page, live_server, "lanhdao_ktstq", "vi")
    page.goto(f"{live_server.url}{request.get_absolute_url()}")
    page.fill("[data-testid=comment-form] textarea", "Đã tiếp nhận, sẽ làm trong bản 1.2.")
    page.click("[data-testid=comment-form] button")
    page.locator("[data-testid=action-accept] textarea").fill("Đưa vào đợt nâng cấp quý tới.")
    page.locator("[data-testid=action-accept] button").click()
    page.wait_for_selector("text=Đã thực hiện: Chấp nhận")
    assert page.inner_text("[data-testid=state]") == "Chấp nhận"
    assert "Chấp nhận" in page.inner_text("[data-testid=timeline]")

    taken = []
    for lang in ("vi", "en"):
        as_user(page, live_server, "approver1", lang)
        page.goto(f"{live_server.url}/")
        shot(page, "home", lang)
        page.goto(f"{live_server.url}{case.get_absolute_url()}")
        shot(page, "collection-detail", lang)
        page.goto(f"{live_server.url}{reverse('enterprises:list')}?q=sao mai")
        shot(page, "enterprise-list", lang)
        page.goto(f"{live_server.url}{reverse('enterprises:detail', args=[ent.tax_code])}")
        shot(page, "enterprise-detail", lang)
        page.goto(f"{live_server.url}{reverse('enterprises:focus_list')}")
        shot(page, "focus-list", lang)
        page.goto(f"{live_server.url}{reverse('declarations:list')}")
        shot(page, "declarations-list", lang)
        taken += ["home", "collection-detail", "enterprise-list", "enterprise-detail", "focus-list",
                  "declarations-list"]
        for name, obj in (("audit-proposal", proposal_obj), ("audit-case", audit_case)):
            screen_shot(page, live_server, obj.get_absolute_url(), name, lang)
            taken.append(name)

        as_user(page, live_server, "lanhdao_ktstq", lang)
        page.goto(f"{live_server.url}{reverse('feedback:list')}")
        shot(page, "feedback-list", lang)
        page.goto(f"{live_server.url}{request.get_absolute_url()}")
        shot(page, "feedback-detail", lang)
        taken += ["feedback-list", "feedback-detail"]

        as_user(page, live_server, "admin_kv01pt", lang)
        page.goto(f"{live_server.url}{reverse('org:unit_grants', args=['KV01-PT'])}")
        shot(page, "admin-grants", lang)
        taken.append("admin-grants")

        as_user(page, live_server, "lanhdao_ktstq", lang)
        screen_shot(page, live_server, reverse("reports:index"), "reports-index", lang)
        taken.append("reports-index")
        as_user(page, live_server, "risk_manager", lang)
        screen_shot(page, live_server, reverse("risk:index"), "risk-index", lang)
        taken.append("risk-index")
        page.goto(f"{live_server.url}{reverse('legacy:index')}")
        page.set_input_files("input[type=file]", files=[{
            "name": "stq01.csv", "mimeType": "text/csv",
            "buffer": csv_bytes([row(), row(stq01_id="STQ01-0002", tax_code="0312345678", mode="onsite")])}])
        page.click("[data-testid=dry-run]")
        page.wait_for_selector("[data-testid=row-errors]")
        shot(page, "legacy-import", lang)
        taken.append("legacy-import")

        # the help page of the screen, from its help link
        page.click("[data-testid=help-link]")
        assert page.url.endswith(reverse("help:page", args=["legacy"]))
        assert page.locator("[data-testid=help-body] img").count() >= 1  # the screenshot just taken is shown

    for name in taken:
        assert (HELP_IMG / f"{name}-vi.png").stat().st_size > 10_000
        assert (HELP_IMG / f"{name}-en.png").exists()
