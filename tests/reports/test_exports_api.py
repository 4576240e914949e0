"""Excel and PDF exports read back, the API (JSON, xlsx, pdf) and the pages."""

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from stq.reports.builder import build_report
from stq.reports.excel import workbook_bytes
from stq.reports.pdf import pdf_bytes

from .factories import M


def _sheet_values(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


def _row(values, label):
    return next(r for r in values if r[0] and str(r[0]).strip() == label)


def test_excel_has_one_sheet_per_table_with_the_figures(org, q1, form19, Q1):
    report = build_report(form19, unit=org.chq, period=Q1, user=org.analyst)
    wb = load_workbook(io.BytesIO(workbook_bytes(report)))
    assert len(wb.sheetnames) == 2 and wb.sheetnames[0].startswith("A ")
    values = _sheet_values(wb.worksheets[0])
    flat = [str(v) for r in values for v in r if v is not None]
    assert "Mẫu 19 — Kết quả kiểm tra sau thông quan theo đơn vị" in flat
    assert "Đơn vị: CHQ — Cục Hải quan" in flat
    assert any(v.startswith("Kỳ báo cáo: 01/01/2026 – 31/03/2026") for v in flat)
    assert any(org.analyst.get_full_name() in v for v in flat)
    header = next(r for r in values if r[0] == "Đơn vị / chỉ tiêu")
    assert header[10] == "Số thuế ấn định (đồng)"
    total = _row(values, "Tổng cộng")  # the first block: the period
    assert total[10] == 160 * M and total[13] == 180 * M and total[14] == 45 * M
    assert total[9] == pytest.approx(66.7)
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == 160 * M)
    assert cell.number_format == "#,##0"
    assert "THỦ TRƯỞNG ĐƠN VỊ" in flat and "NGƯỜI LẬP BIỂU" in flat  # the signature blocks
    # the official heading (issue 18 item 5): the agency and the unit beside the national motto, the date made
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat and "Độc lập - Tự do - Hạnh phúc" in flat
    assert "BỘ TÀI CHÍNH" in flat and "CỤC HẢI QUAN" in flat and any(v.startswith("Ngày lập: ") for v in flat)
    for name, title in zip(wb.sheetnames, (f"{t.table.key} {t.title}" for t in report.tables), strict=True):
        assert len(name) <= 31 and title.startswith(name) and title[len(name):][:1] in ("", " ")  # cut at a word


def test_pdf_contains_the_figures_in_vietnamese(org, q1, form20, Q1):
    report = build_report(form20, unit=org.chq, period=Q1, user=org.analyst)
    reader = PdfReader(io.BytesIO(pdf_bytes(report)))
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Kết quả kiểm tra sau thông quan theo lĩnh vực rủi ro" in text
    assert "Trị giá hải quan" in text
    assert "110.000.000" in text and "160.000.000" in text and "180.000.000" in text
    assert "NGƯỜI LẬP BIỂU" in text and "THỦ TRƯỞNG ĐƠN VỊ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Ngày lập: " in text and "CỤC HẢI QUAN" in text


def _login(client, user):
    client.force_login(user)
    return client


def test_api_json_with_drill_links(client, org, q1):
    res = _login(client, org.analyst).get("/api/v1/reports/form-19/?unit=CHQ&from=2026-01-01&to=2026-03-31")
    assert res.status_code == 200
    data = res.json()
    assert data["form"] == "19" and data["unit"] == "CHQ" and data["reconciliation"] is None
    table = data["tables"][0]
    total = next(r for r in table["blocks"][0]["rows"] if r["key"] == "total")
    assert total["cells"]["tax_assessed"]["value"] == 160 * M
    assert total["cells"]["violation_rate"]["value"] == "66.7"
    link = total["cells"]["tax_assessed"]["records"]
    assert "/reports/form-19/records/?" in link and "column=tax_assessed" in link
    page = client.get(link)
    assert page.status_code == 200 and q1.a.number in page.content.decode()


