"""STQ01 files for the legacy tests."""

import csv
import io

from django.utils import timezone

from stq.core.reference import ensure_risk_areas
from stq.enterprises.models import Enterprise

HEAD = "0100109106"
OTHER = "0301234562"
THIS_YEAR = timezone.localdate().year

BASE = {
    "stq01_id": "STQ01-0001", "tax_code": HEAD, "unit_code": "KV01-PT", "proposal_number": "15/DX-KTSTQ",
    "proposal_year": str(THIS_YEAR - 2), "proposal_date": f"03/03/{THIS_YEAR - 2}", "mode": "field",
    "ground": "78.2", "risk_areas": "VALUATION;ORIGIN", "period_from": f"01/01/{THIS_YEAR - 5}",
    "period_to": f"31/12/{THIS_YEAR - 3}", "reason": "Khai giá thấp", "decision_number": "88/QĐ-KTSTQ",
    "decision_signed_on": f"2{THIS_YEAR - 2}-04-10"[1:], "signer_name": "Trần Văn Ký", "signer_title": "Cục trưởng",
    "start_on": f"20/04/{THIS_YEAR - 2}", "end_on": f"05/05/{THIS_YEAR - 2}", "duration_working_days": "10",
    "conclusion_number": "12/KL-KTSTQ", "conclusion_signed_on": f"20/05/{THIS_YEAR - 2}", "has_violations": "1",
    "declarations_concerned": "42", "import_duty": "120.000.000", "vat": "12000000", "late_interest": "3 500 000",
    "penalty_number": "7/QĐ-XPHC", "penalty_issued_on": f"01/06/{THIS_YEAR - 2}", "fine": "24000000",
    "collected": "100000000", "paid_on": f"15/06/{THIS_YEAR - 2}",
}


def row(**kw):
    return {**BASE, **kw}


def csv_bytes(rows, delimiter=",") -> bytes:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def enterprises():
    ensure_risk_areas()
    head, _ = Enterprise.objects.get_or_create(tax_code=HEAD, defaults={"name": "Công ty TNHH Thử Nghiệm"})
    other, _ = Enterprise.objects.get_or_create(tax_code=OTHER, defaults={"name": "Công ty CP Sông Hồng"})
    return head, other


def proposal_only(**kw):
    """A row with the proposal alone (no decision, no conclusion)."""
    empty = ("decision_number", "decision_signed_on", "signer_name", "conclusion_number", "conclusion_signed_on",
             "import_duty", "vat", "late_interest", "fine", "penalty_number", "collected")
    return row(**{**{k: "" for k in empty}, **kw})
