"""Reference data of this app: the risk areas of domain B4.4 (codes inferred, names from TT38-39 art 143.3.c.3).
Used by the data migration and to restore them where a test flushed the tables."""

RISK_AREAS = [
    ("DECLARATION_VS_DOCS", "Đối chiếu nội dung khai báo với hồ sơ, chứng từ", "Declaration vs supporting documents"),
    ("ACCOUNTING", "Sổ sách, chứng từ kế toán, xuất nhập kho, dữ liệu", "Accounting books, vouchers and records"),
    ("USE_OF_GOODS", "Thực tế quản lý, sử dụng hàng hóa", "Actual management and use of goods"),
    ("PHYSICAL", "Kiểm tra thực tế hàng hóa còn lưu giữ", "Physical check of goods still held"),
    ("VALUATION", "Trị giá hải quan", "Customs valuation"),
    ("CLASSIFICATION", "Mã số hàng hóa (phân loại)", "HS classification"),
    ("ORIGIN", "Xuất xứ hàng hóa", "Origin of goods"),
    ("EXEMPTION_REFUND", "Miễn thuế, giảm thuế, hoàn thuế, không thu thuế",
     "Exemption, reduction, refund, non-collection"),
    ("PROCESSING_EXPORT_PRODUCTION", "Gia công, sản xuất xuất khẩu, doanh nghiệp chế xuất",
     "Processing, export production, export-processing enterprises"),
    ("RELATED_PARTY", "Mối quan hệ đặc biệt ảnh hưởng đến trị giá giao dịch", "Related-party relationship"),
    ("TRADE_POLICY", "Chính sách quản lý hàng hóa, giấy phép, kiểm tra chuyên ngành",
     "Trade policy, licences, specialised inspection"),
]


def ensure_risk_areas(model=None) -> None:
    """Create the risk areas that are missing (never changes an administrator's edits)."""
    if model is None:
        from .models import RiskArea as model
    for order, (code, name_vi, name_en) in enumerate(RISK_AREAS, start=1):
        model.objects.get_or_create(code=code, defaults={"name_vi": name_vi, "name_en": name_en,
                                                         "order": order * 10, "active": True})
