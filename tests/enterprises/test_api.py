import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from stq.enterprises.models import Enterprise, EnterpriseSearch

from .factories import EnterpriseFactory, make_tax_code

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_list_search_create_patch(org):
    EnterpriseFactory(name="Công ty TNHH Hải Dương")
    officer = client_for(org.officer1)
    body = officer.get("/api/v1/enterprises/", {"q": "hai duong"}).json()
    assert body["count"] == 1 and EnterpriseSearch.objects.count() == 1
    created = officer.post("/api/v1/enterprises/", {"tax_code": f"{make_tax_code(9)}", "name": "Công ty Mới",
                                                    "managing_unit": "KV01"}, format="json")
    assert created.status_code == 201, created.json()
    code = created.json()["tax_code"]
    bad = officer.patch(f"/api/v1/enterprises/{code}/", {"risk_class": 4}, format="json")
    assert bad.status_code == 403 and bad.json()["code"] == "risk_fields_forbidden"
    assert Enterprise.objects.get(tax_code=code).risk_class is None
    ok = client_for(org.risk_manager).patch(f"/api/v1/enterprises/{code}/", {"risk_class": 4}, format="json")
    assert ok.status_code == 200 and ok.json()["risk_class"] == 4
    dup = officer.post("/api/v1/enterprises/", {"tax_code": code, "name": "x"}, format="json")
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_tax_code"


def test_submission_focus_and_import_endpoints(org):
    ent = EnterpriseFactory()
    r = client_for(org.officer2).post(f"/api/v1/enterprises/{ent.tax_code}/profile-submissions/", {
        "submitted_on": timezone.localdate().isoformat(), "source": "supplied", "data": {"employees": 77}},
        format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["unit"] == "KV02-PT"
    ent.refresh_from_db()
    assert ent.employees == 77
    payload = {"tax_code": ent.tax_code, "risk_area": "ORIGIN", "valid_from": "2026-01-01", "reason": "C/O nghi vấn"}
    assert client_for(org.officer1).post("/api/v1/focus-list/", payload, format="json").status_code == 403
    assert client_for(org.risk_manager).post("/api/v1/focus-list/", payload, format="json").status_code == 201
    assert client_for(org.analyst).get("/api/v1/focus-list/", {"on": "2026-02-01"}).json()["count"] == 1
    upload = SimpleUploadedFile("a.csv", f"tax_code,name\n{make_tax_code(11)},Công ty X\n".encode())
    dry = client_for(org.risk_manager).post("/api/v1/enterprises/import/", {"file": upload, "dry_run": "true"},
                                                  format="multipart")
    assert dry.status_code == 200 and dry.json()["created"] == 1
    assert not Enterprise.objects.filter(tax_code=make_tax_code(11)).exists()


def test_schema_documents_endpoints(org):
    paths = APIClient().get("/api/v1/schema/", {"format": "json"}).json()["paths"]
    assert {"/api/v1/enterprises/", "/api/v1/enterprises/{tax_code}/", "/api/v1/focus-list/",
            "/api/v1/enterprises/{tax_code}/profile-submissions/", "/api/v1/enterprises/import/"} <= set(paths)
