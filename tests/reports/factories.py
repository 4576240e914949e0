"""Audit records built directly with the ORM (not through the audits services), and the fixture of cases whose
figures the report tests check exactly."""

from __future__ import annotations

from datetime import date, datetime, time
from types import SimpleNamespace

from django.utils import timezone

from stq.audits.models import (
    AuditCase,
    AuditConclusion,
    AuditDecision,
    ConclusionFinding,
    DecisionKind,
    Payment,
    PenaltyDecision,
)
from stq.collection.models import InfoCollection
from stq.core.models import RiskArea
from stq.core.reference import ensure_risk_areas
from stq.enterprises.models import Enterprise

M = 1_000_000  # one million VND

_seq = {"n": 0}


def _next() -> int:
    _seq["n"] += 1
    return _seq["n"]


def enterprise() -> Enterprise:
    from tests.enterprises.factories import EnterpriseFactory

    return EnterpriseFactory()


def local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_default_timezone())


def case(unit, user, *, mode="desk", ground="78.2", areas=("VALUATION",), decision_on=None, concluded_on=None,
         legacy=False, state="fieldwork", due_on=None, ent=None) -> AuditCase:
    ensure_risk_areas()
    n = _next()
    c = AuditCase.objects.create(
        number=f"{n:04d}/2026/KT-{unit.code}", enterprise=ent or enterprise(), mode=mode, ground=ground, unit=unit,
        approval_unit=unit,
        legacy=legacy, state=state, created_by=user, decision_signed_on=decision_on, concluded_on=concluded_on,
        due_on=due_on,
    )
    c.risk_areas.set(RiskArea.objects.filter(code__in=areas))
    if decision_on:
        AuditDecision.objects.create(case=c, kind=DecisionKind.ORIGINAL, number=f"{n}/QĐ-KTSTQ", signed_on=decision_on,
                                     signer_name="Trần Văn Ký", signer_title="Cục trưởng", legacy=legacy,
                                     approved_at=local(decision_on, 16))  # in effect: approved by a leader
    return c


AMOUNT_FIELDS = ("import_duty", "vat", "excise", "environmental", "trade_remedy", "fine", "late_interest")


def conclude(c: AuditCase, signed_on: date, *, findings=(), violations=False, approved=True,
             supplementary=False) -> AuditConclusion:
    """findings: (risk area code, {amount fields}) pairs."""
    con = AuditConclusion.objects.create(
        case=c, number=f"{_next()}/KL-KTSTQ", signed_on=signed_on, signer_name="Trần Văn Ký",
        has_violations=violations or any(any(amounts.get(f) for f in AMOUNT_FIELDS) for _c, amounts in findings),
        supplementary=supplementary,
        approved_at=local(signed_on, 16) if approved else None,
    )
    for code, amounts in findings:
        ConclusionFinding.objects.create(conclusion=con, risk_area=RiskArea.objects.get(code=code),
                                         finding=f"Phát hiện về {code}", **amounts)
    return con


def penalty(c: AuditCase, issued_on: date, amount: int) -> PenaltyDecision:
    return PenaltyDecision.objects.create(case=c, number=f"{_next()}/QĐ-XPHC", issued_on=issued_on,
                                          legal_article="Điều 9 NĐ 128/2020", amount=amount)


def payment(c: AuditCase, paid_on: date, amount: int, kind="tax") -> Payment:
    return Payment.objects.create(case=c, paid_on=paid_on, amount=amount, kind=kind, reference=f"KB-{_next()}")


def collection(unit, user, *, state, approved_at=None, closed_at=None, due_on=None) -> InfoCollection:
    ensure_risk_areas()
    ic = InfoCollection.objects.create(
        number=f"{_next():04d}/2026/TTTT-{unit.code}", unit=unit, state=state, created_by=user, enterprise=enterprise(),
        signs="Dấu hiệu khai sai trị giá", collection_form="declarant", addressee="Giám đốc",
        planned_start=date(2026, 1, 5), planned_end=date(2026, 1, 30), approval_unit=unit, proposed_by=user,
        approved_at=approved_at, closed_at=closed_at, due_on=due_on,
    )
    ic.risk_areas.set(RiskArea.objects.filter(code__in=["VALUATION"]))
    return ic


