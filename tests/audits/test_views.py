"""The pages: wizard (search recorded → duplicates → form), proposal and case pages, forms, lists with Excel export
(same filters and scope), the deadline board, late recordings, PDF upload with checksum, the enterprise sections."""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stq.audits.models import AuditProposal, CaseDocument
from stq.enterprises.models import EnterpriseSearch
from tests.readback import xlsx_table

from .factories import act, areas, concluded, enterprise, opened, proposal, step, today

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def test_wizard_records_the_search_shows_duplicates_and_creates_a_draft(org, client):
    ent = enterprise()
    other = act(org.officer2, proposal(org.officer2, org.kv02pt, ent), "submit")
    c = signed_in(client, org.officer1)
    r = c.get("/audits/proposals/new/", {"q": "0100109106"})
    assert r.status_code == 200 and other.number in r.content.decode()
    assert EnterpriseSearch.objects.filter(user=org.officer1, matched_tax_codes__contains=[ent.tax_code]).exists()
    r = c.get("/audits/proposals/new/", {"tax_code": ent.tax_code})
    assert r.status_code == 200 and 'data-testid="duplicate-warning"' in r.content.decode()
    r = c.post("/audits/proposals/new/", {
        "tax_code": ent.tax_code, "unit": org.kv01pt.pk, "mode": "field", "ground": "78.2",
        "risk_areas": [a.pk for a in areas("VALUATION")],
        "period_from": str(today() - timedelta(days=300)), "period_to": str(today()), "reason": "Giá thấp",
        "planned_start": str(today() + timedelta(days=20)), "declaration_numbers": "101234567890",
        "paper_approved_on": str(today())})
    assert r.status_code == 302, r.content.decode()[:2000]
    p = AuditProposal.objects.get(unit=org.kv01pt)
    assert p.state == "draft" and p.declaration_numbers == ["101234567890"]
    r = c.get(p.get_absolute_url())
    assert r.status_code == 200 and p.number in r.content.decode()


def test_wizard_refuses_without_search_beside_the_form(org, client):
    ent = enterprise()
    c = signed_in(client, org.officer1)
    r = c.post("/audits/proposals/new/", {
        "tax_code": ent.tax_code, "unit": org.kv01pt.pk, "mode": "field", "ground": "78.2",
        "risk_areas": [a.pk for a in areas("VALUATION")],
        "period_from": str(today() - timedelta(days=300)), "period_to": str(today()), "reason": "Giá thấp",
        "planned_start": str(today() + timedelta(days=20)), "paper_approved_on": str(today())})
    assert r.status_code == 200 and 'data-testid="form-error"' in r.content.decode()
    assert not AuditProposal.objects.exists()


def test_approver_sees_the_earlier_proposal(org, client):
    ent = enterprise()
    first = act(org.officer2, proposal(org.officer2, org.kv02pt, ent), "submit")
    later = act(org.officer1, proposal(org.officer1, org.kv01pt, ent), "submit")
    c = signed_in(client, org.approver1)
    r = c.get(later.get_absolute_url())
    assert 'data-testid="priority"' in r.content.decode() and first.number in r.content.decode()
    r = c.post(f"/audits/proposals/{later.pk}/action/", {"action": "approve", "note": "x", "version": later.version})
    assert r.status_code == 400 and 'data-testid="action-error"' in r.content.decode()


def test_case_page_steps_decision_and_conclusion_forms(org, client):
    case = opened(org)
    c = signed_in(client, org.officer1)
    r = c.get(case.get_absolute_url())
    assert r.status_code == 200 and 'data-testid="action-deliver"' in r.content.decode()
    assert 'data-testid="late"' in r.content.decode()
    r = c.post(f"/audits/{case.pk}/action/", {"action": "deliver", "delivered_on": str(case.decision_signed_on),
                                              "delivery_method": "direct", "version": case.version})
    assert r.status_code == 302
    assert c.get(f"/audits/{case.pk}/decision/").status_code == 200
    r = c.post(f"/audits/{case.pk}/decision/", {"kind": "cancellation", "number": "9/QĐ", "signed_on": str(today()),
                                                "signer_name": "Trần Văn Ký", "signer_title": "Chi cục trưởng"})
    assert r.status_code == 200 and "error-reason_code" in r.content.decode()
    case = concluded(org, proposal_kw={"ent": enterprise("0301234562", "Công ty B")})
    assert c.get(f"/audits/{case.pk}/").status_code == 200
    for what in ("tax", "penalty", "payment", "referral", "complaint"):
        assert c.get(f"/audits/{case.pk}/handling/{what}/").status_code == 200


