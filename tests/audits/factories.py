"""Helpers for the audits tests: an enterprise searched by the officer, proposals and cases walked to a state."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from stq.audits import services
from stq.core import calendar
from stq.core.models import RiskArea
from stq.core.reference import ensure_risk_areas
from stq.enterprises.models import Enterprise
from stq.enterprises.services import search_record

CODE = "0100109106"
OTHER_CODE = "0301234562"


def enterprise(tax_code=CODE, name="Công ty TNHH Thử Nghiệm", **kw):
    ent, _created = Enterprise.objects.get_or_create(tax_code=tax_code, defaults={"name": name, **kw})
    return ent


def searched(user, ent):
    """The officer's recorded search with the enterprise among the results (the search-first rule)."""
    search_record(actor=user, query=ent.tax_code, matched_count=1, matched_tax_codes=[ent.tax_code])


def areas(*codes):
    ensure_risk_areas()
    return list(RiskArea.objects.filter(code__in=codes or ("VALUATION", "ORIGIN")))


def today():
    return timezone.localdate()


def past_working_day(n):
    """The n-th working day before today."""
    return calendar.add_working_days(today(), -n)


def proposal(actor, unit, ent=None, *, search=True, risk_areas=None, **kw):
    ent = ent or enterprise()
    if search:
        searched(actor, ent)
    values = dict(mode="field", ground="78.2", period_from=today() - timedelta(days=700),
                  period_to=today() - timedelta(days=30), reason="Giá khai báo thấp hơn giá tham chiếu",
                  planned_start=today() + timedelta(days=30), planned_team="Đội KTSTQ 1",
                  declaration_numbers=["101234567890"], paper_approved_on=today())
    values.update(kw)
    return services.proposal_create(actor=actor, unit=unit, enterprise=ent, risk_areas=risk_areas or areas(),
                                    **values)


def act(actor, obj, action, note=""):
    with transaction.atomic():
        return services.proposal_act(actor=actor, proposal=obj, action=action, note=note)


def approved(org, ent=None, **kw):
    p = proposal(org.officer1, org.kv01pt, ent, **kw)
    p = act(org.officer1, p, "submit")
    return act(org.approver1, p, "approve", "ok" if p.duplicate_warning else "")


def decision_values(signed_on=None, *, start_on=None, duration=8, **kw):
    signed_on = signed_on or past_working_day(40)
    values = dict(number="123/QĐ-KTSTQ", signed_on=signed_on, signer_name="Trần Văn Ký",
                  signer_title="Chi cục trưởng", team_leader="Lê Trưởng Đoàn", team_members="A, B",
                  start_on=start_on or calendar.add_working_days(signed_on, 6), duration_working_days=duration)
    values.update(kw)
    return values


def opened(org, *, proposal_kw=None, **decision):
    """The case opened by the officer's audit decision, in effect once approver1 approved it (letter 7301 §1.3)."""
    p = approved(org, **(proposal_kw or {}))
    case = services.case_open(actor=org.officer1, proposal=p, **decision_values(**decision))
    return services.decision_approve(actor=org.approver1, case=case)


def step(actor, case, action, note="", **data):
    return services.case_act(actor=actor, case=case, action=action, note=note, data=data)


def in_fieldwork(org, **kw):
    case = opened(org, **kw)
    case = step(org.officer1, case, "deliver", delivered_on=case.decision_signed_on, delivery_method="direct")
    return step(org.officer1, case, "start", started_on=case.planned_start_on)


def explanation_received(org, **kw):
    case = in_fieldwork(org, **kw)
    end = calendar.add_working_days(case.started_on, 4)
    case = step(org.officer1, case, "end", ended_on=end)
    case = step(org.officer1, case, "sign_minutes", minutes_signed_on=end + timedelta(days=1))
    case = step(org.officer1, case, "send_draft", draft_sent_on=end + timedelta(days=3))
    return step(org.officer1, case, "receive_explanation", explanation_on=end + timedelta(days=6))


def findings(case, **amounts):
    values = dict(import_duty=100_000_000, vat=10_000_000, late_interest=3_000_000, has_violation=True)
    values.update(amounts)
    return [dict(risk_area=a.pk, finding=f"Khai sai {a.code}", **values) for a in case.risk_areas.all()]


def concluded(org, **kw):
    case = explanation_received(org, **kw)
    services.conclusion_record(actor=org.officer1, case=case, number="45/KL-KTSTQ",
                               signed_on=case.ended_on + timedelta(days=12), signer_name="Trần Văn Ký",
                               findings=findings(case), declarations_concerned=10, declarations_accepted=7,
                               declarations_adjusted=3)
    case.refresh_from_db()
    return case