def q1_fixture(org) -> SimpleNamespace:
    """Cases of Q1 2026 in KV01-PT, KV01, KV02, KV02-PT, with a payment in Q2 and one of a 2025 assessment in Q1.

    Expected Q1 2026 (CHQ): desk decisions 1, field decisions 3 (one legacy), 78.1: 2, 78.2: 2, 78.3: 0;
    desk completed 2, field completed 1; violations 2 (66.7 %); tax 160 M, fines 20 M, interest 5 M;
    collected 180 M (more than assessed: 40 M pays a 2025 assessment); outstanding 45 M.
    """
    u = org.officer1
    a = case(org.kv01pt, u, mode="desk", ground="78.2", areas=("VALUATION",), decision_on=date(2026, 1, 10),
             concluded_on=date(2026, 2, 20), state="handling")
    conclude(a, date(2026, 2, 20), violations=True, findings=[
        ("VALUATION", {"import_duty": 100 * M, "vat": 10 * M, "late_interest": 5 * M, "declarations_count": 3,
                       "has_violation": True})])
    penalty(a, date(2026, 2, 25), 20 * M)
    payment(a, date(2026, 3, 5), 110 * M)
    payment(a, date(2026, 4, 10), 20 * M, kind="fine")  # a later period
    b = case(org.kv01pt, u, mode="field", ground="78.1", areas=("ORIGIN",), decision_on=date(2026, 2, 1),
             concluded_on=date(2026, 3, 15), state="concluded")
    conclude(b, date(2026, 3, 15), violations=False, findings=[("ORIGIN", {"declarations_count": 2})])
    c = case(org.kv02pt, org.officer2, mode="field", ground="78.1", areas=("ORIGIN", "VALUATION"),
             decision_on=date(2026, 3, 1), due_on=date(2026, 3, 25))
    conclude(c, date(2026, 3, 20), violations=True, approved=False,  # not approved: never counts
             findings=[("ORIGIN", {"import_duty": 999 * M})])
    d = case(org.kv02, org.officer2, mode="desk", ground="78.3", areas=("CLASSIFICATION",),
             decision_on=date(2025, 12, 20), concluded_on=date(2026, 1, 15), state="handling")
    conclude(d, date(2026, 1, 15), violations=True, findings=[
        ("CLASSIFICATION", {"excise": 50 * M, "declarations_count": 4, "has_violation": True})])
    payment(d, date(2026, 1, 30), 30 * M)
    e = case(org.kv01, u, mode="field", ground="78.2", areas=("ACCOUNTING",), decision_on=date(2026, 1, 5),
             legacy=True)
    f = case(org.kv02pt, org.officer2, mode="desk", ground="78.2", areas=("VALUATION",),
             decision_on=date(2025, 10, 1), concluded_on=date(2025, 11, 10), state="handling")
    conclude(f, date(2025, 11, 10), violations=True, findings=[("VALUATION", {"vat": 40 * M})])
    payment(f, date(2026, 2, 10), 40 * M)
    ic1 = collection(org.kv01pt, u, state="closed", approved_at=local(date(2026, 2, 3)),
                     closed_at=local(date(2026, 3, 10)))
    ic2 = collection(org.kv02pt, org.officer2, state="report_submitted", approved_at=local(date(2026, 3, 30), 23, 30),
                     due_on=date(2026, 3, 16))
    ic3 = collection(org.kv02pt, org.officer2, state="in_progress",  # 1 April local time (31 March in UTC)
                     approved_at=local(date(2026, 4, 1), 0, 30))
    return SimpleNamespace(a=a, b=b, c=c, d=d, e=e, f=f, ic1=ic1, ic2=ic2, ic3=ic3)
