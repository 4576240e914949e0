"""Hostile input to every HTML (non-API) route, as every demo role: never a server error, never Django's debug page.

The routes come from the URL resolver, so a new view is walked without editing this test. For each role (the six
demo accounts of the browser crawl, then an anonymous visitor) on the seeded demo data (tests/fuzz/conftest.py):

1. Path parameters are filled with real values: the parameterless routes are opened and the links and form actions
   of their pages (and of the pages those link to, two levels; up to PAGES_PER_ROUTE objects of a detail route, whose
   forms differ by the object's state) are matched to routes; a route no link reaches takes
   the value of a route with the same path up to its parameter (`audits/<int:pk>/decision/` → a case's `pk`), else
   1. Each route is also opened with an id over PostgreSQL's bigint range, or a NUL / an over-long text in a text
   parameter (an existing id of another unit: tests/security/test_cross_unit_visibility.py).
2. GET: the query keys the view reads are recorded while it answers the plain request (QueryDict lookups), and
   joined to a generic list (page, sort, q, dates, year, unit, status…). `rotation` sends len(HOSTILE) requests in
   which every key gets every hostile value once (NUL, 3,000 characters, 2026-02-30, 1e309, a number over bigint,
   NaN, -1, empty, the first and the last day of the calendar in both date formats, quotes/LIKE wildcards/bidi
   text, the key twice).
3. POST: every route is posted an empty body (the keys the view reads from it are recorded), then each distinct
   `<form method=post>` of the role's pages whose action resolves to the route (told apart by its path's words and
   its hidden values other than numbers: one per workflow action, say; at most VARIANTS) gets the rotation over its
   fields and those keys — the hidden fields keep their page's values in every other row and are broken in the
   others; a file field gets files that are not what they say (text named .xlsx, a broken zip, an empty file, a
   NUL in the name, a PNG named .pdf), a plain string, and the form an empty multipart body. The pages include
   those of the GET (search) forms, submitted with a value seen in a link for their empty inputs (a proposal's
   search-first step with a tax code opens its full form). Then the form as the page shows it, each hidden value
   alone replaced by TAMPER values (a view may read a hidden field only once the rest of the form is valid).

What keeps it short (see the timings it writes to var/hostile_html.log): a rotation with the same keys and hidden
values is sent in full once in the run; a later role sends it NUL and over-long in every key (what the roles differ
by is which routes, forms and keys they reach, each of which gets the full rotation once). A route whose plain request
takes over SLOW seconds (a PDF, a criteria scan) gets SHORT rows, once. A file download is not posted; a view that
read nothing from the empty POST and that no form targets is posted nothing more.

Each request runs in a savepoint rolled back after it, so a POST that succeeds changes nothing for the next one.
A failure lists `role METHOD url [keys] → status` with the exception's last line (also in var/hostile_html.log).
"""

from __future__ import annotations

import os
import re
import time
import traceback
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.db import DatabaseError, transaction
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from stq.org.models import User

ROLES = ["canbo.kv01pt", "doitruong.kv01pt", "lanhdao.kv01", "quantri.kv01pt", "phantich.chq", "qlrr.chq", None]
SKIPPED = ("api/", "django-admin/", "logout/", "oidc/", "static/", "media/")  # API: tests/fuzz; the rest not ours

LOG = Path(__file__).resolve().parents[2] / "var" / "hostile_html.log"
NUL = "a\x00b"
HOSTILE = [NUL, "x" * 3000, "2026-02-30", "1e309", "99999999999999999999", "NaN", "-1", "", "0001-01-01",
           "31/12/9999", "'\"<b>%_\\ 中\u202e", "9999-12-31", ["1", "2"]]
TAMPER = ["NaN", "99999999999999999999", "x" * 3000, NUL]
SLOW = 0.4  # seconds: a route whose plain request takes longer (a PDF, a scan) gets SHORT rows, and once in the run
SHORT = 4
FULL = os.environ.get("STQ_HOSTILE_FULL") == "1"  # every role the full rotation everywhere (a longer, deeper run)
GENERIC = ["page", "per_page", "sort", "order", "q", "date_from", "date_to", "from", "to", "year", "month", "period",
           "unit", "status", "state", "kind", "form", "format", "tab", "next", "risk", "score_min", "area"]
