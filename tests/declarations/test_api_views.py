import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from stq.declarations.models import Declaration, ImportJob

from .helpers import TAX_A, csv_bytes, do_import, row

pytestmark = pytest.mark.django_db


def client_for(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_api_search_and_detail(org):
    do_import([row(), row(number="100000000020", registered_on="2024-01-05")])
    c = client_for(org.officer2)
    r = c.get("/api/v1/declarations/", {"tax_code": TAX_A, "from": "2025-01-01", "to": "2025-12-31", "hs": "8542"})
    assert r.status_code == 200 and [d["number"] for d in r.json()["results"]] == ["100000000010"]
    r = c.get("/api/v1/declarations/100000000010/")
    assert r.status_code == 200 and r.json()["lines"][0]["hs_code"] == "85423100"
    assert c.get("/api/v1/declarations/99999999999/").json()["code"] == "not_found"
    assert c.get("/api/v1/declarations/", {"from": "x"}).json()["code"] == "invalid_date"


def test_api_import_job_with_progress_and_errors(org, django_capture_on_commit_callbacks):
    c = client_for(org.risk_manager)
    upload = SimpleUploadedFile("d.csv", csv_bytes([row(), row(line_no="2", hs_code="12")]), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post("/api/v1/declarations/imports/", {"file": upload, "dry_run": "false"}, format="multipart")
    assert r.status_code == 201
    job = c.get(f"/api/v1/declarations/imports/{r.json()['id']}/").json()
    assert job["status"] == "failed" and job["errors_count"] == 1 and job["rows_done"] == 2 and job["percent"] == 100
    assert "errors.csv" in job["errors_url"]
    assert not Declaration.objects.exists()
    # issue #17 item 4: an API client reads the errors file with the token it used (it was redirected to /login/)
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=org.risk_manager).key}")
    errors = token_client.get(job["errors_url"])
    assert errors.status_code == 200 and errors["Content-Type"] == "text/csv"
    assert b"bad_hs_code" in b"".join(errors.streaming_content)
    assert token_client.get(f"/api/v1/declarations/imports/{job['id'] + 1000}/errors.csv").status_code == 404
    assert APIClient().get(job["errors_url"]).status_code in (401, 403)
    denied = client_for(org.analyst).post("/api/v1/declarations/imports/",
                                          {"file": SimpleUploadedFile("e.csv", b"x")}, format="multipart")
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    assert ImportJob.objects.count() == 1


def test_pages_render(org, client):
    job = do_import([row(), row(line_no="2", hs_code="1")], dry_run=True)
    do_import([row()])
    client.force_login(org.risk_manager)
    assert b"100000000010" in client.get("/declarations/?tax_code=" + TAX_A).content
    assert client.get("/declarations/100000000010/").status_code == 200
    assert client.get("/declarations/imports/").status_code == 200
    assert client.get(f"/declarations/imports/{job.pk}/").status_code == 200
    errors = client.get(f"/declarations/imports/{job.pk}/errors.csv")
    assert errors.status_code == 200 and b"bad_hs_code" in b"".join(errors.streaming_content)
    assert client.get("/declarations/dormant/").status_code == 200
    page = client.get(f"/declarations/profile/{TAX_A}/")
    assert b"stq-activity-data" in page.content and b"<script>" not in page.content


def test_search_counts_stop_at_the_cap(org, client, monkeypatch):
    """Broad searches over tens of millions of declarations count at most COUNT_CAP rows (page and API)."""
    from stq.core import paging
    from stq.declarations.selectors import declaration_search

    do_import([row(number=f"1000000000{i}0", registered_on=f"2025-01-0{i}") for i in range(1, 6)]
              + [row(number="100000000060", line_no="1", hs_code="03031100"),
                 row(number="100000000060", line_no="2", hs_code="85423100")])
    everything = declaration_search(org.officer2)
    assert everything.count() == 6
    exact = paging.CappedPaginator(everything, 2, cap=10)
    assert (exact.count, exact.more, exact.num_pages) == (6, False, 3)
    capped = paging.CappedPaginator(everything, 2, cap=4)
    assert (capped.count, capped.more, capped.num_pages) == (4, True, 2)
    assert [d.number for d in capped.page(1)] == [d.number for d in everything[:2]]  # newest first, same order
    # an HS search matches a declaration once, whatever the number of its lines that match
    assert [d.number for d in declaration_search(org.officer2, hs="0303")] == ["100000000060"]
    assert declaration_search(org.officer2, hs="8542").count() == 6

    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    c = client_for(org.officer2)
    body = c.get("/api/v1/declarations/", {"limit": 2}).json()
    assert body["count"] == 4 and len(body["results"]) == 2 and body["next"]
    assert c.get("/api/v1/declarations/", {"limit": 2, "offset": 6}).json()["results"] == []
    assert c.get("/api/v1/declarations/", {"hs": "0303"}).json()["count"] == 1
    client.force_login(org.officer2)
    page = client.get("/declarations/").content.decode()
    assert 'data-testid="more-than-cap"' in page and "Trang 1 / 1" in page  # 4 counted, 50 a page
    monkeypatch.setattr(paging, "COUNT_CAP", 10_000)
    page = client.get("/declarations/").content.decode()
    assert 'data-testid="more-than-cap"' not in page and "100000000060" in page
