"""Every demo role in Chromium, in Vietnamese and in English: each menu entry and every link on those pages one level
deep, one page per distinct route (tests/e2e/crawl.py: a route is the path with its numbers replaced and the names of
its query parameters, so links that differ only by a record id or a query value are one route, opened once per role
and language; no other cap). Fails on a 4xx/5xx, a page over 1 s of server time (the Server-Timing header), an
internal code on screen, English left in the Vietnamese UI or Vietnamese in the English one, and any axe-core WCAG 2.1
A/AA violation. Every file download linked from those pages (one per route and format) must answer with its format's
content type and open (Excel, PDF, CSV). A full-page screenshot of every page goes to
var/screenshots/crawl/<user>-<lang>/ (ignored by git)."""

import pytest
from django.core.management import call_command

from tests.e2e import crawl

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# One account per role of the demo (manage.py demo_accounts), the two kinds of leader included.
ROLES = ["canbo.kv01pt", "doitruong.kv01pt", "lanhdao.kv01", "quantri.kv01pt", "phantich.chq", "qlrr.chq"]


def test_every_role_every_menu_entry_and_its_links(live_server, page):
    call_command("seed_demo", enterprises=300, verbosity=0)
    data = crawl.data_words()
    problems, pages, downloads, slowest = [], 0, 0, (0.0, "")
    for username in ROLES:
        for lang in ("vi", "en"):
            report = crawl.crawl(page, live_server.url, username, lang, data=data)
            problems += report.problems
            pages += len(report.pages)
            downloads += len(report.downloads)
            slowest = max(slowest, report.slowest)
    print(f"{pages} pages, {downloads} downloads, slowest {slowest[0]:.0f} ms on the server ({slowest[1]})")
    assert pages > 100 and downloads > 0
    assert not problems, "\n".join(problems)
