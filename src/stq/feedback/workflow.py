"""The change-request workflow, declared as data for the one engine (`stq.workflow.engine`).

    create    -> received                                any user with a role at the proposing unit
    accept    received               -> accepted        officer/approver of the central PCA unit
    decline   received, accepted     -> declined        idem; reason required
    complete  accepted               -> done            idem
    reopen    declined, done         -> received        idem; reason required
A comment is a fact of the request (its line in the timeline). No deadline: the domain sets none for change
requests.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from stq.org.policy import ALL_ROLES
from stq.workflow.engine import Fact, Transition, Workflow

from .models import ChangeRequest
from .policy import HANDLERS

S = ChangeRequest.State
HANDLING = "handling_unit"


def _keep_note(case, actor, data):
    case.status_note = data.get("note", "")


CHANGE_REQUEST_WORKFLOW = Workflow(
    name="change_request",
    label=_("Change request"),
    initial=S.RECEIVED,
    states=S,
    create_roles=ALL_ROLES,
    facts=[Fact("comment", _("Comment added"))],  # recorded by services.change_request_comment
    transitions=[
        Transition("accept", _("Accept"), (S.RECEIVED,), S.ACCEPTED, HANDLERS, unit_field=HANDLING,
                   effect=_keep_note, style="success"),
        Transition("decline", _("Decline"), (S.RECEIVED, S.ACCEPTED), S.DECLINED, HANDLERS, unit_field=HANDLING,
                   note_required=True, effect=_keep_note, style="danger"),
        Transition("complete", _("Mark as done"), (S.ACCEPTED,), S.DONE, HANDLERS, unit_field=HANDLING,
                   effect=_keep_note, style="success"),
        Transition("reopen", _("Reopen"), (S.DECLINED, S.DONE), S.RECEIVED, HANDLERS, unit_field=HANDLING,
                   note_required=True, effect=_keep_note, style="warning"),
    ],
).bind(ChangeRequest)

# status -> the action that leads there (for the API's "set the status")
ACTION_TO = {t.target: t.action for t in CHANGE_REQUEST_WORKFLOW.transitions}
