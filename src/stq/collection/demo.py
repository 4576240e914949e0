"""Demo information collections: a handful in various states across three units, including a duplicate pair
(the same enterprise proposed by KV01-PT and KV02-PT). Idempotent: skipped when demo collections exist."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from stq.core.demo import register_seeder
from stq.core.models import RiskArea
from stq.core.reference import ensure_risk_areas
from stq.enterprises.models import Enterprise
from stq.org.models import Unit, User

from . import services
from .models import InfoCollection

SIGNS = [
    "Trị giá khai báo thấp hơn 30% so với cơ sở dữ liệu giá; nghi vấn khai sai trị giá.",
    "Mã số HS khai báo khác với mã của hàng hóa tương tự tại các đơn vị khác.",
    "C/O mẫu E có dấu hiệu không đáp ứng tiêu chí xuất xứ; hàng đi qua nước thứ ba.",
    "Tỷ lệ nguyên liệu tồn kho lớn bất thường so với định mức gia công.",
    "Doanh nghiệp nhập khẩu từ công ty mẹ; chưa khai báo mối quan hệ đặc biệt.",
]


def _user(username):
    return User.objects.filter(username=username).first()


def _act(actor, case, action, note=""):
    with transaction.atomic():
        return services.info_collection_act(actor=actor, info_collection=case, action=action, note=note)


def _results(actor, case):
    rows = [{"risk_area": a.pk, "findings": f"Đã đối chiếu chứng từ về {a.name_vi.lower()}; có chênh lệch.",
             "amount_at_risk": 25_000_000 * (i + 1), "recommendation": "desk_audit" if i else "field_audit"}
            for i, a in enumerate(case.risk_areas.all())]
    services.info_collection_results_save(actor=actor, info_collection=case, results=rows)


@register_seeder(40, "information collections")
def seed_collections(options: dict) -> str:
    ensure_risk_areas()  # the data migration's rows are gone where a browser test flushed the tables
    if InfoCollection.objects.exists():
        return f"{InfoCollection.objects.count()} information collections (kept)"
    officer1, approver1 = _user("canbo.kv01pt"), _user("doitruong.kv01pt")
    officer2, approver2 = _user("canbo.kv02pt"), _user("doitruong.kv02pt")
    officer3, approver3 = _user("canbo.ktstqd1"), _user("doitruong.ktstqd1")
    units = {u.code: u for u in Unit.objects.filter(code__in=["KV01-PT", "KV02-PT", "KTSTQ-D1"])}
    heads = list(Enterprise.objects.filter(head__isnull=True).order_by("tax_code")[:8])
    if not (officer1 and approver1 and officer2 and approver2 and len(units) == 3 and len(heads) >= 6):
        return "skipped (organisation or enterprises missing)"
    areas = {a.code: a for a in RiskArea.objects.all()}
    today = timezone.localdate()

    def new(officer, unit, ent, i, codes, **kw):
        return services.info_collection_create(
            actor=officer, unit=units[unit], enterprise=ent, signs=SIGNS[i % len(SIGNS)],
            risk_areas=[areas[c] for c in codes], collection_form="declarant" if i % 2 == 0 else "outside_body",
            addressee=f"Giám đốc {ent.name}" if i % 2 == 0 else "Ngân hàng TMCP Ngoại thương Việt Nam",
            planned_start=today + timedelta(days=3), planned_end=today + timedelta(days=24), **kw)

    with transaction.atomic():
        new(officer1, "KV01-PT", heads[0], 0, ["VALUATION"])  # draft
        _act(officer1, new(officer1, "KV01-PT", heads[1], 1, ["CLASSIFICATION", "ORIGIN"]), "submit")
        b = _act(officer1, new(officer1, "KV01-PT", heads[2], 2, ["ORIGIN"]), "submit")
        _act(approver1, b, "approve")
        c = _act(approver1, _act(officer1, new(officer1, "KV01-PT", heads[3], 3,
                                               ["PROCESSING_EXPORT_PRODUCTION"]), "submit"), "approve")
        _results(officer1, c)
        _act(officer1, _act(officer1, c, "record_results"), "submit_report")
        d = _act(approver1, _act(officer1, new(officer1, "KV01-PT", heads[4], 4, ["RELATED_PARTY", "VALUATION"]),
                                 "submit"), "approve")
        _results(officer1, d)
        d = _act(officer1, _act(officer1, d, "record_results"), "submit_report")
        _act(approver1, d, "close", "Đồng ý với kết quả; chuyển bộ phận đề xuất KTSTQ tại trụ sở người khai hải quan.")
        # the duplicate pair: KV02-PT proposes the enterprise KV01-PT is already collecting on (heads[1])
        _act(officer2, new(officer2, "KV02-PT", heads[1], 0, ["VALUATION", "TRADE_POLICY"]), "submit")
        e = _act(officer2, new(officer2, "KV02-PT", heads[5], 1, ["EXEMPTION_REFUND"]), "submit")
        _act(approver2, e, "return", "Bổ sung căn cứ về dấu hiệu vi phạm.")
        if officer3 and approver3:
            f = _act(officer3, new(officer3, "KTSTQ-D1", heads[2], 2, ["ORIGIN"]), "submit")  # also a duplicate
            _act(approver3, f, "suspend", "Doanh nghiệp đang được thanh tra thuế.")
    return f"{InfoCollection.objects.count()} information collections"
