"""In a real browser: the unit admin signs in, grants a role, sees it listed, switches the language."""

import pytest

from stq.org.models import Role, RoleGrant
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_unit_admin_grants_a_role_and_switches_language(org, live_server, page):
    sign_in(page, live_server, "admin_kv01pt")
    assert "Việc của tôi" in page.content()  # Vietnamese by default
    assert "Quản trị đơn vị" in page.inner_text("[data-testid=whoami]")
    page.click("text=Quản trị hệ thống")
    page.click("text=Quản lý quyền")
    page.select_option("#id_user", label=f"{org.officer1b.full_name} (officer1b)")
    page.select_option("#id_role", value=Role.APPROVER)
    page.click("button:has-text('Cấp quyền')")
    page.wait_for_selector("text=Đã cấp quyền.")
    rows = page.locator("[data-testid=grants] tr", has_text="officer1b").all_inner_texts()
    assert any("Lãnh đạo (phê duyệt)" in row for row in rows)
    assert RoleGrant.objects.filter(user=org.officer1b, role=Role.APPROVER, revoked_at__isnull=True).exists()
    screenshot(page, "admin-grants-vi")
    page.click("[data-testid=lang-en]")
    page.wait_for_selector("text=Active roles")
    rows = page.locator("[data-testid=grants] tr", has_text="officer1b").all_inner_texts()
    assert any("Approver (leader)" in row for row in rows)
    screenshot(page, "admin-grants-en")
