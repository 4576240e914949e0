"""Issue 18 item 5: the case lists' exports look official, in Excel and in PDF: the national heading (CỘNG HÒA XÃ HỘI
CHỦ NGHĨA VIỆT NAM — Độc lập - Tự do - Hạnh phúc) beside the agency and the unit, the title, the filters, the date
made, the table and the signature blocks; the sheet's name is the title cut at a word. Each file is read back."""

import pytest
from django.utils import timezone

from tests.collection import factories as collection
from tests.readback import pdf_text, xlsx_table, xlsx_text

from .factories import enterprise, opened, today

pytestmark = pytest.mark.django_db

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SIGNATURES = ("NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ")


def _official(texts, *, agency, unit, title, filters):
    joined = "\n".join(texts)
    assert NATION in joined and MOTTO in joined
    assert agency in joined and unit in joined and title in joined
    assert f"Điều kiện lọc: {filters}" in joined.replace("\n", " ")
    assert f"Ngày lập: {timezone.localdate():%d/%m/%Y}" in joined
    assert all(s in joined for s in SIGNATURES)


def _sheet_name_cut_at_a_word(content, title):
    import io

    import openpyxl

    name = openpyxl.load_workbook(io.BytesIO(content)).active.title
    assert len(name) <= 31 and title.startswith(name) and title[len(name):][:1] in ("", " "), name


def test_case_list_excel_and_pdf(org, client):
    a = opened(org)
    b = opened(org, proposal_kw={"ent": enterprise("0301234562", "Công ty B"), "mode": "desk"}, duration=5)
    client.force_login(org.leader_kv01)
    query = {"mode": "desk", "unit": "KV01-PT"}
    r = client.get("/audits/export.xlsx", query)
    assert r["Content-Disposition"].endswith('.xlsx"')
    header, rows = xlsx_table(r.content)
    assert header[:3] == ["Số", "Đơn vị", "Mã số thuế"] and [row[0] for row in rows] == [b.number]
    title = "DANH SÁCH CUỘC KIỂM TRA SAU THÔNG QUAN"
    # the unit the list is filtered on heads it, under its superior; the filters read as the page shows them
    _official(xlsx_text(r.content), agency="CHI CỤC HẢI QUAN KHU VỰC I", unit="ĐỘI PHÚC TẬP VÀ KTSTQ KV I",
              title=title, filters="Đơn vị: KV01-PT")
    assert "Hình thức: Kiểm tra tại trụ sở cơ quan hải quan" in " ".join(xlsx_text(r.content))
    _sheet_name_cut_at_a_word(r.content, title)
    r = client.get("/audits/export.pdf", query)
    assert r["Content-Type"] == "application/pdf" and r["Content-Disposition"].endswith('.pdf"')
    text = pdf_text(r.content)
    _official(text.split("\n"), agency="CHI CỤC HẢI QUAN KHU VỰC I", unit="ĐỘI PHÚC TẬP VÀ KTSTQ KV I", title=title,
              filters="Đơn vị: KV01-PT")
    assert b.number in text and a.number not in text and "Công ty B" in text
    # another officer's scope: an empty table, still headed and signed
    client.force_login(org.officer2)
    assert "Không có bản ghi nào." in pdf_text(client.get("/audits/export.pdf").content)
    assert xlsx_table(client.get("/audits/export.xlsx").content)[1] == []


def test_proposal_list_excel_and_pdf(org, client):
    case = opened(org)
    client.force_login(org.officer1)
    query = {"year": today().year}
    r = client.get("/audits/proposals/export.xlsx", query)
    _header, rows = xlsx_table(r.content)
    assert [row[0] for row in rows] == [case.proposal.number]
    title = "DANH SÁCH ĐỀ XUẤT KIỂM TRA SAU THÔNG QUAN"
    # no unit chosen: the officer's own unit heads the list
    _official(xlsx_text(r.content), agency="CHI CỤC HẢI QUAN KHU VỰC I", unit="ĐỘI PHÚC TẬP VÀ KTSTQ KV I",
              title=title, filters=f"Năm: {today().year}")
    _sheet_name_cut_at_a_word(r.content, title)
    text = pdf_text(client.get("/audits/proposals/export.pdf", query).content)
    _official(text.split("\n"), agency="CHI CỤC HẢI QUAN KHU VỰC I", unit="ĐỘI PHÚC TẬP VÀ KTSTQ KV I", title=title,
              filters=f"Năm: {today().year}")
    assert case.proposal.number in text
    assert client.get("/audits/proposals/export.doc").status_code == 404


def test_information_collection_list_excel_and_pdf(org, client):
    ic = collection.act(org.officer1, collection.proposal(org.officer1, org.kv01pt), "submit")
    client.force_login(org.officer1)
    query = {"state": "submitted", "overdue": ""}
    r = client.get("/collection/export.xlsx", query)
    assert [row[0] for row in xlsx_table(r.content)[1]] == [ic.number]
    title = "DANH SÁCH THU THẬP THÔNG TIN"
    _official(xlsx_text(r.content), agency="CHI CỤC HẢI QUAN KHU VỰC I", unit="ĐỘI PHÚC TẬP VÀ KTSTQ KV I",
              title=title, filters="Trạng thái: ")
    _sheet_name_cut_at_a_word(r.content, title)
    text = pdf_text(client.get("/collection/export.pdf", query).content)
    assert ic.number in text and NATION in text and "THỦ TRƯỞNG ĐƠN VỊ" in text
