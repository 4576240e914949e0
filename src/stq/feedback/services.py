"""Every write on change requests: one transaction each, the policy checked, AppError on refusal."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError, Conflict, Forbidden
from stq.core.history import save_as
from stq.core.notifications import notify
from stq.core.numbering import next_number
from stq.core.texts import Text
from stq.org import policy as org_policy
from stq.org.selectors import users_with_roles

from .models import ChangeRequest, ChangeRequestComment
from .policy import HANDLERS, central_unit, handles_change_requests
from .workflow import ACTION_TO

NUMBER_KIND = "DXCN"  # đề xuất (sửa đổi) chức năng


def _validate(*, function_name: str, proposed_change: str, reason: str, proposed_on) -> None:
    errors = {}
    if not (function_name or "").strip():
        errors["function_name"] = _("Name the function to change.")
    if not (proposed_change or "").strip():
        errors["proposed_change"] = _("Describe the proposed change.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the change.")
    if proposed_on and proposed_on > timezone.localdate():
        errors["proposed_on"] = _("The date cannot be in the future.")
    if errors:
        raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)


def change_request_create(*, actor, unit, function_name: str, proposed_change: str, reason: str,
                          proposed_on: date | None = None) -> ChangeRequest:
    """Record a change request of `unit` (any role there), numbered from the unit's DXCN counter; the central PCA
    unit's handlers are notified."""
    proposed_on = proposed_on or timezone.localdate()
    _validate(function_name=function_name, proposed_change=proposed_change, reason=reason, proposed_on=proposed_on)
    with transaction.atomic():
        handling = central_unit()
        case = ChangeRequest(
            unit=unit, handling_unit=handling, function_name=function_name.strip(),
            proposed_change=proposed_change.strip(), reason=reason.strip(), proposed_on=proposed_on,
            proposed_by=actor, number=next_number(unit=unit, year=proposed_on.year, kind=NUMBER_KIND),
        )
        ChangeRequest.workflow.create(actor=actor, case=case)
        notify([u for u in users_with_roles(HANDLERS, handling) if u.pk != actor.pk],
               title=Text(_("New change request %(number)s: %(function)s"), number=case.number,
                          function=case.function_name),
               url=case.get_absolute_url(), case=case)
    return case


def change_request_act(*, actor, change_request: ChangeRequest, action: str, note: str = "",
                       expected_version: int | None = None) -> ChangeRequest:
    """Take a workflow action (accept, decline, complete, reopen); the engine locks, checks and records it."""
    note = (note or "").strip()
    return ChangeRequest.workflow.apply(actor=actor, case=change_request, action=action, note=note,
                                        data={"note": note} if note else {}, expected_version=expected_version)


def change_request_set_status(*, actor, change_request: ChangeRequest, status: str, note: str = "",
                              expected_version: int | None = None) -> ChangeRequest:
    """Set the status (received, accepted, done, declined) through the action that leads there."""
    if status not in ChangeRequest.State.values:
        raise AppError("invalid_status", _("Unknown status."), field="status")
    if status == change_request.state:
        raise Conflict("same_status", _("The change request already has this status."))
    return change_request_act(actor=actor, change_request=change_request, action=ACTION_TO[status], note=note,
                              expected_version=expected_version)


def may_comment(user, change_request: ChangeRequest) -> bool:
    return (change_request.proposed_by_id == user.pk or handles_change_requests(user)
            or org_policy.can_at(user, "change_request.comment", change_request.unit))


def change_request_comment(*, actor, change_request: ChangeRequest, text: str) -> ChangeRequestComment:
    """Add a comment: the central PCA unit's handlers, the proposer, or a user of the proposing unit."""
    text = (text or "").strip()
    if not text:
        raise AppError("invalid", _("Write the comment."), field="text")
    with transaction.atomic():
        case = ChangeRequest.objects.select_for_update().get(pk=change_request.pk)
        if not may_comment(actor, case):
            raise Forbidden("forbidden", _("You do not have permission to do this."))
        comment = save_as(ChangeRequestComment(change_request=case, author=actor, text=text), actor, reason="comment")
        ChangeRequest.workflow.record(actor=actor, case=case, kind="comment", note=text,
                                      data={"comment_id": comment.pk})
        recipients = [case.proposed_by, *users_with_roles(HANDLERS, case.handling_unit)]
        notify([u for u in recipients if u.pk != actor.pk],
               title=Text(_("New comment on change request %(number)s"), number=case.number),
               url=case.get_absolute_url(), case=case)
    return comment
