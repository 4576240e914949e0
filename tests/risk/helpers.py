"""A small declaration fixture with one planted case per criterion kind, imported through the real pipeline."""

from __future__ import annotations

import datetime as dt
import itertools

from stq.core.models import RiskArea
from stq.core.reference import ensure_risk_areas
from stq.declarations.layouts import synthetic_tax_code
from stq.enterprises.models import Enterprise
from stq.risk import services
from tests.declarations.helpers import do_import, row

PEERS = [synthetic_tax_code(f"risk-peer-{i}") for i in range(6)]
UNDERPRICER = synthetic_tax_code("risk-underpricer")
SWITCHER = synthetic_tax_code("risk-switcher")
SURGER = synthetic_tax_code("risk-surger")
NEWCOMER = synthetic_tax_code("risk-newcomer")
PROCESSOR = synthetic_tax_code("risk-processor")
BROKER = synthetic_tax_code("risk-broker")
ALL = [*PEERS, UNDERPRICER, SWITCHER, SURGER, NEWCOMER, PROCESSOR]
AS_OF = dt.date(2025, 11, 28)

_seq = itertools.count(1)


def decl(tax, day, lines, *, flow="I", procedure="A11"):
    """Rows of one declaration; lines = [(hs, origin, quantity, value_vnd)]."""
    number = f"{'10' if flow == 'I' else '30'}{next(_seq):09d}0"
    total = sum(v for *_, v in lines)
    return [row(number=number, registered_on=day.isoformat(), importer_exporter_tax_code=tax, flow=flow,
                procedure_type=procedure, declarant_tax_code=BROKER, customs_value=str(total),
                invoice_value=f"{total / 25400:.2f}", line_no=str(i), hs_code=hs, origin_country=origin,
                quantity=str(qty), unit="PCE", unit_price=f"{value / qty / 25400:.4f}",
                line_customs_value=str(value), vat=str(value // 10))
            for i, (hs, origin, qty, value) in enumerate(lines, start=1)]


def import_batches(parts) -> list[int]:
    """Each part (rows) imported as its own file, in order: the ids of the succeeded import jobs."""
    jobs = []
    for i, part in enumerate(parts):
        job = do_import(part, name=f"batch-{i}.csv")
        assert job.status == "succeeded", job.message
        jobs.append(job.pk)
    return jobs


def fixture_rows() -> list[dict]:
    rows = []
    for month in range(1, 12):
        day = dt.date(2025, month, 10)
        for tax in PEERS:  # fair price: 100,000 VND per piece
            rows += decl(tax, day, [("85423100", "CN", 100, 10_000_000)])
        rows += decl(UNDERPRICER, day, [("85423100", "CN", 100, 1_000_000 if month == 11 else 10_000_000)])
        origin = "CN" if month <= 6 else "MY"
        rows += decl(SWITCHER, day, [("72085100", origin, 10, 50_000_000)])
        rows += decl(SURGER, day, [("39012000", "SA", 10, 80_000_000 if month >= 10 else 10_000_000)])
        rows += decl(PROCESSOR, day, [("52051200", "US", 10, 2_000_000_000)], procedure="E21")
        rows += decl(PROCESSOR, day, [("62034200", "VN", 10, 100_000_000)], flow="E", procedure="E52")
    for month in (10, 11):
        rows += decl(NEWCOMER, dt.date(2025, month, 20), [("84713020", "CN", 500, 60_000_000_000)])
    rows += decl(PEERS[0], AS_OF, [("85423100", "CN", 100, 10_000_000)])
    return rows


def load_fixture(unit=None):
    job = do_import(fixture_rows())
    assert job.status == "succeeded", job.message
    for tax in ALL:
        Enterprise.objects.get_or_create(tax_code=tax, defaults={"name": f"DN {tax}", "managing_unit": unit})
    return job


def criterion(actor, unit, code, kind, params, *, area="VALUATION", weight=60):
    ensure_risk_areas()
    return services.criterion_create(
        actor=actor, code=code, name=f"{kind} test", kind=kind, params=params,
        risk_area=RiskArea.objects.get(code=area), weight=weight, rationale="Why this matters",
        instructions="Check the invoice", valid_from=dt.date(2025, 1, 1), owner_unit=unit)


def all_criteria(actor, unit):
    return [
        criterion(actor, unit, "PRICE", "price_below_peer_median", {"ratio": 0.5, "min_peers": 5}),
        criterion(actor, unit, "ORIGIN", "origin_switch_after_measure",
                  {"hs_prefixes": ["7208"], "previous_origins": ["CN"], "measure_date": "2025-07-01"}, area="ORIGIN"),
        criterion(actor, unit, "GROWTH", "value_growth_vs_own_history",
                  {"factor": 3, "recent_months": 2, "min_recent_value": 0}),
        criterion(actor, unit, "NEW", "new_enterprise_large_volume", {"max_age_days": 90, "min_value": 10**11}),
        criterion(actor, unit, "PROC", "processing_without_exports", {"max_ratio": 0.3},
                  area="PROCESSING_EXPORT_PRODUCTION"),
    ]


def audit_case(enterprise, unit, actor, *, signed_on, concluded_on=None, violations=None, state=None, tax=0,
               declaration_numbers=None):
    """An audit case as the audits app stores it (fixture data), with an approved conclusion when concluded."""
    from django.utils import timezone

    from stq.audits.models import AuditCase, AuditConclusion, AuditProposal, ConclusionFinding

    proposal = None
    if declaration_numbers is not None:
        proposal = AuditProposal.objects.create(
            unit=unit, created_by=actor, state="approved", number=f"P{AuditProposal.objects.count() + 1}",
            year=signed_on.year, approval_unit=unit, enterprise=enterprise, mode="desk", ground="78.2",
            period_from=dt.date(2025, 1, 1), period_to=dt.date(2025, 12, 31),
            declaration_numbers=declaration_numbers, reason="fixture", planned_start=signed_on)
    case = AuditCase.objects.create(proposal=proposal,
        unit=unit, created_by=actor, number=f"{AuditCase.objects.count() + 1:04d}/2025/KT-{unit.code}",
        approval_unit=unit, enterprise=enterprise, mode="desk", ground="78.2", decision_signed_on=signed_on,
        concluded_on=concluded_on, state=state or ("concluded" if concluded_on else "fieldwork"))
    if concluded_on:
        conclusion = AuditConclusion.objects.create(
            case=case, number=f"KL-{case.pk}", signed_on=concluded_on, signer_name="Nguyễn Văn A",
            approved_at=timezone.now(), has_violations=bool(violations or tax))
        if tax:
            ConclusionFinding.objects.create(conclusion=conclusion, risk_area=RiskArea.objects.first(),
                                             finding="x", has_violation=bool(violations), import_duty=tax)
    return case
