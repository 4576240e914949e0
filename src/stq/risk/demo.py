"""Demo risk data: the five criterion kinds (parameters fitted to the anomalies planted by the declarations
seeder), a criteria run, enterprise scores, one audit target list and the alerts of the demo import.
Idempotent: skipped when criteria exist. Works on SQLite."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from stq.core.demo import register_seeder

RATIONALE = {
    "GIA-THAP": ("Khai giá thấp hơn một nửa giá trung vị của cùng mã HS và xuất xứ — dấu hiệu khai sai trị giá.",
                 "Đối chiếu hợp đồng, hóa đơn, chứng từ thanh toán; so sánh với cơ sở dữ liệu giá."),
    "CHUYEN-XX": ("Sau khi áp dụng biện pháp phòng vệ thương mại, doanh nghiệp chuyển sang xuất xứ khác cho cùng "
                  "mặt hàng — dấu hiệu lẩn tránh.", "Kiểm tra C/O, hành trình vận chuyển, năng lực sản xuất nước "
                  "xuất khẩu."),
    "TANG-DOT-BIEN": ("Kim ngạch tăng gấp nhiều lần so với chính lịch sử của doanh nghiệp.",
                      "Xác minh nguồn vốn, đối tác mới, mục đích sử dụng hàng hóa."),
    "DN-MOI-LON": ("Doanh nghiệp mới hoạt động nhưng kim ngạch rất lớn.", "Xác minh trụ sở, người đại diện."),
    "GC-KHONG-XK": ("Nhập khẩu gia công/sản xuất xuất khẩu nhưng không xuất khẩu sản phẩm tương ứng.",
                    "Đối chiếu báo cáo quyết toán, định mức, tồn kho."),
}


def _criteria(actor, root, year: int) -> list:
    from stq.core.models import RiskArea
    from stq.declarations.models import DeclarationLine

    from . import services

    switched = (DeclarationLine.objects.filter(origin_country="MY", declaration__flow="I")
                .values("hs_code").annotate(n=Count("id")).order_by("-n").first())
    hs = (switched or {"hs_code": "72085100"})["hs_code"][:6]
    specs = [
        ("GIA-THAP", "Giá khai báo thấp bất thường", "price_below_peer_median", {"ratio": 0.5}, "VALUATION", 70),
        ("CHUYEN-XX", "Chuyển xuất xứ sau biện pháp PVTM", "origin_switch_after_measure",
         {"hs_prefixes": [hs], "previous_origins": ["CN"], "measure_date": f"{year}-07-01",
          "min_prior_share": 0.6}, "ORIGIN", 80),
        ("TANG-DOT-BIEN", "Kim ngạch tăng đột biến", "value_growth_vs_own_history",
         {"factor": 3, "recent_months": 2}, "VALUATION", 50),
        ("DN-MOI-LON", "Doanh nghiệp mới, kim ngạch lớn", "new_enterprise_large_volume",
         {"max_age_days": 180, "min_value": 50_000_000_000}, "DECLARATION_VS_DOCS", 40),
        ("GC-KHONG-XK", "Nhập gia công không xuất khẩu tương ứng", "processing_without_exports", {},
         "PROCESSING_EXPORT_PRODUCTION", 60),
    ]
    out = []
    for code, name, kind, params, area, weight in specs:
        rationale, instructions = RATIONALE[code]
        out.append(services.criterion_create(
            actor=actor, code=code, name=name, kind=kind, params=params, risk_area=RiskArea.objects.get(code=area),
            weight=weight, rationale=rationale, instructions=instructions, valid_from=dt.date(year, 1, 1),
            owner_unit=root))
    return out


def _recent_import(actor) -> None:
    """A small import in the month after the demo year, through the normal pipeline (so the import hook raises
    its alerts): one enterprise quadruples its monthly value, one declares an origin it never used, one declares
    a tenth of the usual price."""
    import csv
    import io

    from django.core.files.base import ContentFile
    from django.db.models import Sum

    from stq.declarations.importer import run_import
    from stq.declarations.layouts import COLUMNS
    from stq.declarations.models import ActivityMonth, Declaration, DeclarationLine
    from stq.declarations.services import import_job_create

    importers = list(Declaration.objects.filter(flow="I").values("importer_exporter_tax_code")
                     .annotate(n=Count("id")).order_by("-n").values_list("importer_exporter_tax_code", flat=True)[:3])
    if len(importers) < 3:
        return
    latest = Declaration.objects.order_by("-registered_on").values_list("registered_on", flat=True).first()
    day = dt.date(latest.year + (latest.month == 12), latest.month % 12 + 1, 5)
    rows, seq = [], 900_000_000

    def add(line, *, value=None, origin=None, when=day):
        nonlocal seq
        seq += 1
        h = line.declaration
        value = line.customs_value if value is None else value
        values = {
            "number": f"10{seq:09d}0", "registered_on": when.isoformat(), "customs_office": h.customs_office,
            "procedure_type": h.procedure_type, "flow": "I", "channel": "1", "declarant_tax_code": h.declarant_tax_code,
            "importer_exporter_tax_code": h.importer_exporter_tax_code, "partner_name": h.partner_name,
            "partner_country": h.partner_country, "transport_mode": h.transport_mode, "incoterms": h.incoterms,
            "currency": "VND", "exchange_rate": "1", "invoice_value": str(value), "customs_value": str(value),
            "line_no": "1", "hs_code": line.hs_code, "description": line.description,
            "origin_country": origin or line.origin_country, "quantity": str(line.quantity), "unit": line.unit,
            "unit_price": f"{value / float(line.quantity or 1):.4f}", "line_customs_value": str(value),
            "import_duty_rate": str(line.import_duty_rate), "import_duty": "0", "vat_rate": "10",
            "vat": str(value // 10), "excise_rate": "0", "excise": "0", "environmental_tax": "0",
            "trade_remedy_tax": "0", "inspection_result": ""}
        rows.append([values[c] for c in COLUMNS])

    def last_line(tax):
        return (DeclarationLine.objects.filter(declaration__importer_exporter_tax_code=tax, declaration__flow="I")
                .select_related("declaration").order_by("-declaration__registered_on", "-id").first())

    surge, newcomer, cheap = importers
    monthly = (ActivityMonth.objects.filter(tax_code=surge).aggregate(v=Sum("value"))["v"] or 0) / 12
    line = last_line(surge)
    for i in range(4):
        add(line, value=int(monthly), when=day + dt.timedelta(days=i))
    add(last_line(newcomer), origin="KH")
    line = last_line(cheap)
    add(line, value=max(1, line.customs_value // 10))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    job = import_job_create(actor=actor, file=ContentFile(out.getvalue().encode(), name="demo-recent.csv"),
                            enqueue=False)
    run_import(job)


@register_seeder(70, "risk")
def seed_risk(options: dict) -> str:
    from stq.core.reference import ensure_risk_areas
    from stq.declarations.models import Declaration, ImportJob, ImportStatus
    from stq.org.models import Unit, User

    from .alerts import scan_import
    from .models import Alert, Criterion
    from .runner import run_criteria
    from .scoring import assess
    from .targets import generate

    if Criterion.objects.exists():
        return f"{Criterion.objects.count()} criteria (kept)"
    actor = User.objects.filter(username="qlrr.chq").first()
    root = Unit.objects.root()
    latest = Declaration.objects.order_by("-registered_on").values_list("registered_on", flat=True).first()
    if actor is None or root is None or latest is None:
        return "skipped (organisation or declarations missing)"
    ensure_risk_areas()
    _recent_import(actor)
    _criteria(actor, root, latest.year)
    run = run_criteria(trigger="demo")
    scores = assess()
    for job_id in ImportJob.objects.filter(status=ImportStatus.SUCCEEDED, dry_run=False).values_list("pk", flat=True):
        scan_import(job_id)
    target_list = generate(actor=actor, unit=root, period=str(latest.year + 1), capacity=10, exploration_share=0.1,
                           seed=2026)
    listed = target_list.picks.count()
    return (f"{Criterion.objects.count()} criteria, {run.hits} hits, {scores['enterprises']} enterprises scored, "
            f"{listed} picks on a target list, {Alert.objects.count()} alerts")
