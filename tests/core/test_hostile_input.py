"""Hostile input is refused once for the whole site (issue #17 items 1, 2, 3, 6): NUL and invalid characters in the
path, query, form fields and JSON bodies, far dates, oversized bodies — a 400/413 naming the field, never a 500."""

import json

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

NUL = "\x00"

API_QUERIES = [  # the places the fuzzer found (issue #17, item 1)
    ("/api/v1/audit-proposals/", "unit"), ("/api/v1/audit-proposals/", "enterprise"),
    ("/api/v1/info-collections/", "risk_areas"), ("/api/v1/change-requests/", "unit"),
    ("/api/v1/risk/target-lists/", "unit"), ("/api/v1/enterprises/", "q"), ("/api/v1/focus-list/", "q"),
    ("/api/v1/audit-cases/", "q"),
]
API_PATHS = [("/api/v1/enterprises/%00/", "tax_code"), ("/api/v1/declarations/%00/", "number"),
             ("/api/v1/risk/enterprises/%00/", "tax_code"), ("/api/v1/units/%00/grants/", "code")]


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_named(response, field, status=400):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["code"] and body["detail"] and field in body["fields"], body


@pytest.mark.parametrize(("url", "param"), API_QUERIES)
def test_nul_in_api_query_parameter_is_a_400_naming_it(org, url, param):
    assert_named(api(org.officer1).get(url, {param: f"a{NUL}b"}), param)


@pytest.mark.parametrize(("url", "param"), API_PATHS)
def test_nul_in_api_path_is_a_400_naming_the_path_parameter(org, url, param):
    response = api(org.officer1).get(url)
    if response.status_code == 404:  # the route's converter refuses the segment outright: also not a 500
        return
    assert_named(response, param)


def test_nul_in_json_body_names_the_field_path(org):
    body = {"enterprise": {"tax_code": "0100109106"}, "risk_areas": ["origin", f"x{NUL}"]}
    response = api(org.officer1).post("/api/v1/info-collections/", body, format="json")
    assert_named(response, "risk_areas.1")
    lone = api(org.officer1).post("/api/v1/info-collections/", data='{"reason": "\\ud800"}',
                                  content_type="application/json")
    assert_named(lone, "reason")


def test_nul_in_page_query_and_path_is_a_page_naming_it_in_the_layout(org):
    client = Client()
    client.force_login(org.officer1)
    page = client.get("/enterprises/", {"q": f"a{NUL}"})
    assert page.status_code == 400
    text = page.content.decode()
    assert 'data-testid="bad-request"' in text and "<strong>q</strong>" in text and 'id="main"' in text
    detail = client.get("/declarations/%00/")
    assert detail.status_code in (400, 404) and detail.status_code != 500


def test_nul_in_form_field_is_refused_and_nothing_written(org):
    from stq.feedback.models import ChangeRequest

    client = Client()
    client.force_login(org.officer1)
    response = client.post("/feedback/new/", {"unit": org.kv01pt.pk, "function_name": "Danh sách",
                                             "proposed_change": "Thêm cột", "reason": f"X{NUL}",
                                             "proposed_on": "2026-03-02"})
    assert response.status_code == 400 and "<strong>reason</strong>" in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_far_dates_are_refused_naming_them(org):
    """Item 2: form 19 with 0001-01-01..9999-12-31 was an OverflowError (500)."""
    client = api(org.analyst)
    assert_named(client.get("/api/v1/reports/form-19/", {"from": "0001-01-01", "to": "9999-12-31"}), "from")
    assert_named(client.get("/api/v1/reports/form-19/", {"period": "0001"}), "period")
    assert_named(client.get("/api/v1/focus-list/", {"on": "9999-12-31"}), "on")
    assert_named(client.get("/api/v1/declarations/", {"from": "0001-01-01"}), "from")


def test_bad_query_date_names_the_parameter_in_the_one_error_body(org):
    """Item 3: a bad date was an error nested inside itself without the parameter's name."""
    client = api(org.officer1)
    response = client.get("/api/v1/change-requests/", {"date_from": "2026-02-30"})
    assert_named(response, "date_from")
    assert isinstance(response.json()["detail"], str) and "[" not in response.json()["detail"]
    assert_named(client.get("/api/v1/focus-list/", {"on": "tomorrow"}), "on")


def test_error_message_is_in_the_request_language(org):
    client = api(org.officer1)
    vi = client.get("/api/v1/focus-list/", {"on": "0001-01-01"}, HTTP_ACCEPT_LANGUAGE="vi")
    en = client.get("/api/v1/focus-list/", {"on": "0001-01-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert vi.json()["fields"]["on"] != en.json()["fields"]["on"]
    assert "1900" in en.json()["fields"]["on"]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_oversized_bodies_are_413_in_the_layout_and_in_the_api(org):
    """Item 6: a 1.4 MB body gave a bare 400 page."""
    client = Client()
    client.force_login(org.officer1)
    page = client.post("/feedback/new/", {"reason": "x" * 20_000})
    assert page.status_code == 413 and 'data-testid="bad-request"' in page.content.decode()
    response = api(org.officer1).post("/api/v1/info-collections/", data=json.dumps({"reason": "x" * 20_000}),
                                      content_type="application/json")
    assert_named(response, "body", status=413)


def test_the_api_reads_json_bodies_and_refuses_forms_naming_the_body(org):
    """A form body has no null and no types (DRF reads an empty form field of a date as null): the API reads JSON; a
    form sent to it is a 415 naming the body, not read as an empty body. Uploads still read multipart, NUL-checked."""
    client = api(org.officer1)
    form = client.post("/api/v1/info-collections/", "unit=KV01-PT&signs=x",
                       content_type="application/x-www-form-urlencoded")
    multipart = client.post("/api/v1/info-collections/", {"unit": "KV01-PT", "signs": "x"}, format="multipart")
    for response in (form, multipart):
        assert_named(response, "body", status=415)
        assert response.json()["code"] == "unsupported_media_type"
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = api(org.risk_manager).post("/api/v1/enterprises/import/", {
        "file": SimpleUploadedFile("a.csv", b"tax_code,name\n"), "dry_run": f"x{NUL}"}, format="multipart")
    assert_named(upload, "dry_run")
