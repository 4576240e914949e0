"""Daily deadline reminders: due today and overdue, each sent once."""

from datetime import date

from django.db import transaction

from stq.core.models import Notification
from stq.workflow.reminders import send_deadline_reminders
from tests.caseapp.models import TICKET_WORKFLOW as WF
from tests.caseapp.models import Ticket


def submitted_ticket(org, due_on):
    with transaction.atomic():
        ticket = WF.create(actor=org.officer1, case=Ticket(title="Nhắc hạn", unit=org.kv01pt))
    ticket = WF.apply(actor=org.officer1, case=ticket, action="submit")
    Ticket.objects.filter(pk=ticket.pk).update(due_on=due_on)
    return ticket


def test_due_today_and_overdue_are_sent_once(org, django_capture_on_commit_callbacks):
    submitted_ticket(org, date(2026, 2, 23))
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_deadline_reminders(today=date(2026, 2, 23)) == 1
    due = Notification.objects.get(recipient=org.approver1)
    assert due.dedupe_key.startswith("due:") and "Nhắc hạn" in due.title
    with django_capture_on_commit_callbacks(execute=True):
        send_deadline_reminders(today=date(2026, 2, 23))  # the same day again: nothing new
    assert Notification.objects.filter(recipient=org.approver1).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        send_deadline_reminders(today=date(2026, 2, 25))
    overdue = Notification.objects.filter(recipient=org.approver1, dedupe_key__startswith="overdue:").get()
    assert "2" in overdue.title  # two working days late (24, 25 Feb)
    # the leader above with "units below" hears of overdue work too; officers who cannot act do not
    assert Notification.objects.filter(recipient=org.leader_kv01, dedupe_key__startswith="overdue:").exists()
    assert not Notification.objects.filter(recipient=org.officer1b).exists()


def test_nothing_due_sends_nothing(org, django_capture_on_commit_callbacks):
    submitted_ticket(org, date(2026, 3, 10))
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_deadline_reminders(today=date(2026, 3, 9)) == 0
    assert Notification.objects.count() == 0
