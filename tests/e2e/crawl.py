"""The crawl behind tests/e2e/test_crawl.py: sign in as a user, open every menu entry and the links on those pages one
level deep, and report what a user should never see. Usable on its own against a running server (a demo database):

    python -m tests.e2e.crawl http://127.0.0.1:8765 canbo.kv01pt [vi|en]

Checks on every page: HTTP status < 400, server time (the Server-Timing header of stq.core.timing) < 1 s (a page
over it is requested once more and the faster of the two counts: one request on a busy machine is noise), no internal
code on screen (UPPER_CASE identifiers, `key:value` codes, a Python dict or list), no English left in the Vietnamese
UI and no Vietnamese in the English one, axe-core (WCAG 2.1 A/AA) without violations. A screenshot per page goes to
var/screenshots/crawl/<user>-<lang>/.

Links followed: every link in the page's main part of every menu page, one level deep, in both languages. One page
per distinct route: a route is the path with its numbers replaced and the names of its query parameters (their values
dropped), so a list's hundred rows, its pages 2..n and its filter values are one route each, while a filter by another
parameter, a sort order or a different screen is another; each route is opened once per user and language (the first
link found). Skipped: sign-out, the language switch, the admin site and the API's own pages (Swagger UI is a
third-party page). File downloads (found on the menu pages and on the pages they link to) are fetched, one per route
and format, and must answer < 400 with the content type of their format and a file that opens (an Excel workbook
with a sheet, a PDF with a page, a CSV in UTF-8).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import unicodedata
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "crawl"
SERVER_LIMIT_MS = int(os.environ.get("STQ_CRAWL_SERVER_LIMIT_MS", "1000"))
PASSWORD = "Stq@2026demo"

SKIP_PREFIXES = ("/logout/", "/i18n/", "/django-admin/", "/api/", "/static/", "/media/", "/oidc/")
DOWNLOAD_RE = re.compile(r"(/export|\.xlsx|\.pdf|\.csv|/download|/file/|/errors/|/documents/\d+/$|format=)")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Acronyms and proper names that are words of the domain in both languages, not internal codes.
ACRONYMS = {
    "KTSTQ", "QLRR", "TTTT", "NSNN", "VPHC", "DNUT", "DNCX", "SXXK", "TNHH", "QLHQ", "GTGT", "BHXH", "UBND",
    "BCTC", "TCHQ", "PVTM", "TMCP", "CCHQ", "JSON", "XLSX", "BVMT", "TTĐB", "VIII", "XVII", "XVIII",
}
# Words that are English and Vietnamese UI alike (product and file-format names, units).
SHARED_WORDS = {"excel", "email", "e-mail", "swagger", "openapi", "lightgbm", "chart", "htmx", "bootstrap", "stq",
                "url", "json", "kg", "pdf", "csv", "xlsx", "api", "token", "ktstq", "qlrr", "hs", "incoterms", "m",
                "df"}  # "df": the public dataset's file names (df_syn_*_eng.csv)

ROMAN = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")  # "khu vực XIII"
ONSET = r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?"
VI_SYLLABLE = re.compile(rf"^{ONSET}[aeiouy]{{1,3}}(ch|ng|nh|[cmnpt])?$")
VI_MARKS = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.I)
WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ỹĐđ][A-Za-zÀ-ÖØ-öø-ỹĐđ0-9'’-]*")  # letters (not × ÷)
CODE_PATTERNS = [
    ("UPPER_CASE identifier", re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")),
    ("key:value code", re.compile(r"\b[a-z][a-z_]*:[A-Za-z_]{2,}\b")),
    ("Python dict", re.compile(r"\{\s*['\"][^'\"]+['\"]\s*:")),
    ("Python list", re.compile(r"\[\s*['\"][^'\"]*['\"]\s*[,\]]")),
    ("Python value", re.compile(r"\b(None|True|False)\b")),
]


def _fold(word: str) -> str:
    folded = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in folded if not unicodedata.combining(c)).lower()


def internal_codes(text: str) -> list[str]:
    found = []
    for name, pattern in CODE_PATTERNS:
        found += [f"{name}: {m.group(0)!r}" for m in pattern.finditer(text)]
    # a word in capitals standing alone that is no acronym of the domain; record numbers and codes people give
    # (KV01-PT, GIA-THAP, 45/QĐ-KTSTQ) have a digit, hyphen or slash beside them
    for m in re.finditer(r"(?<![\w/-])[A-ZĐ]{4,}(?![\w/-])", text):
        if m.group(0) not in ACRONYMS and not ROMAN.match(m.group(0)):
            found.append(f"code in capitals: {m.group(0)!r}")
    return found


def data_words() -> set[str]:
    """Words of the stored data (names of enterprises, partners, goods, files, people): not UI text in any language."""
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.db import models

    from stq.declarations.models import Declaration, DeclarationLine, ImportJob
    from stq.org.models import Unit
    from stq.risk.models import Criterion

    texts = []
    profile_models = [m for m in apps.get_app_config("enterprises").get_models()]  # free-text fields of the profile
    text_fields = (models.CharField, models.TextField)
    for model, fields in ((Declaration, ("partner_name",)), (DeclarationLine, ("description",)),
                          (ImportJob, ("original_name",)),
                          (get_user_model(), ("first_name", "last_name", "full_name", "username")),
                          (Unit, ("name", "short_name", "level_label", "region")), (Criterion, ("name",)),
                          *((m, tuple(f.name for f in m._meta.fields if isinstance(f, text_fields) and not f.choices))
                            for m in profile_models)):
        for name in fields:
            texts += model.objects.values_list(name, flat=True).distinct()[:5000]
    return {m.group(0).lower() for text in texts for m in WORD.finditer(text or "")}


def english_words(text: str, data: set[str] = frozenset()) -> list[str]:
    """Words of the Vietnamese UI that are no Vietnamese syllable (nor an acronym, a shared product name, data)."""
    found = []
    for m in WORD.finditer(text):
        word = m.group(0).strip("'’-")
        if len(word) < 2 or VI_MARKS.search(word) or any(c.isdigit() for c in word):  # "điểm b khoản 1 Điều 78"
            continue
        if word.isupper() or word.lower() in SHARED_WORDS or word.lower() in data:
            continue
        if all(VI_SYLLABLE.match(part) for part in _fold(word).split("-") if part):
            continue
        found.append(word)
    return found


def vietnamese_words(text: str, data: set[str] = frozenset()) -> list[str]:
    return [m.group(0) for m in WORD.finditer(text) if VI_MARKS.search(m.group(0)) and m.group(0).lower() not in data]


# The page text a check reads: visible text, without code samples, data marked as another language, the user's name
# and unit in the top bar (data), and the language switch (it names the other language in that language).
TEXT_JS = """(lang) => {
  const skip = 'script,style,code,pre,[data-crawl-skip],[lang]:not(html)';
  const root = document.body.cloneNode(true);
  root.querySelectorAll(skip).forEach(e => { if (e.getAttribute('lang') !== lang) e.remove(); });
  document.body.appendChild(root); root.style.position = 'absolute'; root.style.left = '-99999px';
  const text = root.innerText; root.remove(); return text;
}"""
# In the English UI the data (names of people, units, enterprises, free text) is Vietnamese: only the labels are read.
LABELS_JS = """() => {
  const sel = 'h1,h2,h3,h4,h5,th,label,legend,button,dt,.btn,nav a,.form-text,.invalid-feedback,.alert,.badge,option';
  return Array.from(document.querySelectorAll(sel)).filter(e => !e.closest('[lang="vi"],[data-crawl-skip],code,pre'))
    .map(e => { const c = e.cloneNode(true);
                c.querySelectorAll('[lang="vi"],[data-crawl-skip]').forEach(x => x.remove());
                return c.textContent; }).join('\\n');
}"""


AXE_RUN = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return r.violations.map(v => v.id + ' (' + v.nodes.length + '): '
                               + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


@dataclass
class Report:
    user: str
    lang: str
    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")
    downloads: list[str] = field(default_factory=list)
    data: set[str] = field(default_factory=set)

    def add(self, url, what):
        self.problems.append(f"[{self.user} {self.lang}] {url}: {what}")


def _axe_source(cache={}):  # noqa: B006 - read the 550 kB file once
    if "js" not in cache:
        cache["js"] = AXE.read_text(encoding="utf-8")
    return cache["js"]


def server_ms(response) -> float | None:
    header = response.headers.get("server-timing", "")
    m = re.search(r"dur=([\d.]+)", header)
    return float(m.group(1)) if m else None


def route(path: str) -> str:
    return re.sub(r"\d+", "<n>", path)


def route_key(parts) -> str:
    """The route of a link: its path with the numbers replaced and the names of its query parameters."""
    keys = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return route(parts.path) + ("?" + "&".join(keys) if keys else "")


def download_key(parts) -> str:
    """A download's route: as route_key, with the value of `format` kept (each format is another file)."""
    query = parse_qsl(parts.query, keep_blank_values=True)
    keys = sorted({name if name != "format" else f"format={value}" for name, value in query})
    return route(parts.path) + ("?" + "&".join(keys) if keys else "")


