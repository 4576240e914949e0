"""In Chromium, with the content security policy on: no page reachable from the menu triggers a CSP violation."""

import pytest

from stq.org.models import Role
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import GrantFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_menu_pages_and_api_docs_run_without_csp_violations(org, live_server, page):
    for role in (Role.RISK_MANAGER, Role.APPROVER, Role.ANALYST):
        GrantFactory(user=org.admin_chq, role=role, unit=org.chq, include_units_below=True)
    violations = []
    page.on("console", lambda message: violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    sign_in(page, live_server, "admin_chq")
    menu = page.eval_on_selector_all(".stq-sidebar a.nav-link", "links => links.map(a => a.href)")
    assert len(menu) >= 3
    for url in [*menu, f"{live_server.url}/notifications/", f"{live_server.url}/api/v1/docs/"]:
        page.goto(url)
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)  # the Swagger UI script ran under the policy
    screenshot(page, "csp-swagger-ui")
    assert violations == [], "\n".join(violations)
