"""Issue #10, item 2: an object of another unit is never visible through a list, a search, an export, a report
drill-down or the API unless the policy allows it.

Unit A is KV01-PT: an information collection, an audit proposal and a concluded case with a penalty, a payment,
a complaint and a document, an STQ01 (legacy) record, a change request and a notification, all made through the
apps' own services and test factories. (Risk target lists and alerts are national data by policy — `risk.view` is
granted to every role, "scores, criteria, models, lists (national data)" — so they are walked, not planted.)
Then an officer and an approver of the sibling unit KV02-PT walk

  1. every GET operation of the OpenAPI schema (/api/v1/schema/), path parameters filled with A's objects;
  2. every UI route of the URL resolver, path parameters filled with A's objects;
  3. every report drill-down link of the Mẫu 19 / Mẫu 20 pages, for their own unit and forced to A's units.

Detail endpoints of A's objects must answer 403/404 (405 for POST-only routes); every other answer (lists, searches,
Excel exports opened with openpyxl) must not contain A's numbers. The endpoints come from the schema and the resolver,
so a new endpoint is walked without editing this test; a new route with path parameters must be classified below
(`UI_ROUTES` / `API_SEGMENTS`), or the test fails and says which.
"""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver

from stq.audits import services as audit_services
from stq.audits.models import AuditCase, Complaint, Payment, PenaltyDecision
from stq.core.notifications import notify
from stq.feedback import services as feedback_services
from stq.legacy.services import legacy_import
from stq.org.models import RoleGrant
from tests.audits import factories as audits
from tests.collection import factories as collection
from tests.factories import UnitFactory
from tests.legacy import helpers as legacy

# Objects of unit A are marked with this text where the model lets the test choose it (payment references,
# penalty numbers, complainants, titles); generated numbers (TTTT, proposal, case, DXCN) are added at run time.
MARK = "LEAKA"

# --- What the policy deliberately shows across units (answers from these are fetched but not searched). ---------
ALLOWED_ACROSS_UNITS = {
    # Domain A2: "Searches and duplicate warnings work across all units" and SEED rule "on creation, warn if another
    # unit has an open collection or case on the same tax code": the duplicate search and the search-first step of
    # a new collection / proposal list other units' OPEN collections, proposals and cases (unit, number, state,
    # dates) by design. Only those numbers may show there; A's payments, penalties, complaints, documents, change
    # requests and notifications (the MARK needles) must not.
    "/api/v1/duplicates/": "open_numbers",
    "audits/proposals/new/": "open_numbers",
    "collection/new/": "open_numbers",
    # stq.legacy.selectors.records_of_enterprise: "Like the duplicate search, every user sees these facts (unit,
    # numbers, dates, outcome) nationally; the content stays in the audits pages' own scope" — the enterprise page
    # (national directory) shows the STQ01 proposal number of another unit's legacy record, nothing more.
    "enterprises/<str:tax_code>/": "legacy_facts",
}

