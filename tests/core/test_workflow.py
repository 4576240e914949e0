"""The workflow engine, on the test-only Ticket case type."""

import threading
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from stq.core.errors import AppError, Conflict, Forbidden
from stq.core.models import CaseEvent, Notification
from stq.workflow.work import my_work
from tests.caseapp.models import TICKET_WORKFLOW as WF
from tests.caseapp.models import Ticket


def events(ticket):
    return list(CaseEvent.objects.filter(content_type=ContentType.objects.get_for_model(Ticket), object_id=ticket.pk)
                .values_list("action", "from_state", "to_state"))


def new_ticket(org, **kw):
    with transaction.atomic():
        return WF.create(actor=org.officer1, case=Ticket(title="T", unit=org.kv01pt, **kw))


def test_happy_path_writes_events_history_deadline_and_notifications(org, django_capture_on_commit_callbacks):
    ticket = new_ticket(org)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = WF.apply(actor=org.officer1, case=ticket, action="submit")
    assert ticket.state == "submitted" and ticket.submitted_by == org.officer1
    assert ticket.due_on is not None and ticket.due_kind == "approve_by"
    assert Notification.objects.filter(recipient=org.approver1).count() == 1  # the next actor
    with django_capture_on_commit_callbacks(execute=True):
        ticket = WF.apply(actor=org.approver1, case=ticket, action="approve")
    assert ticket.state == "approved" and ticket.due_on is None and ticket.version == 3
    assert events(ticket) == [("create", "", "draft"), ("submit", "draft", "submitted"),
                              ("approve", "submitted", "approved")]
    history = list(ticket.history.order_by("history_date").values_list("state", "history_user__username"))
    assert history == [("draft", "officer1"), ("submitted", "officer1"), ("approved", "approver1")]
    assert Notification.objects.filter(recipient=org.officer1).exists()  # the creator hears of it


def test_illegal_action_is_refused_and_writes_nothing(org):
    ticket = new_ticket(org)
    before = (len(events(ticket)), ticket.history.count(), Notification.objects.count())
    with pytest.raises(Conflict) as excinfo:
        WF.apply(actor=org.approver1, case=ticket, action="approve")
    assert excinfo.value.code == "invalid_state"
    with pytest.raises(AppError) as excinfo:
        WF.apply(actor=org.approver1, case=ticket, action="no_such_action")
    ticket.refresh_from_db()
    assert ticket.state == "draft" and ticket.version == 1
    assert (len(events(ticket)), ticket.history.count(), Notification.objects.count()) == before


def test_policy_and_self_approval(org):
    ticket = WF.apply(actor=org.officer1, case=new_ticket(org), action="submit")
    with pytest.raises(Forbidden):
        WF.apply(actor=org.approver2, case=ticket, action="approve")  # another unit
    with pytest.raises(Forbidden):
        WF.apply(actor=org.officer1b, case=ticket, action="approve")  # not an approver
    # a leader who submitted may not approve their own submission
    mine = new_ticket(org)
    mine = WF.apply(actor=org.approver1, case=mine, action="submit")
    with pytest.raises(Forbidden) as excinfo:
        WF.apply(actor=org.approver1, case=mine, action="approve")
    assert excinfo.value.code == "self_approval"
    assert WF.apply(actor=org.leader_kv01, case=mine, action="approve").state == "approved"


def test_required_note(org):
    ticket = WF.apply(actor=org.officer1, case=new_ticket(org, flagged=True), action="submit")
    with pytest.raises(AppError) as excinfo:
        WF.apply(actor=org.approver1, case=ticket, action="approve", note="  ")
    assert excinfo.value.fields.keys() == {"note"}
    with pytest.raises(AppError):
        WF.apply(actor=org.approver1, case=ticket, action="return")
    assert WF.apply(actor=org.approver1, case=ticket, action="approve", note="Đã xem xét trùng lặp").state == "approved"


def test_stale_version_is_refused(org):
    ticket = new_ticket(org)
    WF.apply(actor=org.officer1, case=ticket, action="submit")
    with pytest.raises(Conflict) as excinfo:
        WF.apply(actor=org.approver1, case=ticket, action="approve", expected_version=1)
    assert excinfo.value.code == "stale"


def test_my_work_lists_actionable_cases_and_overdue(org, monkeypatch):
    ticket = WF.apply(actor=org.officer1, case=new_ticket(org), action="submit")
    Ticket.objects.filter(pk=ticket.pk).update(due_on=date(2026, 2, 12))
    items = my_work(org.approver1)
    assert [i.case.pk for i in items] == [ticket.pk]
    assert items[0].overdue_days > 0
    assert my_work(org.officer1b) == []  # nothing to do for another officer
    assert my_work(org.approver2) == []  # nor for another unit's leader


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_one_wins(org):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    ticket = WF.apply(actor=org.officer1, case=new_ticket(org), action="submit")
    outcomes = []
    barrier = threading.Barrier(2)

    def approve(user):
        try:
            barrier.wait(timeout=10)
            WF.apply(actor=user, case=ticket, action="approve")
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (org.approver1, org.leader_kv01)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["invalid_state", "ok"]
    assert [e for e in events(ticket) if e[0] == "approve"] == [("approve", "submitted", "approved")]


def test_record_a_fact_with_before_and_after(org):
    """Issue 15 item 3: a fact that is not a step is one case event through `Workflow.record`: who, when, the state
    it happened in, before → after; a kind the case type did not declare is a programming error."""
    ticket = new_ticket(org)
    with pytest.raises(ValueError):
        WF.record(actor=org.officer1, case=ticket, kind="payment")
    with transaction.atomic():
        event = WF.record(actor=org.officer1, case=ticket, kind="retitled", before={"title": "T"},
                          after={"title": "T2", "on": date(2026, 3, 2)}, note="typo")
    assert events(ticket)[-1] == ("retitled", "draft", "draft")
    event.refresh_from_db()
    assert (event.actor, event.before, event.after, event.note) == (
        org.officer1, {"title": "T"}, {"title": "T2", "on": "2026-03-02"}, "typo")
    item = WF.timeline(ticket)[-1]
    assert item["fact"] and item["label"] == "Retitled" and item["from"] == ""
    assert item["changes"] == [{"field": "title", "before": "T", "after": "T2"},
                               {"field": "on", "before": "", "after": "02/03/2026"}]


def test_import_case_is_the_one_way_to_store_a_state_from_elsewhere(org):
    with transaction.atomic():
        ticket = WF.import_case(actor=org.admin_chq, case=Ticket(title="Old", unit=org.kv01pt), state="approved",
                                note="STQ01", data={"id": "X-1"})
    assert (ticket.state, ticket.created_by) == ("approved", org.admin_chq)
    assert events(ticket) == [("import", "", "approved")]
    assert ticket.history.first().history_change_reason == "import"
    with pytest.raises(AppError), transaction.atomic():
        WF.import_case(actor=org.admin_chq, case=Ticket(title="Bad", unit=org.kv01pt), state="lost")
    assert not Ticket.objects.filter(title="Bad").exists()
