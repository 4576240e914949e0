"""Every demo role in Chromium, in Vietnamese and in English: each menu entry and the links on those pages one level
deep (tests/e2e/crawl.py: at most `LINKS_PER_PAGE` distinct routes per menu page, downloads checked by status only).
Fails on a 4xx/5xx, a page over 1 s of server time (the Server-Timing header), an internal code on screen, English
left in the Vietnamese UI or Vietnamese in the English one, and any axe-core WCAG 2.1 A/AA violation. Screenshots of
every page go to var/screenshots/crawl/<user>-<lang>/ (ignored by git).

The English pass opens the menu entries only (their links are the same pages, already checked for the other
checks in Vietnamese), which keeps the test at a few minutes."""

import pytest
from django.core.management import call_command

from tests.e2e import crawl

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# One account per role of the demo (manage.py demo_accounts), the two kinds of leader included.
ROLES = ["canbo.kv01pt", "doitruong.kv01pt", "lanhdao.kv01", "quantri.kv01pt", "phantich.chq", "qlrr.chq"]


def test_every_role_every_menu_entry_and_its_links(live_server, page):
    call_command("seed_demo", enterprises=300, verbosity=0)
    data = crawl.data_words()
    problems, pages, slowest = [], 0, (0.0, "")
    for username in ROLES:
        for lang, links in (("vi", crawl.LINKS_PER_PAGE), ("en", 0)):
            report = crawl.crawl(page, live_server.url, username, lang, links_per_page=links, data=data)
            problems += report.problems
            pages += len(report.pages)
            slowest = max(slowest, report.slowest)
    print(f"{pages} pages, slowest {slowest[0]:.0f} ms on the server ({slowest[1]})")
    assert pages > 100
    assert not problems, "\n".join(problems)