# UI routes with path parameters: route -> (kind, kwargs maker). kind "scoped": the route names an object of unit A
# and must answer 403/404/405 to a user of unit B; "national": national data by policy (enterprise directory, the
# declarations and risk data — `risk.view`/`declarations.view` are granted to all roles at any unit —, help pages,
# the national calendar, legacy batches), fetched with a plausible value and searched for A's numbers like a list.
UI_ROUTES = {
    "notifications/<int:pk>/open/": ("scoped", lambda o: {"pk": o.notification.pk}),  # another user's notification
    "administration/calendar/<int:pk>/delete/": ("national", lambda o: {"pk": 999999}),
    "administration/units/<str:code>/grants/": ("scoped", lambda o: {"code": "KV01-PT"}),
    "administration/units/<str:code>/grants/<int:pk>/revoke/": ("scoped", lambda o: {"code": "KV01-PT",
                                                                                      "pk": o.grant.pk}),
    "enterprises/<str:tax_code>/": ("national", lambda o: {"tax_code": o.case.enterprise.tax_code}),
    "collection/<int:pk>/": ("scoped", lambda o: {"pk": o.ic.pk}),
    "collection/<int:pk>/edit/": ("scoped", lambda o: {"pk": o.ic.pk}),
    "collection/<int:pk>/action/": ("scoped", lambda o: {"pk": o.ic.pk}),
    "collection/<int:pk>/results/": ("scoped", lambda o: {"pk": o.ic.pk}),
    "declarations/imports/<int:pk>/": ("national", lambda o: {"pk": 999999}),
    "declarations/imports/<int:pk>/errors.csv": ("national", lambda o: {"pk": 999999}),
    "declarations/profile/<str:tax_code>/": ("national", lambda o: {"tax_code": o.case.enterprise.tax_code}),
    "declarations/<str:number>/": ("national", lambda o: {"number": "101234567890"}),
    "risk/criteria/<int:pk>/": ("national", lambda o: {"pk": 999999}),
    "risk/criteria/<int:pk>/edit/": ("national", lambda o: {"pk": 999999}),
    "risk/criteria/<int:pk>/preview/": ("national", lambda o: {"pk": 999999}),
    "risk/models/<int:pk>/activate/": ("national", lambda o: {"pk": 999999}),
    "risk/target-lists/<int:pk>/": ("national", lambda o: {"pk": 999999}),
    "risk/backtests/<int:pk>/": ("national", lambda o: {"pk": 999999}),
    "risk/models/trainings/<int:pk>/": ("national", lambda o: {"pk": 999999}),
    "risk/picks/<int:pk>/collect/": ("national", lambda o: {"pk": 999999}),
    "risk/alerts/<int:pk>/<str:action>/": ("national", lambda o: {"pk": 999999, "action": "acknowledge"}),
    "risk/enterprises/<str:tax_code>/recompute/": ("national", lambda o: {"tax_code": o.case.enterprise.tax_code}),
    "audits/proposals/<int:pk>/": ("scoped", lambda o: {"pk": o.proposal.pk}),
    "audits/proposals/<int:pk>/edit/": ("scoped", lambda o: {"pk": o.proposal.pk}),
    "audits/proposals/<int:pk>/action/": ("scoped", lambda o: {"pk": o.proposal.pk}),
    "audits/proposals/<int:pk>/open/": ("scoped", lambda o: {"pk": o.proposal.pk}),
    "audits/<int:pk>/": ("scoped", lambda o: {"pk": o.case.pk}),
    "audits/<int:pk>/action/": ("scoped", lambda o: {"pk": o.case.pk}),
    "audits/<int:pk>/decision/": ("scoped", lambda o: {"pk": o.case.pk}),
    "audits/<int:pk>/conclusion/": ("scoped", lambda o: {"pk": o.case.pk}),
    "audits/<int:pk>/conclusions/<int:cid>/approve/": ("scoped", lambda o: {"pk": o.case.pk,
                                                                              "cid": o.conclusion.pk}),
    "audits/<int:pk>/handling/<str:what>/": ("scoped", lambda o: {"pk": o.case.pk, "what": "payment"}),
    "audits/<int:pk>/complaints/<int:cid>/decide/": ("scoped", lambda o: {"pk": o.case.pk, "cid": o.complaint.pk}),
    "audits/<int:pk>/documents/": ("scoped", lambda o: {"pk": o.case.pk}),
    "audits/documents/<int:did>/": ("scoped", lambda o: {"did": o.document.pk}),
    # Reports: the user's own (default) unit; A's units are forced in `test_report_drill_downs_...` below.
    "reports/form-<str:form>/": ("national", lambda o: {"form": "19"}),
    "reports/form-<str:form>/records/": ("national", lambda o: {"form": "19"}),
    "reports/form-<str:form>/reconcile/": ("national", lambda o: {"form": "19"}),
    "reports/form-<str:form>/reconciliation/": ("national", lambda o: {"form": "19"}),
    "feedback/<int:pk>/": ("scoped", lambda o: {"pk": o.change_request.pk}),
    "feedback/<int:pk>/action/": ("scoped", lambda o: {"pk": o.change_request.pk}),
    "feedback/<int:pk>/comment/": ("scoped", lambda o: {"pk": o.change_request.pk}),
    "legacy/batches/<int:pk>/": ("national", lambda o: {"pk": 999999}),
    "help/<slug:slug>/": ("national", lambda o: {"slug": "audits"}),
}

# UI routes not walked by GET, with the reason.
UI_SKIPPED_PREFIXES = (
    "api/",  # walked from the OpenAPI schema (test_api_...)
    "django-admin/",  # the Django admin: staff only; officers and approvers are never staff
    "logout/",  # a GET would end the walker's session
    "oidc/",  # redirects to the central sign-in provider
    "i18n/",  # set_language: POST only, no data
)

