"""Deadlines on the board: "my work", the reminders (due today / overdue, once), the duplicate source."""

import pytest

from stq.audits import services
from stq.audits.models import AuditCase
from stq.audits.selectors import late_recordings_visible_to, open_tax_codes, overdue_cases_visible_to
from stq.collection.selectors import open_cases_for_enterprise
from stq.core import calendar
from stq.core.models import Notification
from stq.workflow.reminders import send_deadline_reminders
from stq.workflow.work import my_work

from .factories import act, approved, decision_values, opened, proposal, step, today

pytestmark = pytest.mark.django_db


def test_overdue_delivery_is_on_my_work_the_board_and_reminded_once(org, django_capture_on_commit_callbacks):
    case = opened(org)  # signed 40 working days ago: the delivery is long overdue
    assert case.due_on < today()
    items = [i for i in my_work(org.officer1) if i.case == case]
    assert items and items[0].is_overdue and items[0].due_kind == "deliver_by"
    assert not [i for i in my_work(org.officer2) if i.case == case]
    assert case in overdue_cases_visible_to(org.leader_kv01) and case not in overdue_cases_visible_to(org.officer2)
    for _ in range(2):  # sent once
        with django_capture_on_commit_callbacks(execute=True):
            send_deadline_reminders()
    mine = Notification.objects.filter(recipient=org.officer1, title__contains=case.number)
    assert mine.count() == 1 and mine.get().level == "warning"
    assert Notification.objects.filter(recipient=org.approver1, title__contains=case.number).exists()  # leader


def test_due_today_reminder(org, django_capture_on_commit_callbacks):
    case = opened(org)
    AuditCase.objects.filter(pk=case.pk).update(due_on=today())
    with django_capture_on_commit_callbacks(execute=True):
        send_deadline_reminders()
    assert Notification.objects.filter(recipient=org.officer1, title__contains=case.number, level="info").exists()


def test_approved_proposal_leaves_my_work_once_its_case_is_open(org):
    p = approved(org)
    assert any(i.case == p for i in my_work(org.officer1))
    services.case_open(actor=org.officer1, proposal=p, **decision_values())
    assert not any(i.case == p for i in my_work(org.officer1))


def test_late_recordings_for_leaders(org):
    case = opened(org)
    decisions, conclusions = late_recordings_visible_to(org.leader_kv01)
    assert [d.case_id for d in decisions] == [case.pk] and not conclusions
    assert not late_recordings_visible_to(org.officer2)[0]


def test_open_cases_in_the_duplicate_search_and_open_tax_codes(org):
    p = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    rows = open_cases_for_enterprise(p.enterprise.tax_code)
    assert [r["kind"] for r in rows] == ["audit_proposal"] and rows[0]["number"] == p.number
    assert p.enterprise.tax_code in open_tax_codes()
    act(org.approver1, p, "cancel", "trùng")
    assert open_cases_for_enterprise(p.enterprise.tax_code) == [] and not open_tax_codes()
    case = opened(org)
    rows = open_cases_for_enterprise(case.enterprise.tax_code)
    assert [r["kind"] for r in rows] == ["audit_case"] and "content" not in rows[0]


def test_fieldwork_deadline_skips_holidays(org):
    case = opened(org)
    case = step(org.officer1, case, "deliver", delivered_on=case.decision_signed_on)
    case = step(org.officer1, case, "start", started_on=case.planned_start_on)
    assert case.due_on == calendar.add_working_days(case.started_on, case.duration_working_days - 1)
