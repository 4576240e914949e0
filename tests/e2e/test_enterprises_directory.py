"""Browser: search an enterprise without accents, open it, record a profile submission, see the change."""

import pytest

from stq.enterprises.models import Enterprise
from tests.e2e.conftest import screenshot, sign_in
from tests.enterprises.factories import EnterpriseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_search_open_and_record_submission(page, live_server, org):
    ent = EnterpriseFactory(name="Công ty TNHH Hải Dương", employees=40, legal_representative="Trần Văn Bình")
    EnterpriseFactory(name="Công ty Cổ phần Minh Phát")
    sign_in(page, live_server, "officer1")
    page.goto(f"{live_server.url}/enterprises/")
    page.get_by_test_id("search-input").fill("cong ty hai duong")
    page.get_by_test_id("search-button").click()
    table = page.get_by_test_id("enterprise-table")
    assert "Công ty TNHH Hải Dương" in table.inner_text()
    assert "Minh Phát" not in table.inner_text()
    assert "1 doanh nghiệp" in page.content()
    page.get_by_role("link", name="Công ty TNHH Hải Dương").click()
    page.wait_for_url(f"**/enterprises/{ent.tax_code}/")
    assert page.get_by_test_id("enterprise-name").inner_text() == "Công ty TNHH Hải Dương"
    assert page.get_by_test_id("section-audits").is_visible()
    page.select_option("#id_source", "supplied")
    page.fill("#id_employees", "350")
    page.fill("#id_legal_representative", "Nguyễn Thị Hoa")
    page.get_by_test_id("submission-submit").click()
    page.wait_for_selector("text=Đã ghi nhận phiếu cung cấp thông tin")
    assert page.get_by_test_id("employees").inner_text() == "350"
    assert page.get_by_test_id("legal-representative").inner_text() == "Nguyễn Thị Hoa"
    history = page.get_by_test_id("history").inner_text()
    assert "Số lao động" in history and "40" in history and "350" in history
    assert org.officer1.get_full_name() in history
    assert org.officer1.get_full_name() in page.get_by_test_id("submissions").inner_text()
    screenshot(page, "enterprises_directory")
    assert Enterprise.objects.get(pk=ent.pk).employees == 350
