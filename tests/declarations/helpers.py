import csv
import io

from django.core.files.base import ContentFile

from stq.declarations.importer import run_import
from stq.declarations.layouts import COLUMNS
from stq.declarations.services import import_job_create

TAX_A = "0100233488"
TAX_B = "0314409058"
TAX_BRANCH = "0314409058002"


def row(**over):
    base = {
        "number": "100000000010", "registered_on": "2025-03-10", "customs_office": "01B1", "procedure_type": "A11",
        "flow": "I", "channel": "1", "declarant_tax_code": TAX_B, "importer_exporter_tax_code": TAX_A,
        "partner_name": "Shenzhen Co", "partner_country": "CN", "transport_mode": "2", "incoterms": "CIF",
        "currency": "USD", "exchange_rate": "25400", "invoice_value": "100.00", "customs_value": "2540000",
        "line_no": "1", "hs_code": "85423100", "description": "IC", "origin_country": "CN", "quantity": "10",
        "unit": "PCE", "unit_price": "10", "line_customs_value": "2540000", "import_duty_rate": "0",
        "import_duty": "0", "vat_rate": "10", "vat": "254000", "excise_rate": "0", "excise": "0",
        "environmental_tax": "0", "trade_remedy_tax": "0", "inspection_result": "",
    }
    base.update(over)
    return base


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return out.getvalue().encode()


def do_import(rows_or_bytes, *, actor=None, dry_run=False, fmt="stq", name="file.csv"):
    data = rows_or_bytes if isinstance(rows_or_bytes, bytes) else csv_bytes(rows_or_bytes)
    job = import_job_create(actor=actor, file=ContentFile(data, name=name), fmt=fmt, dry_run=dry_run,
                            enqueue=False)
    if job.status == "queued":
        job = run_import(job)
    return job
