"""Factories for the collection tests."""

from datetime import date

from django.db import transaction

from stq.collection import services
from stq.core.models import RiskArea
from stq.core.reference import ensure_risk_areas
from stq.enterprises.models import Enterprise

HEAD_CODE = "0100109106"
BRANCH_CODE = "0100109106-001"
OTHER_CODE = "0301234562"


def enterprise(tax_code=HEAD_CODE, name="Công ty TNHH Thử Nghiệm", head=None, unit=None):
    digits = tax_code.replace("-", "")
    ent, _created = Enterprise.objects.get_or_create(
        tax_code=digits, defaults={"name": name, "head": head, "managing_unit": unit})
    return ent


def branch(head):
    return enterprise(BRANCH_CODE, name="Chi nhánh Công ty TNHH Thử Nghiệm", head=head)


def areas(*codes):
    ensure_risk_areas()  # transactional (browser) tests flush the data migration's rows
    return list(RiskArea.objects.filter(code__in=codes or ("VALUATION", "ORIGIN")))


def proposal(actor, unit, ent=None, *, risk_areas=None, department_scope=False, **kw):
    values = dict(signs="Khai giá thấp bất thường so với giá tham chiếu", collection_form="declarant",
                  addressee="Giám đốc công ty", planned_start=date(2026, 3, 2), planned_end=date(2026, 3, 20))
    values.update(kw)
    return services.info_collection_create(
        actor=actor, unit=unit, enterprise=ent or enterprise(), risk_areas=risk_areas or areas(),
        department_scope=department_scope, **values)


def act(actor, case, action, note=""):
    with transaction.atomic():
        return services.info_collection_act(actor=actor, info_collection=case, action=action, note=note)


def results_for(case, **kw):
    return [dict({"risk_area": a.pk, "findings": f"Phát hiện về {a.code}", "amount_at_risk": 15_000_000,
                  "recommendation": "desk_audit"}, **kw) for a in case.risk_areas.all()]
