"""Less common paths: expert opinion with a partial then supplementary conclusion, escalation to specialised
inspection, editing a returned proposal, opening from a closed information collection."""

from datetime import timedelta

import pytest

from stq.audits import services
from stq.audits.models import AuditCase, Referral
from stq.audits.selectors import audit_outcomes, case_figures, last_audit_dates
from stq.core.errors import AppError, Forbidden

from .factories import act, explanation_received, findings, in_fieldwork, opened, proposal, step, today

pytestmark = pytest.mark.django_db
C = AuditCase.State


def test_partial_conclusion_while_awaiting_the_expert_then_a_supplementary_one(org):
    case = explanation_received(org)
    case = step(org.officer1, case, "request_expert", expert_requested_on=case.ended_on + timedelta(days=10))
    assert case.state == C.AWAITING_EXPERT_OPINION
    services.conclusion_record(actor=org.officer1, case=case, number="45/KL", signed_on=case.ended_on
                               + timedelta(days=14), signer_name="Trần Văn Ký", findings=findings(case))
    case = step(org.approver1, AuditCase.objects.get(pk=case.pk), "approve_conclusion")
    before = case_figures(case)["tax"]
    sup = services.conclusion_record(actor=org.officer1, case=case, number="45b/KL", signed_on=today(),
                                     signer_name="Trần Văn Ký", supplementary=True,
                                     findings=findings(case, import_duty=5_000_000, vat=0, late_interest=0))
    assert case_figures(case)["tax"] == before  # counts once approved
    with pytest.raises(AppError) as info:
        services.conclusion_approve(actor=org.officer1, conclusion=sup)
    assert info.value.code in ("forbidden", "self_approval") or isinstance(info.value, Forbidden)
    services.conclusion_approve(actor=org.approver1, conclusion=sup)
    assert case_figures(case)["tax"] == before + 5_000_000 * case.risk_areas.count()
    out = [o for o in audit_outcomes() if o["case_id"] == case.pk][0]
    assert out["has_violations"] and out["tax_total"] == case_figures(case)["tax"]
    assert out["declaration_numbers"] == ["101234567890"]
    assert last_audit_dates()[case.enterprise.tax_code] == case.decision_signed_on


def test_escalation_to_specialised_inspection_by_a_leader(org):
    case = in_fieldwork(org)
    with pytest.raises(Forbidden):
        step(org.officer1, case, "escalate", "Không hợp tác")
    case = step(org.approver1, case, "escalate", "Doanh nghiệp không hợp tác", body="Thanh tra Cục Hải quan")
    assert case.state == C.ESCALATED and Referral.objects.get(case=case).body == "Thanh tra Cục Hải quan"


def test_a_referral_body_over_its_column_is_refused_naming_the_field(org, client):
    """Found by tests/fuzz/test_hostile_html.py: 3,000 characters in `body` were a DataError (varchar 255), a 500."""
    case = in_fieldwork(org)
    with pytest.raises(AppError) as exc:
        step(org.approver1, case, "escalate", "Không hợp tác", body="x" * 256)
    assert exc.value.code == "too_long" and set(exc.value.fields) == {"body"}
    client.force_login(org.approver1)
    response = client.post(f"/audits/{case.pk}/action/", {"action": "escalate", "note": "Không hợp tác",
                                                          "body": "x" * 3000, "version": case.version},
                           HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400 and "tối đa 255 ký tự" in response.content.decode()
    case = step(org.approver1, case, "escalate", "Không hợp tác", body="x" * 255)
    assert Referral.objects.get(case=case).body == "x" * 255


def test_a_delivery_method_outside_the_list_is_refused_naming_the_field(org):
    """It was stored as given (a varchar 16 with choices): over 16 characters a DataError, a 500; else a bad value."""
    case = opened(org)
    for method in ("pigeon", "x" * 3000):
        with pytest.raises(AppError) as exc:
            step(org.officer1, case, "deliver", delivered_on=case.decision_signed_on, delivery_method=method)
        assert set(exc.value.fields) == {"delivery_method"}
    case = step(org.officer1, case, "deliver", delivered_on=case.decision_signed_on, delivery_method="fax")
    assert case.decisions.get(kind="original").delivery_method == "fax"


def test_returned_proposal_is_edited_and_resubmitted(org):
    p = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    p = act(org.approver1, p, "return", "Bổ sung tờ khai")
    p = services.proposal_update(actor=org.officer1, proposal=p, expected_version=p.version,
                                 declaration_numbers="101234567891, 101234567892", reason="Bổ sung")
    assert p.declaration_numbers == ["101234567891", "101234567892"]
    with pytest.raises(AppError) as info:
        services.proposal_update(actor=org.officer1, proposal=p, declaration_numbers="12345")
    assert "declaration_numbers" in info.value.fields
    assert act(org.officer1, p, "submit").state == "submitted"
