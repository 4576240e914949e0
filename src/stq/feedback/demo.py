"""Demo change requests: a few from regional teams, handled by the central PCA unit (idempotent)."""

from __future__ import annotations

from django.db import transaction

from stq.core.demo import register_seeder
from stq.org.models import Unit, User

from . import services
from .models import ChangeRequest

REQUESTS = [
    ("canbo.kv01pt", "KV01-PT", "Thu thập thông tin – kết quả theo lĩnh vực rủi ro",
     "Cho phép đính kèm văn bản trả lời của doanh nghiệp (PDF) vào kết quả từng lĩnh vực.",
     "Hiện phải lưu văn bản trả lời ngoài hệ thống, khó đối chiếu khi lãnh đạo phê duyệt báo cáo.",
     [("accepted", "Đưa vào đợt nâng cấp quý tới."), ("done", "Đã triển khai.")]),
    ("canbo.kv02pt", "KV02-PT", "Danh bạ doanh nghiệp – tìm kiếm",
     "Cho phép tìm theo địa chỉ trụ sở và theo người đại diện theo pháp luật.",
     "Nhiều doanh nghiệp đổi tên nhưng giữ địa chỉ; cần tìm nhanh khi xác minh.",
     [("accepted", "Chấp nhận; cần thống nhất với phân hệ danh bạ.")]),
    ("doitruong.kv01pt", "KV01-PT", "Báo cáo – xuất Excel",
     "Bổ sung dòng chữ ký lãnh đạo đơn vị ở cuối tệp Excel của báo cáo.",
     "Báo cáo gửi cấp trên phải có chữ ký; hiện phải sửa tay từng tệp.", []),
    ("canbo.ktstqd1", "KTSTQ-D1", "Kiểm tra sau thông quan – hồ sơ đề xuất",
     "Bỏ trường “Dự kiến đoàn kiểm tra” khỏi đề xuất.",
     "Thành viên đoàn chỉ xác định khi ký quyết định.",
     [("declined", "Trường này cần cho việc bố trí nhân lực; giữ nguyên, không bắt buộc nhập.")]),
]


@register_seeder(95, "change requests")
def seed_change_requests(options: dict) -> str:
    if ChangeRequest.objects.exists():
        return f"{ChangeRequest.objects.count()} change requests (kept)"
    handler = User.objects.filter(username="lanhdao.ktstq").first()
    units = {u.code: u for u in Unit.objects.filter(code__in={r[1] for r in REQUESTS})}
    users = {u.username: u for u in User.objects.filter(username__in={r[0] for r in REQUESTS})}
    if handler is None or not Unit.objects.filter(code="KTSTQ").exists():
        return "skipped (central PCA unit or its leader missing)"
    made = 0
    for username, unit_code, function, change, reason, steps in REQUESTS:
        if username not in users or unit_code not in units:
            continue
        with transaction.atomic():
            case = services.change_request_create(actor=users[username], unit=units[unit_code],
                                                  function_name=function, proposed_change=change, reason=reason)
            if steps:
                services.change_request_comment(actor=handler, change_request=case,
                                                text="Đã tiếp nhận, đang xem xét cùng nhà thầu.")
            for status, note in steps:
                case = services.change_request_set_status(actor=handler, change_request=case, status=status,
                                                          note=note)
        made += 1
    return f"{made} change requests"