def test_api_files(client, org, q1):
    _login(client, org.analyst)
    xlsx = client.get("/api/v1/reports/form-20/?unit=CHQ&period=2026-Q1&format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "mau20_CHQ_20260101_20260331.xlsx" in xlsx["Content-Disposition"]
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert _row(_sheet_values(wb.worksheets[0]), "Tổng cộng")[4] == 160 * M
    pdf = client.get("/api/v1/reports/form-19/?unit=KV01&from=2026-01-01&to=2026-03-31&format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "110.000.000" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)


def test_api_refuses_what_the_user_may_not_see(client, org, q1):
    _login(client, org.officer1)
    assert client.get("/api/v1/reports/form-19/?unit=CHQ&period=2026-Q1").status_code == 404
    assert client.get("/api/v1/reports/form-19/?unit=KV01-PT&period=2026-Q1").status_code == 200
    res = client.get("/api/v1/reports/form-19/?unit=KV01-PT&period=2026-Q5&format=pdf")
    assert res.status_code == 400 and res.json()["code"] == "invalid_period"
    assert client.get("/api/v1/reports/form-77/?unit=KV01-PT&period=2026").status_code == 404
    client.logout()
    assert client.get("/api/v1/reports/form-19/?period=2026").status_code in (401, 403)


def test_pages(client, org, q1):
    _login(client, org.analyst)
    res = client.get("/reports/", follow=True)
    assert res.status_code == 200
    res = client.get("/reports/form-19/?unit=CHQ&period=2026-Q1")
    body = res.content.decode()
    assert res.status_code == 200 and "160.000.000" in body and "66,7" in body
    assert "Chưa đối chiếu" in body or "not-reconciled" in body
    assert 'href="/reports/"' in client.get("/").content.decode()  # the menu entry
    dash = client.get("/reports/dashboard/?unit=CHQ&period=2026")
    assert dash.status_code == 200 and 'id="dashboard-data"' in dash.content.decode()
    assert "<script>" not in dash.content.decode()  # no inline script
    status = client.get("/reports/form-19/reconciliation/?unit=CHQ&period=2026-Q1")
    assert status.status_code == 200 and 'data-unit="KV02-PT"' in status.content.decode()


def test_reconcile_page_flow(client, org, q1):
    _login(client, org.officer1)
    page = client.get("/reports/form-19/?unit=KV01-PT&period=2026-Q1")
    digest = page.context["digest"]
    res = client.post("/reports/form-19/reconcile/?unit=KV01-PT&from=2026-01-01&to=2026-03-31",
                      {"unit": "KV01-PT", "from": "2026-01-01", "to": "2026-03-31", "digest": digest, "note": "OK"})
    assert res.status_code == 302
    page = client.get("/reports/form-19/?unit=KV01-PT&from=2026-01-01&to=2026-03-31")
    assert 'data-testid="matches"' in page.content.decode()
    assert page.context["reconciliation"].note == "OK"


def test_dashboard_data(org, q1):
    from stq.reports.dashboard import dashboard_data
    from stq.reports.periods import named_period

    data = dashboard_data(org.chq, named_period("2026"))
    assert data["by_state"]["labels"] == ["CHQ", "KV01", "KV02"]
    assert sum(sum(d["data"]) for d in data["by_state"]["datasets"]) == 4  # decisions signed in 2026: a, b, c, e
    assert data["amounts"]["labels"][0] == "01/2026" and len(data["amounts"]["labels"]) == 12
    assert data["amounts"]["collected"][:4] == [30 * M, 40 * M, 110 * M, 20 * M]
    assert data["amounts"]["assessed"][0] == 50 * M and data["amounts"]["assessed"][1] == 135 * M
    assert data["overdue"]["data"] == [0, 0, 2]
    assert data["risk_areas"]["data"][0] == 110 * M


def test_the_overdue_chart_counts_what_form_19_counts_also_for_a_team(client, org, q1, form19, Q1):
    """Issue 18 item 8: a team (no unit below it) had an empty overdue chart while its form 19 counted 2 overdue
    items: the chart left out the form's only row. One measure, one row set: the chart is the form's column."""
    from stq.reports.dashboard import dashboard_data

    form = build_report(form19, unit=org.kv02pt, period=Q1, user=org.analyst).figures()["A2"]["period"]
    chart = dashboard_data(org.kv02pt, Q1)["overdue"]
    assert chart == {"labels": ["KV02-PT"], "data": [form["total"]["overdue_items"]]} and chart["data"] == [2]
    national = build_report(form19, unit=org.chq, period=Q1, user=org.analyst).figures()["A2"]["period"]
    chart = dashboard_data(org.chq, Q1)["overdue"]
    assert chart["labels"] == ["CHQ", "KV01", "KV02"]
    assert chart["data"] == [national[key]["overdue_items"] for key in ("own:CHQ", "unit:KV01", "unit:KV02")]


def test_a_chart_with_nothing_to_draw_says_no_data(client, org, q1):
    _login(client, org.analyst)
    page = client.get("/reports/dashboard/?unit=KV02-PT&period=2026-Q1").content.decode()
    assert 'data-testid="chart-overdue"' in page and 'data-testid="chart-overdue-empty"' not in page
    page = client.get("/reports/dashboard/?unit=KV01-PT&period=2025").content.decode()  # nothing in 2025
    for chart in ("chart-by-state", "chart-amounts", "chart-risk-areas"):
        assert f'<p class="text-muted mb-0" data-testid="{chart}-empty">Không có dữ liệu</p>' in page
        assert f'<canvas id="{chart}"' not in page


def test_exports_say_whether_the_figures_were_reconciled(client, org, q1):
    from datetime import date

    from stq.reports import services
    from stq.reports.periods import named_period

    from .factories import payment

    services.reconciliation_confirm(actor=org.officer1, form="19", unit=org.kv01pt, period=named_period("2026-Q1"))
    _login(client, org.officer1)
    url = "/api/v1/reports/form-19/?unit=KV01-PT&period=2026-Q1"
    assert client.get(url).json()["reconciliation"]["differs"] is False
    payment(q1.a, date(2026, 3, 31), 2 * M)
    data = client.get(url).json()["reconciliation"]
    assert data["differs"] is True and data["confirmed_by"] == "officer1"
    assert {"table": "A", "block": "period", "row": "total", "column": "collected", "reconciled": 110 * M,
            "now": 112 * M} in data["differences"]
    wb = load_workbook(io.BytesIO(client.get(url + "&format=xlsx").content))
    flat = [str(v) for r in _sheet_values(wb.worksheets[0]) for v in r if v is not None]
    assert any(v.startswith("Đã đối chiếu bởi") and "khác với số liệu đã đối chiếu" in v for v in flat)