def sign_in(page, base, username, lang):
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": base}])
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def check_page(page, base, url, report: Report, *, shot_name: str, axe: bool = True):
    response = page.goto(url if url.startswith("http") else f"{base}{url}")
    report.pages.append(url)
    if response is None:
        report.add(url, "no response")
        return [], page.url
    if response.status >= 400:
        report.add(url, f"HTTP {response.status}")
    ms = server_ms(response)
    if ms is None:
        report.add(url, "no Server-Timing header (STQ_SERVER_TIMING=1 missing?)")
    else:
        if ms > SERVER_LIMIT_MS:  # once more before failing: a busy shared machine delays single requests
            again = server_ms(page.request.get(url if url.startswith("http") else f"{base}{url}"))
            ms = min(ms, again if again is not None else ms)
        report.slowest = max(report.slowest, (ms, url))
        if ms > SERVER_LIMIT_MS:
            report.add(url, f"server time {ms:.0f} ms > {SERVER_LIMIT_MS} ms")
    text = page.evaluate(TEXT_JS, report.lang)
    for code in sorted(set(internal_codes(text))):
        report.add(url, f"internal code on screen — {code}")
    if report.lang == "vi":
        english = sorted(set(english_words(text, report.data)))
        if english:
            report.add(url, f"English in the Vietnamese UI: {english[:15]}")
    else:
        vietnamese = sorted(set(vietnamese_words(page.evaluate(LABELS_JS), report.data)))
        if vietnamese:
            report.add(url, f"Vietnamese in the English UI: {vietnamese[:15]}")
    if axe:
        if not page.evaluate("() => !!window.axe"):
            # evaluated through the browser's devtools protocol: the page's CSP allows no inline script
            page.evaluate(_axe_source() + "\n;true")
        result = page.evaluate(AXE_RUN)
        for violation in result:
            report.add(url, f"axe {violation}")
    folder = SHOTS / f"{report.user}-{report.lang}"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{shot_name}.png"), full_page=True)  # the whole page, not the window
    return page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))"), page.url