# API paths: first segment after /api/v1/ -> (kind, {parameter: value maker}), as for UI_ROUTES.
API_SEGMENTS = {
    "units": ("scoped", {"code": lambda o: "KV01-PT", "grant_id": lambda o: o.grant.pk}),
    "info-collections": ("scoped", {"pk": lambda o: o.ic.pk, "id": lambda o: o.ic.pk}),
    "audit-proposals": ("scoped", {"pk": lambda o: o.proposal.pk, "id": lambda o: o.proposal.pk}),
    "audit-cases": ("scoped", {"pk": lambda o: o.case.pk, "id": lambda o: o.case.pk}),
    "change-requests": ("scoped", {"pk": lambda o: o.change_request.pk, "id": lambda o: o.change_request.pk}),
    "enterprises": ("national", {"tax_code": lambda o: o.case.enterprise.tax_code}),  # national directory
    "declarations": ("national", {"number": lambda o: "101234567890", "pk": lambda o: 999999,
                                  "id": lambda o: 999999}),
    "risk": ("national", {"tax_code": lambda o: o.case.enterprise.tax_code, "number": lambda o: "101234567890",
                          "pk": lambda o: 999999, "id": lambda o: 999999}),
    "reports": ("national", {"form": lambda o: "19"}),  # own unit by default; ?unit=KV01-PT is a query variant
}

DENIED = {403, 404, 405}
# An object of another unit answers as a missing one, the same on every surface (page, edit, action, file, API): 404;
# a GET of a POST-only route answers 405 before any lookup. (A 403 would tell that the object exists.)
NOT_FOUND = {404, 405}


def query_variants(objs):
    """Searches and filters tried on every list: by A's tax codes, numbers and unit."""
    return [{}, {"q": objs.case.enterprise.tax_code}, {"q": objs.ic.enterprise.tax_code}, {"q": objs.case.number},
            {"enterprise": objs.case.enterprise.tax_code}, {"unit": "KV01-PT"}, {"unit": objs.unit_pk},
            {"tax_code": objs.ic.enterprise.tax_code}, {"number": objs.ic.number}, {"search": objs.proposal.number}]


@pytest.fixture
def unit_a(org, settings, tmp_path, django_capture_on_commit_callbacks):
    """Unit A's objects, made the way the apps' tests make them."""
    settings.MEDIA_ROOT = str(tmp_path)
    UnitFactory(code="KTSTQ", name="Chi cục Kiểm tra sau thông quan", level_label="Chi cục", parent=org.chq,
                is_department_scope=True)  # the central PCA unit that handles change requests
    ic = collection.proposal(org.officer1, org.kv01pt, collection.enterprise(collection.OTHER_CODE))
    ic = collection.act(org.officer1, ic, "submit")  # an open collection, as the duplicate search lists them
    case = audits.concluded(org)
    conclusion = case.conclusions.get()
    penalty = PenaltyDecision.objects.create(case=case, number=f"{MARK}/QD-XPHC", issued_on=case.concluded_on
                                             or conclusion.signed_on, legal_article="Điều 9 NĐ 128/2020",
                                             amount=20_000_000)
    payment = Payment.objects.create(case=case, paid_on=conclusion.signed_on + timedelta(days=1), amount=110_000_000,
                                     kind="tax", reference=f"KB-{MARK}-PAY")
    complaint = Complaint.objects.create(case=case, instance=1, filed_on=conclusion.signed_on + timedelta(days=2),
                                         complainant=f"Công ty {MARK} khiếu nại", contested=f"{MARK}/QD-XPHC",
                                         created_by=org.officer1)
    document = audit_services.document_upload(actor=org.officer1, case=case, title=f"Biên bản {MARK}",
                                              file=SimpleUploadedFile("kl.pdf", b"%PDF-1.7\n%" + MARK.encode()))
    change_request = feedback_services.change_request_create(
        actor=org.officer1, unit=org.kv01pt, function_name=f"Danh sách {MARK}", proposed_change=f"Thêm cột {MARK}",
        reason="Cần cho báo cáo")
    legacy_import(actor=org.admin_chq, filename="stq01.csv", dry_run=False, content=legacy.csv_bytes([legacy.row(
        stq01_id=f"STQ01-{MARK}", tax_code=case.enterprise.tax_code, proposal_number="15/DX-LEGACYA",
        decision_number="88/QD-LEGACYA", conclusion_number="12/KL-LEGACYA", penalty_number="7/QD-LEGACYA")]))
    legacy_case = AuditCase.objects.get(legacy=True)
    with django_capture_on_commit_callbacks(execute=True):  # notifications are sent on commit
        notify([org.officer1], title=f"Thông báo {MARK}", url=case.get_absolute_url())
    from stq.core.models import Notification

    objs = type("UnitA", (), {})()
    objs.ic, objs.case, objs.proposal, objs.conclusion = ic, case, case.proposal, conclusion
    objs.penalty, objs.payment, objs.complaint, objs.document = penalty, payment, complaint, document
    objs.change_request, objs.unit_pk = change_request, org.kv01pt.pk
    objs.notification = Notification.objects.filter(recipient=org.officer1).latest("pk")
    objs.grant = RoleGrant.objects.filter(user=org.officer1).first()
    objs.legacy_case = legacy_case
    objs.open_numbers = {ic.number, case.number, case.proposal.number}
    objs.legacy_facts = {legacy_case.proposal.number}
    objs.needles = [MARK, ic.number, case.number, case.proposal.number, conclusion.number, change_request.number,
                    legacy_case.number, legacy_case.proposal.number, "88/QD-LEGACYA", "12/KL-LEGACYA", "7/QD-LEGACYA"]
    return objs


