"""Uploads are checked by type (name and content) and size, and never stored under the client's file name."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from stq.core import uploads
from stq.declarations.models import ImportJob

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["tax_code", "name"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("name", "content", "rule"), [
    ("a.csv", "mã số thuế,tên\n0101234567,Công ty Ánh Dương\n".encode(), uploads.TABLES),
    ("A.XLSX", _xlsx(), uploads.TABLES),
    ("report.pdf", b"%PDF-1.7\n...", uploads.DOCUMENTS),
    ("scan.png", PNG, uploads.DOCUMENTS),
])
def test_accepted_files(name, content, rule):
    uploads.check(SimpleUploadedFile(name, content), rule)


@pytest.mark.parametrize(("name", "content", "rule", "code"), [
    ("a.exe", EXE, uploads.TABLES, "file_type"),
    ("a.csv", EXE, uploads.TABLES, "file_content"),  # a program renamed .csv
    ("a.csv", PNG, uploads.TABLES, "file_content"),
    ("a.xlsx", b"PK\x03\x04 not really a workbook", uploads.TABLES, "file_content"),
    ("a.xlsx", b"tax_code,name\n", uploads.TABLES, "file_content"),
    ("report.pdf", PNG, uploads.DOCUMENTS, "file_content"),
    ("report.html", b"<script>alert(1)</script>", uploads.DOCUMENTS, "file_type"),
    ("noextension", b"abc", uploads.TABLES, "file_type"),
    ("a.csv", b"", uploads.TABLES, "file_empty"),
])
def test_refused_files(name, content, rule, code):
    with pytest.raises(ValidationError) as refused:
        uploads.check(SimpleUploadedFile(name, content), rule)
    assert refused.value.code == code


def test_size_limit(settings):
    settings.STQ_UPLOAD_MAX_BYTES = 1024
    uploads.check(SimpleUploadedFile("a.csv", b"x" * 1024), uploads.TABLES)
    with pytest.raises(ValidationError) as refused:
        uploads.check(SimpleUploadedFile("a.csv", b"x" * 1025), uploads.TABLES)
    assert refused.value.code == "file_too_large"


def test_generated_names_ignore_the_clients_file_name():
    name = uploads.GeneratedName("audits/documents")(None, "../../etc/passwd .PDF")
    assert name.startswith("audits/documents/") and name.endswith(".pdf") and ".." not in name
    assert len(name.rsplit("/", 1)[1]) == 32 + 4


def test_enterprise_import_api_refuses_a_disguised_file(org):
    client = APIClient()
    client.force_authenticate(org.risk_manager)
    answer = client.post("/api/v1/enterprises/import/", {"file": SimpleUploadedFile("list.csv", EXE)},
                         format="multipart")
    assert answer.status_code == 400 and answer.json()["code"] == "file_content"


def test_enterprise_import_form_refuses_a_disguised_file(client, org):
    client.force_login(org.risk_manager)
    page = client.post("/enterprises/import/", {"file": SimpleUploadedFile("list.xlsx", b"PK\x03\x04junk")})
    assert page.status_code == 200 and "file_content" not in page.content.decode()
    assert page.context["form"].errors["file"]


def test_declaration_import_refuses_binary_and_stores_under_a_generated_name(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = APIClient()
    client.force_authenticate(org.risk_manager)
    refused = client.post("/api/v1/declarations/imports/", {"file": SimpleUploadedFile("d.csv", PNG)},
                          format="multipart")
    assert refused.status_code == 400 and refused.json()["code"] == "file_content"
    accepted = client.post("/api/v1/declarations/imports/",
                           {"file": SimpleUploadedFile("../../evil name.csv", b"a,b\n1,2\n"), "dry_run": "true"},
                           format="multipart")
    assert accepted.status_code in (200, 201, 202), accepted.content
    job = ImportJob.objects.latest("id")
    assert "evil" not in job.file.name and ".." not in job.file.name
    assert job.file.name.startswith("declarations/imports/")