BAD_IDS = ["99999999999999999999"]  # over bigint; an id that does not exist: tests/security
BAD_TEXTS = ["a%00b", "x" * 300]
FILES = [("not-excel.xlsx", b"plain text, not a workbook"), ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 64),
         ("empty.xlsx", b""), ("nul\x00name.csv", b"a,b\n1,2\n"), ("image.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 32)]
DEBUG_PAGE = re.compile(r"Traceback \(most recent call last\)|technical_500|<title>\w+Error at /")


# --- which query/form keys a view reads ----------------------------------------------------------------------------
class Reads:
    keys: set[str] | None = None


def _recording(method):
    def wrapper(self, key, *args, **kwargs):
        if Reads.keys is not None and isinstance(key, str):
            Reads.keys.add(key)
        return method(self, key, *args, **kwargs)

    return wrapper


@pytest.fixture(scope="module", autouse=True)
def _record_lookups():
    originals = {name: QueryDict.__dict__.get(name) for name in ("__getitem__", "get", "getlist", "__contains__")}
    bases = {name: getattr(QueryDict, name) for name in originals}
    for name, method in bases.items():
        setattr(QueryDict, name, _recording(method))
    yield
    for name, original in originals.items():
        if original is None:
            delattr(QueryDict, name)
        else:
            setattr(QueryDict, name, original)


# --- forms on a page -----------------------------------------------------------------------------------------------
class Forms(HTMLParser):
    """The forms of a page: action, hidden values and buttons kept, names to break, file names, and the values the
    page shows in its visible fields (what the form posts when the user saves it unchanged)."""

    def __init__(self, page_url):
        super().__init__()
        self.page_url, self.forms, self.links, self.current = page_url, [], [], None
        self.get_forms: list[dict] = []
        self.select: str | None = None  # the name of the select being read
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            action = a.get("action") or self.page_url
            self.links.append(action)
            method = (a.get("method") or "get").lower()
            multipart = (a.get("enctype") or "").lower() == "multipart/form-data"
            self.current = {"action": action, "multipart": multipart, "keep": {}, "break": [], "files": [],
                            "method": method, "values": {}}
            (self.forms if method == "post" else self.get_forms).append(self.current)
        elif self.current is None:
            return
        elif tag == "option" and self.select:
            values = self.current["values"]
            if "selected" in a or (self.select not in values and a.get("value")):
                values[self.select] = a.get("value") or ""
        elif not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self.current["files"].append(a["name"])
            elif kind in ("hidden", "submit"):
                self.current["keep"].setdefault(a["name"], a.get("value") or "")
            else:
                self.current["break"].append(a["name"])
                if kind not in ("checkbox", "radio") or "checked" in a:
                    self.current["values"].setdefault(a["name"], a.get("value") or ("on" if kind == "checkbox" else ""))
        elif tag == "button":
            self.current["keep"].setdefault(a["name"], a.get("value") or "")
        elif tag in ("select", "textarea"):
            self.current["break"].append(a["name"])
            self.select, self.textarea = (a["name"], None) if tag == "select" else (None, a["name"])

    def handle_data(self, data):
        if self.current is not None and self.textarea:
            self.current["values"][self.textarea] = self.current["values"].get(self.textarea, "") + data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag in ("select", "textarea"):
            self.select = self.textarea = None


# --- routes ------------------------------------------------------------------------------------------------------
def routes() -> list[str]:
    def walk(resolver, prefix=""):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return [r for r in walk(get_resolver()) if not r.startswith(SKIPPED)]


def route_of(path: str) -> tuple[str, dict] | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route, match.kwargs


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def build(route: str, values: dict) -> str:
    return "/" + PARAM.sub(lambda m: str(values[m[2]]), route)


class Walker:
    def __init__(self, username):
        self.username = username
        self.client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="vi")
        if username:
            self.client.force_login(User.objects.get(username=username))
        self.failures, self.sent, self.errors, self.timings, self.elapsed = [], 0, [], [], 0.0

    def send(self, method, url, data=None, **extra):
        Reads.keys = set()
        self.errors.clear()
        started = time.perf_counter()
        response = None
        try:
            with transaction.atomic():
                response = getattr(self.client, method)(url, data, **extra)
                transaction.set_rollback(True)
        except DatabaseError as exc:  # the view's query failed outside its own savepoint: already a 500 answered
            self.errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
        keys, Reads.keys = Reads.keys, None
        self.sent += 1
        self.elapsed = time.perf_counter() - started
        self.timings.append((self.elapsed, method, url[:100]))
        status = response.status_code if response is not None else 500
        body = response.content[:200_000].decode(errors="replace") if response is not None else ""
        if status >= 500 or DEBUG_PAGE.search(body):
            shown = url if len(url) < 160 else url[:160] + "…"
            keys_sent = sorted(data)[:12] if isinstance(data, dict) else ""
            LOG.parent.mkdir(exist_ok=True)
            with LOG.open("a") as log:
                log.write(f"{self.username} {method} {url[:300]!r} {keys_sent} {status} {self.errors}\n")
            self.failures.append(f"{self.username or 'anonymous'} {method.upper()} {shown} {keys_sent} → {status}"
                                 f" {self.errors[-1] if self.errors else ''}")
        return response, keys

    def on_exception(self, sender, request=None, **kwargs):
        self.errors.append(traceback.format_exc().strip().splitlines()[-1][:300])