@pytest.fixture(params=["officer2", "approver2"])
def walker(request, org, unit_a):
    """A signed-in client of unit B (KV02-PT), officer or approver."""
    client = Client()
    client.force_login(getattr(org, request.param))
    return client


def body_text(response) -> str:
    """The answer as text: Excel workbooks are opened and every cell is read."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in response.get("Content-Type", ""):
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for v in row if v is not None)
    return html.unescape(content.decode("utf-8", "replace"))


def leaks(response, objs, route: str = "", params: dict | None = None) -> list[str]:
    """A's needles found in the answer; a search box echoing the user's own query (value="...") is not a leak, and
    an allow-listed route (by its resolver route or schema path) may show only what ALLOWED_ACROSS_UNITS names."""
    text = body_text(response)
    for value in (params or {}).values():
        text = text.replace(f'value="{value}"', "")
    allowed = getattr(objs, ALLOWED_ACROSS_UNITS[route]) if route in ALLOWED_ACROSS_UNITS else set()
    return [n for n in objs.needles if n in text and n not in allowed]


def resolver_routes():
    def walk(resolver, prefix=""):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    return list(dict.fromkeys(walk(get_resolver())))


PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
API_PARAM = re.compile(r"{(\w+)}")


def ui_url(route: str, values: dict) -> str:
    return "/" + PARAM.sub(lambda m: str(values[m.group(1)]), route)


def api_url(path: str, makers: dict, objs) -> str:
    return API_PARAM.sub(lambda m: str(makers[m.group(1)](objs)), path)


def test_ui_routes_show_nothing_of_another_unit(walker, unit_a):
    problems, unclassified, walked = [], [], 0
    for route in resolver_routes():
        if route.startswith(UI_SKIPPED_PREFIXES):
            continue
        if PARAM.search(route):
            if route not in UI_ROUTES:
                unclassified.append(route)
                continue
            kind, kwargs = UI_ROUTES[route]
            url = ui_url(route, kwargs(unit_a))
            variants = [{}] if kind == "scoped" else query_variants(unit_a)
        else:
            kind, url, variants = "list", "/" + route, query_variants(unit_a)
        for params in variants:
            response = walker.get(url, params)
            walked += 1
            if response.status_code >= 500:
                problems.append(f"{url} {params}: {response.status_code}")
            elif kind == "scoped" and response.status_code not in NOT_FOUND:
                problems.append(f"{url}: {response.status_code}, expected 404 for unit A's object")
            elif found := leaks(response, unit_a, route, params):
                problems.append(f"{url} {params}: shows {found}")
    assert not unclassified, f"classify these routes in UI_ROUTES: {unclassified}"
    assert walked > 100
    assert not problems, "\n".join(problems)


def test_api_shows_nothing_of_another_unit(walker, unit_a):
    schema = walker.get("/api/v1/schema/", {"format": "json"}).json()
    problems, unclassified, walked = [], [], 0
    for template, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        path, names = template, API_PARAM.findall(template)
        kind, variants = "list", query_variants(unit_a)
        if names:
            segment = path.removeprefix("/api/v1/").split("/")[0]
            kind, makers = API_SEGMENTS.get(segment, (None, {}))
            if kind is None or not set(names) <= set(makers):
                unclassified.append(path)
                continue
            path = api_url(path, makers, unit_a)
            variants = [{}] if kind == "scoped" else query_variants(unit_a)
        for params in variants:
            response = walker.get(path, params)
            walked += 1
            if response.status_code >= 500:
                problems.append(f"{path} {params}: {response.status_code}")
            elif kind == "scoped" and response.status_code != 404:
                problems.append(f"{path}: {response.status_code}, expected 404 for unit A's object")
            elif found := leaks(response, unit_a, template, params):
                problems.append(f"{path} {params}: shows {found}")
    assert not unclassified, f"classify these API paths in API_SEGMENTS: {unclassified}"
    assert walked > 50
    assert not problems, "\n".join(problems)


def test_the_walker_sees_unit_a_objects_when_it_is_unit_a(org, unit_a):
    """The needles are real: unit A's own officer finds them in the same lists (so an empty walk cannot pass)."""
    client = Client()
    client.force_login(org.officer1)
    for url, expected in [("/collection/", unit_a.ic.number), ("/audits/", unit_a.case.number),
                          ("/audits/proposals/", unit_a.proposal.number), ("/audits/export.xlsx", unit_a.case.number),
                          ("/api/v1/audit-cases/", unit_a.case.number),
                          ("/api/v1/info-collections/", unit_a.ic.number),
                          (f"/audits/{unit_a.case.pk}/", MARK), ("/feedback/", unit_a.change_request.number)]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in body_text(response), url


