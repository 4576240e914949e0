"""The CSV layout of STQ01 records: one row per audit matter (proposal, its original decision, its conclusion).

UTF-8 (a BOM is accepted), comma- or semicolon-separated, first row = column names (case-insensitive). Unknown
columns are ignored. Dates dd/mm/yyyy or yyyy-mm-dd; amounts whole đồng (dots/spaces as thousands separators are
accepted). The help page (Records of the previous system) shows this table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    vi: str
    en: str


COLUMNS = [
    Column("stq01_id", True, "Mã hồ sơ trong STQ01 (duy nhất; dòng đã nhập ở lô trước được bỏ qua).",
           "The record's id in STQ01 (unique; a row imported by an earlier batch is skipped)."),
    Column("tax_code", True, "Mã số thuế doanh nghiệp (10 hoặc 13 số), phải có trong danh bạ.",
           "Enterprise tax code (10 or 13 digits), must be in the directory."),
    Column("unit_code", True, "Mã đơn vị đề xuất và thực hiện (có trong cây đơn vị, kể cả đơn vị cũ).",
           "Code of the proposing and conducting unit (in the unit tree, old units included)."),
    Column("proposal_number", True, "Số phiếu đề xuất KTSTQ trong STQ01 (không trùng trong đơn vị).",
           "The proposal's number in STQ01 (unique within the unit)."),
    Column("proposal_year", True, "Năm của đề xuất (năm tính quy tắc một đề xuất mỗi năm).",
           "The proposal's year (the year of the one-proposal-per-year rule)."),
    Column("proposal_date", False, "Ngày lập/nộp đề xuất.", "Date the proposal was filed."),
    Column("mode", True, "`desk` (tại trụ sở cơ quan hải quan) hoặc `field` (tại trụ sở người khai hải quan).",
           "`desk` (at the customs office) or `field` (at the declarant's premises)."),
    Column("ground", True, "Căn cứ: `78.1`, `78.2` hoặc `78.3` (khoản 1, 2, 3 Điều 78 Luật Hải quan).",
           "Ground: `78.1`, `78.2` or `78.3` (art. 78, clauses 1–3 of the Customs Law)."),
    Column("risk_areas", True, "Mã lĩnh vực rủi ro, phân cách bằng dấu ; (ví dụ `VALUATION;ORIGIN`).",
           "Risk-area codes separated by ; (e.g. `VALUATION;ORIGIN`)."),
    Column("period_from", True, "Thời kỳ kiểm tra: từ ngày.", "Audited period: from."),
    Column("period_to", True, "Thời kỳ kiểm tra: đến ngày.", "Audited period: to."),
    Column("reason", False, "Lý do đề xuất.", "Reason for the proposal."),
    Column("decision_number", False, "Số quyết định kiểm tra (nếu có: có cuộc kiểm tra).",
           "Audit decision number (when present, there is an audit case)."),
    Column("decision_signed_on", False, "Ngày ký quyết định (bắt buộc khi có số quyết định).",
           "Date the decision was signed (required with a decision number)."),
    Column("signer_name", False, "Người ký quyết định (bắt buộc khi có số quyết định).",
           "Signer of the decision (required with a decision number)."),
    Column("signer_title", False, "Chức vụ người ký.", "Signer's title."),
    Column("team_leader", False, "Trưởng đoàn kiểm tra.", "Team leader."),
    Column("start_on", False, "Ngày bắt đầu kiểm tra.", "Start of the audit."),
    Column("end_on", False, "Ngày kết thúc kiểm tra.", "End of the audit work."),
    Column("duration_working_days", False, "Thời hạn kiểm tra (ngày làm việc).", "Duration (working days)."),
    Column("conclusion_number", False, "Số kết luận / thông báo kết quả (cần có quyết định).",
           "Conclusion / result-notice number (needs a decision)."),
    Column("conclusion_signed_on", False, "Ngày ký kết luận (bắt buộc khi có số kết luận).",
           "Date the conclusion was signed (required with a conclusion number)."),
    Column("conclusion_signer", False, "Người ký kết luận.", "Signer of the conclusion."),
    Column("has_violations", False, "Có vi phạm: `1`/`0`, `có`/`không` (mặc định: có khi có số thuế ấn định).",
           "Violations found: `1`/`0`, `yes`/`no` (default: yes when tax was assessed)."),
    Column("declarations_concerned", False, "Số tờ khai được kiểm tra.", "Number of declarations audited."),
    Column("import_duty", False, "Thuế xuất nhập khẩu ấn định (đồng).", "Import/export duty assessed (VND)."),
    Column("vat", False, "Thuế GTGT ấn định (đồng).", "VAT assessed (VND)."),
    Column("excise", False, "Thuế TTĐB ấn định (đồng).", "Excise tax assessed (VND)."),
    Column("environmental", False, "Thuế BVMT ấn định (đồng).", "Environmental protection tax assessed (VND)."),
    Column("trade_remedy", False, "Thuế phòng vệ thương mại ấn định (đồng).", "Trade remedy duty assessed (VND)."),
    Column("late_interest", False, "Tiền chậm nộp (đồng).", "Late-payment interest (VND)."),
    Column("findings", False, "Tóm tắt kết luận.", "Summary of the findings."),
    Column("penalty_number", False, "Số quyết định xử phạt.", "Penalty decision number."),
    Column("penalty_issued_on", False, "Ngày ban hành quyết định xử phạt.", "Date of the penalty decision."),
    Column("fine", False, "Tiền phạt (đồng; cần số và ngày quyết định xử phạt).",
           "Fine (VND; needs the penalty decision's number and date)."),
    Column("collected", False, "Số tiền đã thu nộp NSNN (đồng).", "Amount collected to the budget (VND)."),
    Column("paid_on", False, "Ngày nộp (bắt buộc khi có số đã thu).", "Payment date (required with an amount)."),
    Column("case_state", False, "Trạng thái cuộc kiểm tra: `closed` (mặc định khi có kết luận), `cancelled`, "
           "hoặc trạng thái khác của STQ; mặc định `decision_signed` khi chưa có kết luận.",
           "Case state: `closed` (default with a conclusion), `cancelled`, or another STQ state; default "
           "`decision_signed` without a conclusion."),
]
NAMES = [c.name for c in COLUMNS]
REQUIRED = [c.name for c in COLUMNS if c.required]
AMOUNT_COLUMNS = ("import_duty", "vat", "excise", "environmental", "trade_remedy", "late_interest", "fine", "collected")


def help_context(request=None) -> dict:
    """The layout for the help page."""
    return {"legacy_columns": COLUMNS}