def _links(response, url) -> tuple[list[str], list[dict], list[dict]]:
    if response is None or response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return [], [], []
    parser = Forms(url)
    parser.feed(response.content.decode(errors="replace"))
    return [unescape(link) for link in parser.links], parser.forms, parser.get_forms


def plain(response, keys, elapsed) -> tuple[set, str, int, bool]:
    """What a plain request told: the keys the view read, its Content-Disposition, its status, whether it was slow."""
    if response is None:
        return keys, "", 500, False
    return keys, response.get("Content-Disposition", ""), response.status_code, elapsed > SLOW


def discover(walker: Walker, all_routes: list[str]) -> tuple[dict[str, str], dict[str, list[dict]], dict]:
    """route -> a concrete URL (first link found), route -> its POST forms, route -> GET keys the view read."""
    found: dict[str, str] = {}
    forms: dict[str, list[dict]] = {}
    reads: dict[str, set] = {}
    queue = [("/" + r, r) for r in all_routes if not PARAM.search(r)]
    known: dict[str, str] = {}  # path parameter -> a value seen in a link, for the search forms' empty inputs
    opened: dict[str, int] = {}  # route -> pages of it opened (a few objects of a detail route: their states differ)
    seen = set()
    for depth in range(3):
        following = []
        for url, route in queue:
            if opened.get(route, 0) >= (PAGES_PER_ROUTE if PARAM.search(route) or "?" in url else 1):
                continue
            opened[route] = opened.get(route, 0) + 1
            found.setdefault(route, url)
            response, keys = walker.send("get", url)
            if route not in reads or (response is not None and response.status_code == 200):
                reads[route] = plain(response, keys, walker.elapsed)
            REACHED.setdefault(route, set()).add(response.status_code if response is not None else 500)
            links, page_forms, get_forms = _links(response, url)
            for form in get_forms:  # a search form submitted with a value seen in a link's path (a tax code…)
                values = {k: v or known.get(k, "") for k, v in {**form["values"], **form["keep"]}.items()}
                searched = f"{urlsplit(unescape(form['action'])).path}?{urlencode(values)}"
                target = route_of(urlsplit(searched).path)
                if target and any(values.get(k) for k in form["values"]) and searched not in seen:
                    seen.add(searched)
                    following.append((searched, target[0]))
            for form in page_forms:
                target = route_of(urlsplit(form["action"]).path)
                if target:
                    forms.setdefault(target[0], []).append(form)
            for link in links:
                parts = urlsplit(link)
                if parts.netloc or not parts.path.startswith("/") or parts.path.lstrip("/").startswith(SKIPPED):
                    continue
                target = route_of(parts.path)
                if target:
                    known.update({k: str(v) for k, v in target[1].items()})
                if target and parts.path not in seen and (target[0] not in found or PARAM.search(target[0])):
                    seen.add(parts.path)
                    found.setdefault(target[0], link)
                    following.append((link, target[0]))
        queue = following if depth < 2 else []
    return found, forms, reads


