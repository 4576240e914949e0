"""What the audits pages share: access to a proposal or case (404 when not visible), the query string of a list,
the open cases found on an enterprise, and the timeline of a case."""

from __future__ import annotations

from datetime import date

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stq.core.errors import NotFound
from stq.org import policy

from .. import forms, selectors
from ..models import (
    AuditCase,
    AuditGround,
    AuditMode,
    AuditProposal,
    CancellationReason,
    DecisionKind,
    DeliveryMethod,
    SuspensionReason,
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
        out.append({**row, "dates_text": " · ".join(dates)})
    return out


DATA_LABELS = {
    **{f: label for fields in forms.STEP_FIELDS.values() for f, label, _req in fields},
    "delivery_method": gettext_lazy("Delivery method"), "decision": gettext_lazy("Decision"),
    "number": gettext_lazy("Number"), "signed_on": gettext_lazy("Signed on"),
    "concluded_on": gettext_lazy("Concluded on"), "reason_code": gettext_lazy("Legal reason"),
    "extension_working_days": gettext_lazy("Extension (working days)"), "body": gettext_lazy("Referred to"),
    "kind": gettext_lazy("Kind of decision"), "mode": gettext_lazy("Mode"), "ground": gettext_lazy("Ground"),
}


# coded values of the case events, shown by their labels (never "direct", "extension" on screen)
DATA_CHOICES = {
    "delivery_method": DeliveryMethod.choices, "kind": DecisionKind.choices, "mode": AuditMode.choices,
    "ground": AuditGround.choices, "reason_code": [*SuspensionReason.choices, *CancellationReason.choices],
}


def _shown(value, key: str = ""):
    if key in DATA_CHOICES and isinstance(value, str):
        return dict(DATA_CHOICES[key]).get(value, value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return f"{date.fromisoformat(value):%d/%m/%Y}"
        except ValueError:
            return value
    return value


def timeline(case, wf):
    return [{"e": e, "label": wf.by_action[e.action].label if e.action in wf.by_action else _("Created"),
             "from": wf.state_label(e.from_state) if e.from_state else "", "to": wf.state_label(e.to_state),
             "data": {DATA_LABELS.get(k, k): _shown(v, k) for k, v in (e.data or {}).items()
                      if k not in ("note", "decision_id", "conclusion_id") and v not in (None, "")}}
            for e in case.events()]