def _links(links, here):
    """The pages and the downloads among a page's links, as (key, url) pairs; links elsewhere or skipped left out."""
    pages, files = [], []
    for href in links:
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        parts = urlsplit(urljoin(here, href))
        if parts.netloc != urlsplit(here).netloc or parts.path.startswith(SKIP_PREFIXES):
            continue
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        if DOWNLOAD_RE.search(url):
            files.append((download_key(parts), url))
        else:
            pages.append((route_key(parts), url))
    return pages, files


def check_download(page, base, url, report: Report):
    """A file link answers < 400 with the content type of its format, and the file opens."""
    response = page.request.get(f"{base}{url}")
    report.downloads.append(url)
    if response.status >= 400:
        report.add(url, f"download HTTP {response.status}")
        return
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    body = response.body()
    path = urlsplit(url)
    wanted = ("xlsx" if path.path.endswith(".xlsx") or "format=xlsx" in path.query else
              "pdf" if path.path.endswith(".pdf") or "format=pdf" in path.query else
              "csv" if path.path.endswith(".csv") or "format=csv" in path.query else None)
    expected = {"xlsx": XLSX_TYPE, "pdf": "application/pdf", "csv": "text/csv"}.get(wanted)
    if expected and kind != expected:
        report.add(url, f"download is {kind!r}, not {expected!r}")
        return
    try:
        if kind == XLSX_TYPE:
            import openpyxl

            if not openpyxl.load_workbook(BytesIO(body), read_only=True).sheetnames:
                report.add(url, "Excel file without a sheet")
        elif kind == "application/pdf":
            import pypdf

            if not pypdf.PdfReader(BytesIO(body)).pages:
                report.add(url, "PDF without a page")
        elif kind == "text/csv":
            body.decode("utf-8-sig")
        elif kind == "text/html":
            report.add(url, "a download link that answers a web page")
    except Exception as error:  # noqa: BLE001 - any failure to open the file is the finding
        report.add(url, f"download {kind} does not open: {error!r}")


def crawl(page, base, username, lang="vi", *, data=frozenset()) -> Report:
    report = Report(username, lang, data=set(data))
    shutil.rmtree(SHOTS / f"{username}-{lang}", ignore_errors=True)  # this walk's screenshots only
    sign_in(page, base, username, lang)
    menu = page.eval_on_selector_all("nav.stq-sidebar a[href]", "els => els.map(e => e.getAttribute('href'))")
    seen: set[str] = {route_key(urlsplit(entry)) for entry in menu}  # the menu entries are opened as such
    downloads: dict[str, str] = {}
    for index, entry in enumerate(menu):
        shot = f"{index:02d}{entry.strip('/').replace('/', '_') or 'home'}"
        links, here = check_page(page, base, entry, report, shot_name=shot)
        pages, files = _links(links, here)
        for key, url in files:
            downloads.setdefault(key, url)
        followed = 0
        for key, url in pages:
            if key in seen:
                continue
            seen.add(key)
            followed += 1
            name = re.sub(r"[^\w.-]+", "_", key.replace("<n>", "n")).strip("_")[:80]
            inner, inner_here = check_page(page, base, url, report, shot_name=f"{index:02d}-{followed:02d}-{name}")
            for file_key, file_url in _links(inner, inner_here)[1]:
                downloads.setdefault(file_key, file_url)
    for url in downloads.values():
        check_download(page, base, url, report)
    return report


def main(argv):
    import django
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import ARGS, CHROMIUM

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stq.settings")
    django.setup()
    base, username = argv[1], argv[2]
    lang = argv[3] if len(argv) > 3 else "vi"
    data = data_words()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 768})
        report = crawl(context.new_page(), base, username, lang, data=data)
        print(f"{len(report.pages)} pages, {len(report.downloads)} downloads, "
              f"slowest {report.slowest[0]:.0f} ms {report.slowest[1]}")
        print("\n".join(report.problems))
        browser.close()


if __name__ == "__main__":
    main(sys.argv)