def fill(route: str, found: dict[str, str]) -> str:
    """A URL for a route no link reached: each parameter's value from a route sharing the path up to it, else 1."""
    values = {}
    for m in PARAM.finditer(route):
        prefix = route[: m.end()]
        for other, url in found.items():
            if other.startswith(prefix):
                kwargs = route_of(urlsplit(url).path)[1]
                values[m[2]] = kwargs[m[2]]
                break
        else:
            values[m[2]] = {"action": "acknowledge", "what": "payment", "form": "19"}.get(m[2], 1)
    return build(route, values)


def bad_path_urls(route: str, url: str) -> list[str]:
    kwargs = route_of(urlsplit(url).path)[1]
    out = []
    for m in PARAM.finditer(route):
        converter = m[1] or "str"
        for bad in BAD_IDS if converter == "int" else BAD_TEXTS:
            out.append(build(route, {**kwargs, m[2]: bad}))
    return out


def _query(base: str, values: dict) -> str:
    parts = urlsplit(base)
    kept = [(k, v) for k, vs in QueryDict(parts.query).lists() if k not in values for v in vs]
    return f"{parts.path}?{urlencode(kept + list(values.items()), doseq=True)}"


def hostile_file(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize("username", ROLES, ids=[r or "anonymous" for r in ROLES])
@pytest.mark.django_db
def test_hostile_input_to_every_html_route_is_no_server_error(demo_token, username):
    walker = Walker(username)
    got_request_exception.connect(walker.on_exception)
    try:
        _walk(walker)
    finally:
        got_request_exception.disconnect(walker.on_exception)
    print(f"{username or 'anonymous'}: {walker.sent} requests")
    with LOG.open("a") as log:
        log.write(f"{username}: {walker.sent} requests, {sum(t for t, *_ in walker.timings):.1f} s\n")
        for t, method, url in sorted(walker.timings, reverse=True)[:25]:
            log.write(f"   {t * 1000:.0f} ms {method} {url}\n")
    assert not walker.failures, f"{len(walker.failures)} server errors:\n" + "\n".join(walker.failures)
    if username:  # the walk reached the role's pages, not only its sign-in page
        assert sum(200 in statuses for statuses in REACHED.values()) >= 10 and FORMS


def test_the_walk_reached_every_route(request):
    """After the roles (same module, run before this): every route answered something else than 404 (or 405) to one
    role's plain GET or empty POST — a route no link reaches and whose `fill` value is no object
    would be fuzzed only on its 404."""
    if len(REACHED) == 0:
        pytest.skip("run with the roles' walk")
    unreached = sorted(r for r, statuses in REACHED.items() if statuses <= {404, 405})
    refused = sorted(r for r, statuses in REACHED.items() if not statuses & {200, 302})
    with LOG.open("a") as log:
        log.write(f"no role answered 200/302 (its content was fuzzed only behind the refusal): {refused}\n")
        log.write(f"reached {len(REACHED) - len(unreached)} of {len(REACHED)} routes; forms on {len(FORMS)} routes;"
                  f" not reached: {unreached}\n")
    assert unreached == []


def rotation(keys, n=None) -> list[dict]:
    """len(HOSTILE) requests in which every key gets every hostile value once, each key shifted by its rank."""
    keys = sorted(keys)
    return [{k: HOSTILE[(i + j) % len(HOSTILE)] for j, k in enumerate(keys)} for i in range(n or len(HOSTILE))]


REFUSED = {302, 403, 405}  # the role may not use the route (or it answers another method): the view read nothing
VARIANTS = 8  # distinct forms of one route fuzzed (by their hidden values other than numbers: ids, versions)
PAGES_PER_ROUTE = 4  # objects of one detail route opened for their forms (a case's forms depend on its state)
REACHED: dict[str, set] = {}  # route -> the statuses of its plain GET, over the roles of this run
FORMS: set = set()  # routes a POST form of some role's page targets
FUZZED: set = set()  # (method, route, keys) sent the whole rotation by an earlier role of this run


def bodies(method: str, route: str, keys: set, hidden: dict | None = None, slow: bool = False) -> list[dict]:
    """The whole rotation the first time a route is fuzzed with these keys in this run; after that (another role,
    same keys) only NUL and an over-long text in every key: what the roles differ by is which routes, forms and
    keys they reach, each of which gets the whole rotation once."""
    done = (method, route, frozenset(keys), frozenset((k, v) for k, v in (hidden or {}).items() if not v.isdigit()))
    if done in FUZZED and not FULL:
        return [] if slow else [dict.fromkeys(keys, NUL), dict.fromkeys(keys, HOSTILE[1])]
    FUZZED.add(done)
    with LOG.open("a") as log:
        log.write(f"   fuzzed {method} {route} {sorted(keys)} {hidden or ''}\n")
    return rotation(keys, SHORT if slow and not FULL else None)


def _walk(walker: Walker) -> None:
    all_routes = routes()
    found, forms, reads = discover(walker, all_routes)
    FORMS.update(forms)
    urls = {route: found.get(route) or fill(route, found) for route in all_routes}
    for route, url in urls.items():
        for bad in bad_path_urls(route, url):
            walker.send("get", bad)
        if route not in reads:
            response, keys = walker.send("get", url)
            reads[route] = plain(response, keys, walker.elapsed)
            REACHED.setdefault(route, set()).add(response.status_code if response is not None else 500)
        keys, disposition, status, slow = reads[route]
        # a view that read keys gets them and the generic ones; one that read none but answered gets the generic
        # ones twice, once in the run (it may read them some other way); one that refused reading nothing, none
        if keys:
            queries = bodies("get", route, set(keys) | set(GENERIC), slow=slow)
        elif status == 200 and ("get", route, None) not in FUZZED:
            FUZZED.add(("get", route, None))
            queries = rotation(GENERIC, 2)
        else:
            queries = []
        for query in queries:
            walker.send("get", _query(url, query))
        if disposition.startswith("attachment"):
            continue  # a file download is a GET: the fuzz of its query is what it reads
        post_url = urlsplit(url).path
        response, post_keys = walker.send("post", post_url, {})
        slow = walker.elapsed > SLOW
        REACHED[route].add(response.status_code if response is not None else 500)
        if not post_keys and route not in forms:
            continue  # the view read nothing posted (a GET-only page, a refusal before the form, a 405)
        # each distinct form of the route (its action's path and hidden values: one per workflow action, say) on its
        # own, with the keys the view read from the empty POST; a route no form targets, those keys alone
        variants = {}
        for form in forms.get(route, [{"action": post_url, "keep": {}, "break": [], "files": []}]):
            keep = {k: v for k, v in form["keep"].items() if k != "csrfmiddlewaretoken"}  # the client skips CSRF
            path = urlsplit(form["action"]).path or post_url
            named = tuple(sorted((k, v) for k, v in keep.items() if not v.isdigit()))  # the action, not the ids
            variant = variants.setdefault((re.sub(r"\d+", "#", path), named),
                                          (keep, set(post_keys), set(), path, form.get("values", {})))
            variant[1].update(form["break"])
            variant[2].update(form["files"])
        for (shape, _named), (keep, breaking, files, path, shown) in list(variants.items())[:VARIANTS]:
            breaking = breaking - set(keep) - files - {"csrfmiddlewaretoken"}
            _post_variant(walker, shape, path, keep, breaking, files, slow)
            _tamper(walker, shape, path, keep, shown)


def _tamper(walker, shape, post_url, keep, shown) -> None:
    """The form as the page shows it (a valid one, for an edit page), each hidden value alone replaced by TAMPER:
    a view that reads a hidden field only once the form is valid (`int(POST["version"])`) meets it so. Once in the
    run per form."""
    done = ("tamper", shape, frozenset((k, v) for k, v in keep.items() if not v.isdigit()))
    if done in FUZZED or not keep:
        return
    FUZZED.add(done)
    for key in keep:
        for value in TAMPER:
            walker.send("post", post_url, {**shown, **keep, key: value})


def _post_variant(walker, route, post_url, keep, breaking, files, slow) -> None:
    """Every row breaks the visible fields; every other row the hidden ones too (ids, versions, the action's name:
    what a client tampers with), which keep their page's values in the others. Then the files."""
    for i, body in enumerate(bodies("post", route, breaking | set(keep), keep, slow) if breaking or keep else []):
        kept = {k: v for k, v in keep.items() if i % 2 == 0}
        walker.send("post", post_url, {**body, **kept} if kept else body)
    if files:
        walker.send("post", post_url, "", content_type="multipart/form-data; boundary=xyz")
    for name in sorted(files):
        for file_name, content in FILES:
            walker.send("post", post_url, {**keep, name: hostile_file(file_name, content)})
        walker.send("post", post_url, {**keep, name: "not a file"})
