"""A small demo batch of STQ01 records (closed audits of earlier years), imported through the real importer so that
the enterprise pages, the duplicate search and the figures show them. Idempotent (the importer is)."""

from __future__ import annotations

import csv
import io

from django.utils import timezone

from stq.core.demo import register_seeder
from stq.enterprises.models import Enterprise
from stq.org.models import User

from .models import ImportBatch
from .services import legacy_import

UNITS = ["KV01-PT", "KV02-PT", "KTSTQ-D1", "KV03-PT", "KV01-PT", "KTSTQ-D2"]
AREAS = ["VALUATION", "CLASSIFICATION;ORIGIN", "PROCESSING_EXPORT_PRODUCTION", "EXEMPTION_REFUND", "ORIGIN",
         "RELATED_PARTY;VALUATION"]


def demo_rows(enterprises, year: int) -> list[dict]:
    rows = []
    for i, ent in enumerate(enterprises):
        y = year - 3 + i % 2  # three and two years ago: never this year's proposals
        violations = i % 3 != 2
        duty = (i + 1) * 85_000_000 if violations else 0
        rows.append({
            "stq01_id": f"DEMO-{y}-{i + 1:03d}", "tax_code": ent.tax_code, "unit_code": UNITS[i % len(UNITS)],
            "proposal_number": f"{i + 11}/DX-STQ01", "proposal_year": y, "proposal_date": f"{10 + i:02d}/03/{y}",
            "mode": "desk" if i % 2 else "field", "ground": "78.1" if i % 3 == 0 else "78.2",
            "risk_areas": AREAS[i % len(AREAS)], "period_from": f"01/01/{y - 3}", "period_to": f"31/12/{y - 1}",
            "reason": "Đề xuất trên hệ thống STQ01.", "decision_number": f"{100 + i}/QĐ-KTSTQ",
            "decision_signed_on": f"{5 + i:02d}/04/{y}", "signer_name": "Nguyễn Văn Quyết",
            "signer_title": "Cục trưởng", "team_leader": "Trần Thị Đoàn", "start_on": f"{20 + i:02d}/04/{y}",
            "end_on": f"{5 + i:02d}/05/{y}", "duration_working_days": 5 if i % 2 else 10,
            "conclusion_number": f"{40 + i}/KL-KTSTQ", "conclusion_signed_on": f"{20 + i:02d}/05/{y}",
            "has_violations": int(violations), "declarations_concerned": 20 + 7 * i,
            "import_duty": duty, "vat": duty // 10, "late_interest": duty // 40,
            "penalty_number": f"{i + 1}/QĐ-XPHC" if violations else "",
            "penalty_issued_on": f"01/06/{y}" if violations else "", "fine": duty // 5 if violations else "",
            "collected": duty + duty // 10 if violations else "", "paid_on": f"15/07/{y}" if violations else "",
        })
    return rows


def demo_file(rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@register_seeder(85, "STQ01 records")
def seed_legacy(options: dict) -> str:
    actor = User.objects.filter(username="quantri.chq").first()
    enterprises = list(Enterprise.objects.filter(head__isnull=True).order_by("tax_code")[20:26])
    if actor is None or len(enterprises) < 6:
        return "skipped (national administrator or enterprises missing)"
    report = legacy_import(actor=actor, content=demo_file(demo_rows(enterprises, timezone.localdate().year)),
                           filename="stq01-demo.csv", dry_run=False)
    if report.already_imported:
        return f"{ImportBatch.objects.count()} STQ01 batches (kept)"
    if not report.ok:
        return f"skipped ({len(report.errors)} row errors, e.g. {report.errors[0].message})"
    return f"{report.batch.imported} STQ01 records"