def test_conclusion_form_records_findings(org, client):
    from .factories import explanation_received

    case = explanation_received(org)
    c = signed_in(client, org.officer1)
    assert c.get(f"/audits/{case.pk}/conclusion/").status_code == 200
    area = case.risk_areas.first()
    data = {"number": "5/KL", "signed_on": str(today()), "signer_name": "Trần Văn Ký", "declarations_concerned": 3,
            "declarations_accepted": 2, "declarations_adjusted": 1, f"finding_{area.pk}": "Khai sai trị giá",
            f"violation_{area.pk}": "on", f"import_duty_{area.pk}": 7_000_000}
    r = c.post(f"/audits/{case.pk}/conclusion/", data)
    assert r.status_code == 302, r.content.decode()[-3000:]
    case.refresh_from_db()
    assert case.state == "concluded" and case.conclusions.get().findings.get().import_duty == 7_000_000


def test_a_number_past_its_column_is_the_fields_error_not_a_server_error(org, client):
    """10**19 đồng overflows the bigint column, 10**12 declarations the integer one: both were a 500 (the form's
    IntegerField had no maximum); each is now its field's error and nothing is stored (core.limits)."""
    from .factories import explanation_received

    case = explanation_received(org)
    c = signed_in(client, org.officer1)
    area = case.risk_areas.first()
    data = {"number": "5/KL", "signed_on": str(today()), "signer_name": "Trần Văn Ký",
            "declarations_concerned": 10**12, f"finding_{area.pk}": "Khai sai trị giá", f"violation_{area.pk}": "on",
            f"import_duty_{area.pk}": 10**19}
    r = c.post(f"/audits/{case.pk}/conclusion/", data)
    page = r.content.decode()
    assert r.status_code == 200 and "id_declarations_concerned" in page and f"id_import_duty_{area.pk}" in page
    assert "999999999999999" in page.replace(".", "")  # the limit, in the field's own error
    assert not case.conclusions.exists()
    case = concluded(org, proposal_kw={"ent": enterprise("0301234562", "Công ty B")})
    r = c.post(f"/audits/{case.pk}/handling/payment/", {"paid_on": str(today()), "kind": "tax", "amount": 10**19})
    assert r.status_code == 200 and not case.payments.exists()
    r = c.post(f"/audits/{case.pk}/handling/payment/", {"paid_on": str(today()), "kind": "tax", "amount": "²"})
    assert r.status_code == 200 and not case.payments.exists()


def test_pdf_upload_with_checksum_and_refusal_of_other_files(org, client):
    case = opened(org)
    c = signed_in(client, org.officer1)
    content = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    r = c.post(f"/audits/{case.pk}/documents/", {"title": "Quyết định kiểm tra",
                                                 "file": SimpleUploadedFile("qd.pdf", content, "application/pdf")})
    assert r.status_code == 302
    doc = CaseDocument.objects.get()
    assert doc.sha256 == hashlib.sha256(content).hexdigest() and doc.size == len(content)
    r = c.get(f"/audits/documents/{doc.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == content
    c.post(f"/audits/{case.pk}/documents/", {"title": "x", "file": SimpleUploadedFile("x.pdf", b"not a pdf")})
    assert CaseDocument.objects.count() == 1
    assert signed_in(client, org.officer2).get(f"/audits/documents/{doc.pk}/").status_code == 404


def test_lists_and_excel_export_use_the_same_filters_and_scope(org, client):
    a = opened(org)
    b = opened(org, proposal_kw={"ent": enterprise("0301234562", "Công ty B"), "mode": "desk"}, duration=5)
    c = signed_in(client, org.officer1)
    r = c.get("/audits/", {"mode": "desk"})
    assert b.number in r.content.decode() and a.number not in r.content.decode()
    r = c.get("/audits/export.xlsx", {"mode": "desk"})
    assert [row[0] for row in xlsx_table(r.content)[1]] == [b.number]
    r = signed_in(client, org.officer2).get("/audits/export.xlsx")
    assert xlsx_table(r.content)[1] == []
    r = signed_in(client, org.officer1).get("/audits/proposals/export.xlsx", {"year": today().year})
    assert len(xlsx_table(r.content)[1]) == 2
    assert c.get("/audits/proposals/", {"state": "approved"}).status_code == 200


def test_deadline_board_and_late_recordings(org, client):
    case = opened(org)
    c = signed_in(client, org.leader_kv01)
    r = c.get("/audits/deadlines/")
    assert r.status_code == 200 and 'data-testid="overdue-KV01-PT"' in r.content.decode()
    r = c.get("/audits/late/")
    assert case.number in r.content.decode()
    r = signed_in(client, org.officer1).get("/audits/deadlines/")
    assert case.number in r.content.decode()


def test_enterprise_page_sections_with_totals(org, client):
    case = concluded(org)
    case = step(org.approver1, case, "approve_conclusion")
    c = signed_in(client, org.officer1)
    r = c.get(f"/enterprises/{case.enterprise.tax_code}/")
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="audit-section-audits"' in html and case.number in html
    assert 'data-testid="audit-section-conclusions"' in html and "45/KL-KTSTQ" in html
