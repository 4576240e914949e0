"""Every write on audits, along the case's life: one transaction each, the policy checked, the rules of `rules`,
AppError on refusal.

    proposals    record, change and take the steps of an audit proposal
    decisions    open the case with its audit decision; amendment, extension, suspension, resumption, cancellation
                 decisions; the other steps of the case
    conclusions  the conclusion / result notice with its findings; approving a supplementary conclusion
    handling     tax assessments, penalties, payments, referrals, complaints, documents

Callers use `from stq.audits import services` and `services.<function>`: every public function is here.
"""

from ..workflow import EDITABLE_STATES, HANDLING_STATES
from .conclusions import conclusion_approve, conclusion_record
from .decisions import (
    CASE_KIND,
    DECISION_FIELDS,
    case_act,
    case_open,
    decision_approve,
    decision_record,
    pending_decision,
)
from .handling import (
    complaint_decide,
    complaint_record,
    document_upload,
    payment_record,
    penalty_record,
    referral_record,
    tax_assessment_record,
)
from .proposals import PROPOSAL_FIELDS, PROPOSAL_KIND, proposal_act, proposal_create, proposal_update

__all__ = [
    "CASE_KIND", "DECISION_FIELDS", "EDITABLE_STATES", "HANDLING_STATES", "PROPOSAL_FIELDS", "PROPOSAL_KIND",
    "case_act", "case_open", "complaint_decide", "complaint_record", "conclusion_approve", "conclusion_record",
    "decision_approve", "decision_record", "document_upload", "pending_decision", "payment_record",
    "penalty_record", "proposal_act", "proposal_create", "proposal_update", "referral_record", "tax_assessment_record",
]
