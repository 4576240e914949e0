"""Demo audits: proposals in every state (one pair on the same enterprise, the later one blocked by the first filed;
one from a closed information collection) and cases along the desk and field paths — closed, concluded with
amounts, fines, partial payments and a complaint, under way, suspended, cancelled, overdue — dated in the past so that
every deadline, late recording and report figure has something to show. Idempotent: skipped when proposals exist."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from stq.collection.models import InfoCollection
from stq.core import calendar
from stq.core.demo import register_seeder
from stq.core.errors import AppError
from stq.enterprises.models import Enterprise
from stq.enterprises.services import search_record
from stq.org.models import Unit, User

from . import services
from .models import AuditProposal

REASONS = [
    "Kết quả thu thập thông tin cho thấy trị giá khai báo thấp hơn 30% so với cơ sở dữ liệu giá.",
    "Doanh nghiệp gia công có tỷ lệ tồn kho nguyên liệu bất thường; cần kiểm tra định mức và thanh khoản.",
    "Nghi vấn gian lận xuất xứ C/O mẫu E; hàng hóa quá cảnh nước thứ ba.",
    "Doanh nghiệp chưa được kiểm tra sau thông quan trong 5 năm; thuộc diện ưu đãi miễn thuế dự án đầu tư.",
    "Áp mã HS có thuế suất thấp cho mặt hàng linh kiện điện tử; nhiều tờ khai luồng vàng.",
]
SIGNER = {"signer_name": "Nguyễn Văn Quyết", "signer_title": "Chi cục trưởng Chi cục KTSTQ",
          "signer_authority": "Thừa ủy quyền Cục trưởng"}


def _user(username):
    return User.objects.filter(username=username).first()


def _wd(n):
    return calendar.add_working_days(timezone.localdate(), n)


class _Seed:
    def __init__(self, officer, approver, unit, areas):
        self.officer, self.approver, self.unit, self.areas = officer, approver, unit, areas
        self.n = 0

    def proposal(self, ent, *, mode="field", ground="78.2", codes=("VALUATION", "ORIGIN"), start_in=20, **kw):
        search_record(actor=self.officer, query=ent.tax_code, matched_count=1, matched_tax_codes=[ent.tax_code])
        today = timezone.localdate()
        self.n += 1
        return services.proposal_create(
            actor=self.officer, unit=self.unit, enterprise=ent, mode=mode, ground=ground,
            risk_areas=[self.areas[c] for c in codes], period_from=today - timedelta(days=3 * 365),
            period_to=today - timedelta(days=60), reason=REASONS[self.n % len(REASONS)],
            planned_team="Trưởng đoàn: Lê Minh Tâm; thành viên: Phạm Thu Hà, Đỗ Quang Vinh",
            planned_start=today + timedelta(days=start_in),
            declaration_numbers=[f"10{self.n:04d}{i:05d}0" for i in range(1, 4)],
            **{"paper_approved_on": today, **kw})

    def act(self, p, action, actor=None, note=""):
        return services.proposal_act(actor=actor or self.officer, proposal=p, action=action, note=note)

    def approved(self, ent, **kw):
        p = self.act(self.proposal(ent, **kw), "submit")
        return self.act(p, "approve", self.approver, "Đồng ý đề xuất." if p.duplicate_warning else "")

    def case(self, ent, *, signed_ago, duration=8, **kw):
        p = self.approved(ent, **kw)
        signed = _wd(-signed_ago)
        start = calendar.add_working_days(signed, 6) if p.ground != "78.1" else signed
        case = services.case_open(actor=self.officer, proposal=p, number=f"{100 + self.n}/QĐ-KTSTQ",
                                  signed_on=signed, start_on=start, duration_working_days=duration,
                                  team_leader="Lê Minh Tâm", team_members="Phạm Thu Hà; Đỗ Quang Vinh", **SIGNER)
        return services.decision_approve(actor=self.approver, case=case)  # in effect once a leader approves it

    def step(self, case, action, actor=None, note="", **data):
        return services.case_act(actor=actor or self.officer, case=case, action=action, note=note, data=data)

    def fieldwork(self, case):
        case = self.step(case, "deliver", delivered_on=case.decision_signed_on, delivery_method="direct")
        return self.step(case, "start", started_on=case.planned_start_on)

    def ended(self, case, days=5):
        return self.step(self.fieldwork(case), "end", ended_on=calendar.add_working_days(case.planned_start_on,
                                                                                         days - 1))

    def explained(self, case):
        case = self.ended(case)
        end = case.ended_on
        case = self.step(case, "sign_minutes", minutes_signed_on=calendar.add_working_days(end, 2))
        case = self.step(case, "send_draft", draft_sent_on=case.minutes_signed_on + timedelta(days=3))
        return self.step(case, "receive_explanation", explanation_on=end + timedelta(days=9))

    def conclude(self, case, amounts, *, violations=True, approve=True):
        signed = case.ended_on + timedelta(days=12 if case.mode == "field" else 5)
        rows = [{"risk_area": a.pk, "finding": f"Kiểm tra {a.name_vi.lower()}: "
                 + ("phát hiện khai sai, điều chỉnh tờ khai." if violations else "chấp nhận khai báo."),
                 "has_violation": violations, "declarations_count": 6, **amounts.get(a.code, {})}
                for a in case.risk_areas.all()]
        services.conclusion_record(actor=self.officer, case=case, number=f"{50 + self.n}/KL-KTSTQ", signed_on=signed,
                                   signer_name=SIGNER["signer_name"], signer_title=SIGNER["signer_title"],
                                   findings=rows, declarations_concerned=12, declarations_accepted=9 if violations
                                   else 12, declarations_adjusted=3 if violations else 0,
                                   declarant_reservation="Doanh nghiệp bảo lưu ý kiến về trị giá tính thuế."
                                   if violations else "")
        case.refresh_from_db()
        if approve:
            case = self.step(case, "approve_conclusion", self.approver)
        return case


def _try(fn, *args, **kw):
    try:
        with transaction.atomic():
            return fn(*args, **kw)
    except AppError:  # e.g. a demo enterprise on the focus list: skip that record, keep the rest
        return None


@register_seeder(50, "audits")
def seed_audits(options: dict) -> str:
    if AuditProposal.objects.exists():
        return f"{AuditProposal.objects.count()} audit proposals (kept)"
    units = {u.code: u for u in Unit.objects.filter(code__in=["KV01-PT", "KV02-PT", "KTSTQ-D1"])}
    o1, a1 = _user("canbo.kv01pt"), _user("doitruong.kv01pt")
    o2, a2 = _user("canbo.kv02pt"), _user("doitruong.kv02pt")
    o3, a3 = _user("canbo.ktstqd1"), _user("doitruong.ktstqd1")
    heads = list(Enterprise.objects.filter(head__isnull=True, is_aeo=False).order_by("tax_code"))
    from stq.core.models import RiskArea

    areas = {a.code: a for a in RiskArea.objects.all()}
    if not (o1 and a1 and o2 and a2 and "KV01-PT" in units and "KV02-PT" in units and len(heads) >= 16 and areas):
        return "skipped (organisation, enterprises or risk areas missing)"
    s1 = _Seed(o1, a1, units["KV01-PT"], areas)
    s2 = _Seed(o2, a2, units["KV02-PT"], areas)
    s3 = _Seed(o3, a3, units["KTSTQ-D1"], areas) if (o3 and a3 and "KTSTQ-D1" in units) else s1
    pool = iter(heads[6:])

    def closed_field(seed):
        case = seed.case(next(pool), signed_ago=95)
        case = seed.conclude(seed.explained(case), {
            "VALUATION": {"import_duty": 420_000_000, "vat": 42_000_000, "late_interest": 18_500_000},
            "ORIGIN": {"import_duty": 150_000_000, "vat": 15_000_000, "trade_remedy": 35_000_000,
                       "late_interest": 6_200_000}})
        today = timezone.localdate()
        services.tax_assessment_record(actor=seed.officer, case=case, number=f"{seed.n}/QĐ-AĐT",
                                       issued_on=case.concluded_on + timedelta(days=5), import_duty=570_000_000,
                                       vat=57_000_000, trade_remedy=35_000_000)
        services.penalty_record(actor=seed.officer, case=case, number=f"{seed.n}/QĐ-XPHC",
                                issued_on=case.concluded_on + timedelta(days=7),
                                legal_article="Điều 9 khoản 1 Nghị định 128/2020/NĐ-CP", amount=132_400_000,
                                signer_name=SIGNER["signer_name"])
        services.payment_record(actor=seed.officer, case=case, paid_on=min(today, case.concluded_on
                                                                          + timedelta(days=20)),
                                kind="tax", amount=400_000_000, reference="Giấy nộp tiền KB-0012")
        services.payment_record(actor=seed.officer, case=case, paid_on=min(today, case.concluded_on
                                                                          + timedelta(days=40)),
                                kind="tax", amount=262_000_000, reference="Giấy nộp tiền KB-0047")
        services.payment_record(actor=seed.officer, case=case, paid_on=min(today, case.concluded_on
                                                                          + timedelta(days=40)),
                                kind="fine", amount=132_400_000, reference="Biên lai 000315")
        c = services.complaint_record(actor=seed.officer, case=case, instance=1, filed_on=case.concluded_on
                                      + timedelta(days=10), complainant=case.enterprise.name,
                                      contested="Kết luận kiểm tra về trị giá hải quan")
        services.complaint_decide(actor=seed.officer, complaint=c, resolver_name="Nguyễn Văn Quyết",
                                  resolver_unit="Chi cục Kiểm tra sau thông quan", decision_number="12/QĐ-GQKN",
                                  decided_on=min(today, case.concluded_on + timedelta(days=35)), result="rejected",
                                  outcome="Giữ nguyên kết luận kiểm tra.")
        return seed.step(case, "close", seed.approver, "Đã thu đủ thuế, tiền chậm nộp và tiền phạt; đóng hồ sơ.")

    def desk_handling(seed):
        case = seed.case(next(pool), signed_ago=45, mode="desk", ground="78.1", duration=5, codes=("CLASSIFICATION",))
        case = seed.conclude(seed.ended(case, 4), {"CLASSIFICATION": {"import_duty": 86_000_000, "vat": 8_600_000,
                                                                      "late_interest": 2_100_000}})
        services.payment_record(actor=seed.officer, case=case, paid_on=min(timezone.localdate(), case.concluded_on
                                                                          + timedelta(days=8)),
                                kind="tax", amount=50_000_000, reference="Giấy nộp tiền KB-0101")
        return case

    def desk_clean(seed):
        case = seed.case(next(pool), signed_ago=60, mode="desk", ground="78.1", duration=5, codes=("VALUATION",))
        case = seed.conclude(seed.ended(case, 3), {}, violations=False)
        return seed.step(case, "close", seed.approver, "Không phát hiện vi phạm.")

    def steps(seed):
        draft_sent = seed.case(next(pool), signed_ago=25)
        draft_sent = seed.ended(draft_sent)
        draft_sent = seed.step(draft_sent, "sign_minutes", minutes_signed_on=draft_sent.ended_on + timedelta(days=1))
        seed.step(draft_sent, "send_draft", draft_sent_on=draft_sent.minutes_signed_on + timedelta(days=1))
        work = seed.fieldwork(seed.case(next(pool), signed_ago=12, duration=10, codes=("PROCESSING_EXPORT_PRODUCTION",
                                                                                        "VALUATION")))
        services.decision_record(actor=seed.officer, case=work, kind="extension", number=f"{seed.n}/QĐ-GH",
                                 signed_on=timezone.localdate(), extension_working_days=5,
                                 reason="Phạm vi kiểm tra lớn, nhiều hợp đồng gia công.", **SIGNER)
        services.decision_approve(actor=seed.approver, case=work)
        seed.case(next(pool), signed_ago=6)  # decision signed, delivery overdue, recorded late
        suspended = seed.fieldwork(seed.case(next(pool), signed_ago=20))
        services.decision_record(actor=seed.officer, case=suspended, kind="suspension", number=f"{seed.n}/QĐ-TD",
                                 signed_on=timezone.localdate(), reason_code="tax_inspection",
                                 reason="Doanh nghiệp đang được Cục Thuế thanh tra.", **SIGNER)
        services.decision_approve(actor=seed.approver, case=suspended)
        cancelled = seed.case(next(pool), signed_ago=15)
        services.decision_record(actor=seed.officer, case=cancelled, kind="cancellation", number=f"{seed.n}/QĐ-HB",
                                 signed_on=timezone.localdate(), reason_code="ceased",
                                 reason="Doanh nghiệp đã ngừng hoạt động tại địa chỉ đăng ký.", **SIGNER)
        services.decision_approve(actor=seed.approver, case=cancelled)
        return True

    done = []
    for name, fn, seed in [("closed field", closed_field, s1), ("closed field", closed_field, s3),
                           ("desk in handling", desk_handling, s1), ("desk without violation", desk_clean, s2),
                           ("steps", steps, s1)]:
        if _try(fn, seed) is not None:
            done.append(name)
    # proposals: one from the closed information collection, a pair on the same enterprise, a draft, a returned one
    ic = InfoCollection.objects.filter(state="closed").select_related("enterprise").first()
    if ic is not None:
        _try(s1.approved, ic.enterprise, info_collection=ic, codes=tuple(ic.risk_areas.values_list("code",
                                                                                                    flat=True)))
    pair = next(pool, None)
    if pair is not None:
        first = _try(lambda: s1.act(s1.proposal(pair), "submit"))
        if first is not None:
            _try(lambda: s2.act(s2.proposal(pair, mode="desk", ground="78.1", codes=("VALUATION",)), "submit"))
    for seed, action in [(s1, None), (s2, "return")]:
        ent = next(pool, None)
        if ent is None:
            break
        p = _try(seed.proposal, ent)
        if p is not None and action:
            _try(lambda p=p, seed=seed: seed.act(seed.act(p, "submit"), "return", seed.approver,
                                                 "Bổ sung danh sách tờ khai và căn cứ rủi ro."))
    return f"{AuditProposal.objects.count()} audit proposals; cases: {', '.join(done)}"