def test_duplicate_search_shows_other_units_open_cases_by_design(walker, unit_a):
    """The one allow-listed answer (domain A2): the duplicate search does show unit A's open collection."""
    response = walker.get("/api/v1/duplicates/", {"tax_code": unit_a.ic.enterprise.tax_code})
    assert response.status_code == 200
    assert unit_a.ic.number in body_text(response)


DRILL = re.compile(r'href="([^"]*/records/[^"]*)"')


@pytest.mark.parametrize("form", ["19", "20"])
def test_report_drill_downs_show_nothing_of_another_unit(walker, unit_a, form):
    """Every drill-down link of the unit-B user's report page, and the same links forced to A's units."""
    year = unit_a.conclusion.signed_on.year
    page = walker.get(f"/reports/form-{form}/", {"period": str(year)})
    assert page.status_code == 200
    links = {html.unescape(u) for u in DRILL.findall(page.content.decode())}
    assert links, "the report page has drill-down links"
    for link in sorted(links):
        response = walker.get(link)
        assert response.status_code == 200, link
        assert not leaks(response, unit_a), link
        for code in ("KV01-PT", "KV01", "CHQ"):
            forced = re.sub(r"unit=[^&]*", f"unit={code}", link)
            response = walker.get(forced)
            assert response.status_code in DENIED, forced
            assert not leaks(response, unit_a), forced
    for code in ("KV01-PT", "KV01", "CHQ"):
        # the unit field offers only the user's units: another unit is an invalid choice, and no report is built
        response = walker.get(f"/reports/form-{form}/", {"period": str(year), "unit": code})
        assert response.status_code in DENIED or response.context["report"] is None
        assert not leaks(response, unit_a)
        assert walker.get(f"/api/v1/reports/form-{form}/", {"period": str(year), "unit": code}).status_code in DENIED


def test_writes_to_another_units_objects_are_refused(walker, unit_a):
    """The same routes by POST (and the API's write methods), with an empty body: 404 as for a missing object (or
    answered exactly as for a missing object: a view that validates the body first answers 400 for any id), so a
    user of unit B learns nothing and changes nothing."""
    problems = []
    for route, (kind, kwargs) in UI_ROUTES.items():
        if kind == "scoped":
            url = ui_url(route, kwargs(unit_a))
            if (status := walker.post(url, {}).status_code) != 404:
                problems.append(f"POST {url}: {status}")
    schema = walker.get("/api/v1/schema/", {"format": "json"}).json()
    for path, operations in schema["paths"].items():
        kind, makers = API_SEGMENTS.get(path.removeprefix("/api/v1/").split("/")[0], (None, {}))
        if kind != "scoped" or "{" not in path:
            continue
        url = api_url(path, makers, unit_a)
        missing = API_PARAM.sub("999999", path)
        for method in {"post", "put", "patch", "delete"} & set(operations):
            answer = getattr(walker, method)(url, {}, content_type="application/json")
            as_missing = getattr(walker, method)(missing, {}, content_type="application/json")
            same = (answer.status_code, answer.content) == (as_missing.status_code, as_missing.content)
            if answer.status_code != 404 and not same:
                problems.append(f"{method.upper()} {url}: {answer.status_code}")
    assert not problems, "\n".join(problems)


def test_legacy_records_of_another_unit_stay_in_its_scope(walker, unit_a):
    """The STQ01 case and proposal of unit A: the enterprise page names the proposal (allow-listed), their own pages
    and the API do not open."""
    case = unit_a.legacy_case
    page = walker.get(f"/enterprises/{case.enterprise.tax_code}/")
    assert page.status_code == 200 and case.proposal.number in body_text(page)
    for url in (f"/audits/{case.pk}/", f"/audits/proposals/{case.proposal.pk}/", f"/api/v1/audit-cases/{case.pk}/",
                f"/api/v1/audit-proposals/{case.proposal.pk}/"):
        assert walker.get(url).status_code in DENIED, url
