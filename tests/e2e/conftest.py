"""Browser tests: Playwright for Python driving Debian's Chromium against the live test server."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("STQ_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server ORM calls from Playwright's loop
    from playwright.sync_api import sync_playwright

    user_data = tempfile.mkdtemp(prefix="stq-chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data, executable_path=CHROMIUM, args=ARGS, headless=True, locale="vi-VN",
            viewport={"width": 1366, "height": 768},
        )
        yield context
        context.close()
    shutil.rmtree(user_data, ignore_errors=True)


@pytest.fixture
def page(browser):
    browser.clear_cookies()
    page = browser.new_page()
    yield page
    page.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, live_server, username, password="pw-Stq-2026"):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def switch_user(page, live_server, username):
    page.context.clear_cookies()
    sign_in(page, live_server, username)


def act(page, action, note="", ok=True, **dates):
    """Take a workflow action from its form on a case page (dates by input name), and wait for the outcome."""
    form = page.locator(f"[data-testid=action-{action}]")
    for name, value in dates.items():
        form.locator(f"input[name={name}]").fill(str(value))
    if note:
        form.locator("textarea").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=Đã thực hiện" if ok else "[data-testid=action-error]")
