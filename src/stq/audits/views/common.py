"""What the audits pages share: access to a proposal or case (404 when not visible), the query string of a list,
the open cases found on an enterprise, and the timeline of a case."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.utils.translation import gettext_lazy

from stq.collection.selectors import duplicate_in_language
from stq.core.errors import NotFound
from stq.org import policy
from stq.workflow.engine import shown_value

from .. import forms, selectors
from ..models import (
    AuditCase,
    AuditConclusion,
    AuditGround,
    AuditMode,
    AuditProposal,
    CancellationReason,
    CaseDocument,
    Complaint,
    ComplaintResult,
    DecisionKind,
    DeliveryMethod,
    Payment,
    PaymentKind,
    PenaltyDecision,
    Referral,
    SuspensionReason,
    TaxAssessment,
)

PWF = AuditProposal.workflow
CWF = AuditCase.workflow


def get_proposal(user, pk) -> AuditProposal:
    try:
        return policy.access(selectors.proposals_visible_to(user), user, pk=pk)
    except NotFound:
        raise Http404 from None


def get_case(user, pk) -> AuditCase:
    try:
        return policy.access(selectors.cases_visible_to(user), user, pk=pk)
    except NotFound:
        raise Http404 from None


def list_query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()




DATE_LABELS = {"submitted_on": gettext_lazy("submitted"), "filed_on": gettext_lazy("filed"),
               "planned_start": gettext_lazy("planned start"), "planned_end": gettext_lazy("planned end"),
               "decision_signed_on": gettext_lazy("decision signed"), "started_on": gettext_lazy("started"),
               "ended_on": gettext_lazy("ended"), "concluded_on": gettext_lazy("concluded"),
               "period_from": gettext_lazy("audited from"), "period_to": gettext_lazy("audited to")}


def duplicate_rows(rows) -> list[dict]:
    out = []
    for row in rows or []:
        dates = [f"{DATE_LABELS.get(k, k)} {date.fromisoformat(v[:10]):%d/%m/%Y}"
                 for k, v in (row.get("dates") or {}).items() if v]
        out.append({**duplicate_in_language(row), "dates_text": " · ".join(dates)})
    return out


def _field_labels(*models) -> dict:
    labels: dict = {}
    for model in models:
        for f in model._meta.get_fields():
            if hasattr(f, "verbose_name"):
                labels.setdefault(f.name, f.verbose_name)
    return labels


# what the timeline calls the data of a step or a fact: the models' own field names, then these
DATA_LABELS = {
    **_field_labels(AuditCase, AuditProposal, Payment, PenaltyDecision, TaxAssessment, Complaint, Referral,
                    CaseDocument, AuditConclusion),
    **{f: label for fields in forms.STEP_FIELDS.values() for f, label, _req in fields},
    "delivery_method": gettext_lazy("Delivery method"), "decision": gettext_lazy("Decision"),
    "number": gettext_lazy("Number"), "signed_on": gettext_lazy("Signed on"),
    "concluded_on": gettext_lazy("Concluded on"), "reason_code": gettext_lazy("Legal reason"),
    "extension_working_days": gettext_lazy("Extension (working days)"), "body": gettext_lazy("Referred to"),
    "kind": gettext_lazy("Kind of decision"), "mode": gettext_lazy("Mode"), "ground": gettext_lazy("Ground"),
    "payment_kind": Payment._meta.get_field("kind").verbose_name,
    "assessed": gettext_lazy("Assessed"), "collected": gettext_lazy("Collected"),
    "outstanding": gettext_lazy("Outstanding"), "violations": gettext_lazy("Risk areas with violations"),
    "risk_areas": gettext_lazy("Risk areas"), "enterprise": gettext_lazy("Enterprise"),
    "batch": gettext_lazy("STQ01 file"),
}
# coded values of the case events, shown by their labels (never "direct", "extension" on screen)
DATA_CHOICES = {
    "delivery_method": dict(DeliveryMethod.choices), "kind": dict(DecisionKind.choices),
    "payment_kind": dict(PaymentKind.choices), "result": dict(ComplaintResult.choices),
    "mode": dict(AuditMode.choices), "ground": dict(AuditGround.choices),
    "reason_code": dict([*SuspensionReason.choices, *CancellationReason.choices]),
}


def timeline(case, wf):
    """The case's events for its page: steps, facts (payments, penalties, complaints… with before → after), its
    creation."""
    return wf.timeline(case, labels=DATA_LABELS, choices=DATA_CHOICES)


def _shown(value, key: str = ""):
    """One value as the timeline shows it: a coded value by its label, an ISO date as dd/mm/yyyy."""
    if key in DATA_CHOICES and isinstance(value, str):
        return DATA_CHOICES[key].get(value, value)
    return shown_value(value)
