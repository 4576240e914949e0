"""Change-request pages, Excel export (official form layout) and API."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from stq.feedback.models import ChangeRequest
from tests.readback import pdf_text

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_create_comment_status_list(central):
    r = api(central.officer1).post("/api/v1/change-requests/", {
        "unit": "KV01-PT", "function_name": "Kiểm tra sau thông quan – quyết định",
        "proposed_change": "Tự động tính hạn giao quyết định.", "reason": "Tránh trễ hạn 3 ngày làm việc."},
        format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["state"] == "received"
    r = api(central.officer1).post(f"/api/v1/change-requests/{pk}/status/", {"status": "accepted"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = api(central.central_officer).post(f"/api/v1/change-requests/{pk}/comments/", {"text": "Đã tiếp nhận."},
                                          format="json")
    assert r.status_code == 201
    r = api(central.central_officer).post(f"/api/v1/change-requests/{pk}/status/", {"status": "declined"},
                                          format="json")
    assert r.status_code == 400 and r.json()["code"] == "note_required"
    r = api(central.central_officer).post(f"/api/v1/change-requests/{pk}/status/",
                                          {"status": "accepted", "note": "Quý II", "version": 1}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    # the history is the one case-event record: the steps and the comment (a fact: its state stays)
    assert [(h["action"], h["to"]) for h in r.json()["history"]] == [
        ("create", "received"), ("comment", "received"), ("accept", "accepted")]
    assert r.json()["comments"][0]["text"] == "Đã tiếp nhận."
    r = api(central.central_officer).post(f"/api/v1/change-requests/{pk}/status/",
                                          {"status": "done", "version": 1}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "stale"
    r = api(central.central_officer).get("/api/v1/change-requests/?state=accepted")
    assert r.json()["count"] == 1
    assert api(central.officer2).get("/api/v1/change-requests/").json()["count"] == 0
    assert api(central.officer2).get(f"/api/v1/change-requests/{pk}/").status_code == 404


def test_pages_and_excel_export(central, client):
    client.force_login(central.officer1)
    r = client.post(reverse("feedback:create"), {"unit": central.kv01pt.pk, "function_name": "Danh bạ",
                                                  "proposed_change": "Thêm cột vốn điều lệ vào danh sách.",
                                                  "reason": "", "proposed_on": "2026-03-02"})
    assert r.status_code == 200 and "reason" in r.context["form"].errors
    r = client.post(reverse("feedback:create"), {"unit": central.kv01pt.pk, "function_name": "Danh bạ",
                                                  "proposed_change": "Thêm cột vốn điều lệ vào danh sách.",
                                                  "reason": "Lọc doanh nghiệp theo quy mô.",
                                                  "proposed_on": "2026-03-02"})
    case = ChangeRequest.objects.get()
    assert r.status_code == 302 and r["Location"] == case.get_absolute_url()
    client.force_login(central.central_officer)
    assert case.number in client.get(reverse("feedback:list")).content.decode()
    r = client.post(reverse("feedback:action", args=[case.pk]), {"action": "decline", "note": "", "version": 1})
    assert r.status_code == 400
    r = client.post(reverse("feedback:action", args=[case.pk]), {"action": "accept", "note": "", "version": 1})
    assert r.status_code == 302
    client.post(reverse("feedback:comment", args=[case.pk]), {"text": "Sẽ làm trong bản 1.2."})
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Sẽ làm trong bản 1.2." in page
    # the timeline is the one case-event record: the steps and the comments, in order, in Vietnamese
    timeline = page.split('data-testid="timeline"')[1].split("</ol>")[0]
    assert timeline.index("Chấp nhận") < timeline.index("Đã thêm ý kiến")
    assert "Sẽ làm trong bản 1.2." in timeline
    r = client.get(reverse("feedback:export") + "?state=accepted")
    ws = load_workbook(io.BytesIO(r.content)).active
    header, rows = _form_rows(ws)
    assert header == ["STT", "Tên chức năng", "Đề nghị sửa đổi, bổ sung", "Lý do sửa đổi, bổ sung"]
    assert rows == [[1, "Danh bạ", "Thêm cột vốn điều lệ vào danh sách.", "Lọc doanh nghiệp theo quy mô."]]
    # the official layout (issue 18 item 5): national heading beside the unit, title, date made, signatures
    cells = [c.value for row in ws.iter_rows() for c in row if c.value]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "Độc lập - Tự do - Hạnh phúc" in cells
    assert any(str(v).startswith("Ngày lập: ") for v in cells)
    assert "NGƯỜI LẬP BIỂU" in cells and "THỦ TRƯỞNG ĐƠN VỊ" in cells
    r = client.get(reverse("feedback:export") + "?state=done")
    assert _form_rows(load_workbook(io.BytesIO(r.content)).active)[1] == []  # filters apply to the export
    r = client.get(reverse("feedback:export_pdf") + "?state=accepted")  # the same list as a PDF
    assert r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "ĐỀ XUẤT SỬA ĐỔI" in text and case.number in text and "Ngày lập: " in text
    assert "NGƯỜI LẬP BIỂU" in text and "THỦ TRƯỞNG ĐƠN VỊ" in text


def _form_rows(ws):
    """The form's header (first four columns) and the data rows below it, up to the first empty row."""
    values = [[c.value for c in row][:4] for row in ws.iter_rows()]
    start = next(i for i, row in enumerate(values) if row[0] == "STT")
    rows = []
    for row in values[start + 1:]:
        if row[0] is None:
            break
        rows.append(row)
    return values[start], rows
