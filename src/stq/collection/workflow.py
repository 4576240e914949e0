"""The information-collection workflow, declared as data for the one engine (`stq.workflow.engine`), domain B4.1.

    submit          draft, returned             -> submitted         officer/approver of the unit; duplicate search;
                                                                     deadline "approve_by" = the same working day
    approve         submitted                   -> in_progress       approver of the approval unit, never the
                                                                     submitter; a reason when a duplicate warning stands
                                                                     deadline "results_by": STQ_COLLECTION_RESULTS_
                                                                     WORKING_DAYS working days after the approval (kept
                                                                     until the report is submitted; restarted on resume)
    return          submitted                   -> returned          approver; note required
    suspend         submitted, in_progress      -> suspended         approver; reason required
    resume          suspended                   -> in_progress       approver, never the submitter; reason required
    cancel          submitted, in_progress, suspended, returned -> cancelled   approver; reason required
    record_results  in_progress                 -> results_recorded  officer/approver; a result for every risk area
    submit_report   results_recorded            -> report_submitted  officer/approver; deadline "report_approve_by"
                                                                     = 1 working day
    record_results keeps "results_by" (KEEP_DEADLINE)
    return_report   report_submitted            -> results_recorded  approver; note required; "results_by" again
    close           report_submitted            -> closed            approver, never the report's submitter; opinion
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError
from stq.org.models import Role
from stq.workflow.engine import KEEP_DEADLINE, Deadline, Fact, Transition, Workflow

from .models import InfoCollection

S = InfoCollection.State
WORKERS = frozenset({Role.OFFICER, Role.APPROVER})
LEADERS = frozenset({Role.APPROVER})
APPROVAL = "approval_unit"


def _on_submit(case, actor, data):
    from .selectors import open_cases_for_enterprise

    case.submitted_by = actor
    case.submitted_at = timezone.now()
    found = open_cases_for_enterprise(case.enterprise.tax_code, exclude=case)
    case.duplicates = found
    case.duplicate_warning = bool(found)


def _on_approve(case, actor, data):
    case.approved_by = actor
    case.approved_at = timezone.now()
    case.approval_note = data.get("note", "")


def _require_all_results(case, actor, data):
    areas = set(case.risk_areas.values_list("pk", flat=True))
    done = set(case.results.values_list("risk_area_id", flat=True))
    missing = areas - done
    if missing or not areas:
        raise AppError(
            "results_missing", _("Record a result for every risk area of the proposal first."), field="results"
        )


def _on_submit_report(case, actor, data):
    _require_all_results(case, actor, data)
    case.report_submitted_by = actor
    case.report_submitted_at = timezone.now()


def _on_close(case, actor, data):
    case.leader_opinion = data.get("note", "")
    case.closed_at = timezone.now()


def _on_resume(case, actor, data):
    if case.approved_by_id is None:  # suspended before approval: resuming it is the leader's approval
        _on_approve(case, actor, data)


def results_deadline(case) -> Deadline:
    """POLICY (issue 16 item 11, configurable): the results report is due a set number of working days after the
    approval or the resumption (`STQ_COLLECTION_RESULTS_WORKING_DAYS`); overdue collections appear in the overdue
    list. Recording the results keeps it (`KEEP_DEADLINE`) until the report is submitted; a returned report starts it
    again."""
    return Deadline("results_by", _("Submit the collection results"),
                    working_days=getattr(settings, "STQ_COLLECTION_RESULTS_WORKING_DAYS", 30))


INFO_COLLECTION_WORKFLOW = Workflow(
    name="info_collection",
    label=_("Information collection"),
    initial=S.DRAFT,
    states=S,
    # A risk manager opens drafts too (from a risk alert or a target-list pick, issue #7); the unit's officers
    # and leaders take them from there: submitting and everything after is theirs.
    create_roles=WORKERS | {Role.RISK_MANAGER},
    facts=[Fact("edit", _("Proposal changed")), Fact("results", _("Results per risk area recorded"))],
    transitions=[
        Transition("submit", _("Submit for approval"), (S.DRAFT, S.RETURNED), S.SUBMITTED, WORKERS,
                   effect=_on_submit, deadline=Deadline("approve_by", _("Approve the proposal"), working_days=0)),
        Transition("approve", _("Approve"), (S.SUBMITTED,), S.IN_PROGRESS, LEADERS, unit_field=APPROVAL,
                   not_by=("submitted_by",), note_required=lambda c: c.duplicate_warning, effect=_on_approve,
                   deadline=results_deadline, style="success"),
        Transition("return", _("Return for revision"), (S.SUBMITTED,), S.RETURNED, LEADERS, unit_field=APPROVAL,
                   note_required=True, style="warning"),
        Transition("suspend", _("Suspend"), (S.SUBMITTED, S.IN_PROGRESS), S.SUSPENDED, LEADERS,
                   unit_field=APPROVAL, note_required=True, style="warning"),
        Transition("resume", _("Resume"), (S.SUSPENDED,), S.IN_PROGRESS, LEADERS, unit_field=APPROVAL,
                   not_by=("submitted_by",), note_required=True, effect=_on_resume,
                   deadline=results_deadline),
        Transition("cancel", _("Cancel"), (S.SUBMITTED, S.IN_PROGRESS, S.SUSPENDED, S.RETURNED), S.CANCELLED,
                   LEADERS, unit_field=APPROVAL, note_required=True, style="danger"),
        Transition("record_results", _("Mark results as recorded"), (S.IN_PROGRESS,), S.RESULTS_RECORDED, WORKERS,
                   guard=_require_all_results, deadline=KEEP_DEADLINE),
        Transition("submit_report", _("Submit the report"), (S.RESULTS_RECORDED,), S.REPORT_SUBMITTED, WORKERS,
                   effect=_on_submit_report,
                   deadline=Deadline("report_approve_by", _("Approve the report"), working_days=1)),
        Transition("return_report", _("Return the report"), (S.REPORT_SUBMITTED,), S.RESULTS_RECORDED, LEADERS,
                   unit_field=APPROVAL, note_required=True, deadline=results_deadline, style="warning"),
        Transition("close", _("Approve the report and close"), (S.REPORT_SUBMITTED,), S.CLOSED, LEADERS,
                   unit_field=APPROVAL, not_by=("submitted_by", "report_submitted_by"), note_required=True,
                   effect=_on_close, style="success"),
    ],
).bind(InfoCollection)

# Actions outside the state machine.
from stq.org import policy  # noqa: E402

policy.register_action("info_collection.edit", WORKERS)  # edit the proposal while draft / returned
policy.register_action("info_collection.results", WORKERS)  # record results while collecting

EDITABLE_STATES = (S.DRAFT, S.RETURNED)  # the proposal is edited while a draft or returned
RESULT_STATES = (S.IN_PROGRESS, S.RESULTS_RECORDED)  # results are recorded while collecting


def may_edit(user, case) -> bool:
    return case.state in EDITABLE_STATES and policy.can(user, "info_collection.edit", case)


def may_record_results(user, case) -> bool:
    return case.state in RESULT_STATES and policy.can(user, "info_collection.results", case)
