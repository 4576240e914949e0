"""Reconciliation: the reporting officer confirms the period's figures (who, when, snapshot); a later change shows
as a difference; the central unit sees which units reconciled."""

from datetime import date

import pytest
from django.utils import timezone

from stq.core.errors import AppError, Forbidden
from stq.reports import selectors, services
from stq.reports.builder import build_report
from stq.reports.models import Reconciliation
from stq.reports.periods import Period, named_period

from .factories import M, payment


def test_confirm_records_who_when_and_a_snapshot(org, q1, Q1, form19):
    rec = services.reconciliation_confirm(actor=org.officer1, form="19", unit=org.kv01pt, period=Q1)
    assert rec.confirmed_by == org.officer1 and rec.confirmed_at is not None
    assert rec.figures["A"]["period"]["total"]["tax_assessed"] == 110 * M
    assert rec.due_on == date(2026, 4, 7)  # 5 working days after 31/03 (Hùng Kings' day 27/04 is later)
    assert rec.reconcile_by == date(2026, 4, 3)  # 2 working days before
    assert rec.late  # confirmed long after (the clock is November 2026)
    assert rec.history.first().history_user == org.officer1
    report = build_report(form19, unit=org.kv01pt, period=Q1, user=org.officer1)
    assert selectors.differences(report, rec) == []


def test_a_report_after_a_later_change_differs_from_the_snapshot(org, q1, Q1, form19):
    rec = services.reconciliation_confirm(actor=org.officer1, form="19", unit=org.kv01pt, period=Q1)
    payment(q1.b, date(2026, 3, 31), 3 * M)  # recorded after the reconciliation, dated in the period
    report = build_report(form19, unit=org.kv01pt, period=Q1, user=org.officer1)
    diffs = selectors.differences(report, selectors.latest_reconciliation(form="19", unit=org.kv01pt, period=Q1))
    changed = {(d.block, d.row, d.column): (d.reconciled, d.now) for d in diffs}
    assert changed[("period", "total", "collected")] == (110 * M, 113 * M)
    assert changed[("period", "total", "outstanding")] == (25 * M, 22 * M)
    assert rec.figures["A"]["period"]["total"]["collected"] == 110 * M  # the snapshot itself never changes


def test_confirmation_refused_when_the_figures_changed_since_shown(org, q1, Q1, form19):
    shown = selectors.digest(build_report(form19, unit=org.kv01pt, period=Q1).figures())
    payment(q1.a, date(2026, 3, 30), 1 * M)
    with pytest.raises(AppError) as err:
        services.reconciliation_confirm(actor=org.officer1, form="19", unit=org.kv01pt, period=Q1,
                                        expected_digest=shown)
    assert err.value.code == "figures_changed"
    assert not Reconciliation.objects.exists()


def test_only_the_units_officers_reconcile(org, q1, Q1):
    for user in (org.officer2, org.analyst, org.nobody):
        with pytest.raises(Forbidden):
            services.reconciliation_confirm(actor=user, form="19", unit=org.kv01pt, period=Q1)
    assert not Reconciliation.objects.exists()


def test_not_before_the_period_ends(org):
    today = timezone.localdate()
    with pytest.raises(AppError) as err:
        services.reconciliation_confirm(actor=org.officer1, form="19", unit=org.kv01pt,
                                        period=Period(today.replace(day=1), today))
    assert err.value.code == "period_not_ended"
    assert not Reconciliation.objects.exists()


def test_central_unit_sees_which_units_reconciled(org, q1, Q1):
    services.reconciliation_confirm(actor=org.officer1, form="19", unit=org.kv01pt, period=Q1)
    services.reconciliation_confirm(actor=org.leader_kv01, form="19", unit=org.kv01, period=Q1)
    rows = {r.unit.code: r.reconciliation for r in
            selectors.reconciliation_status(org.analyst, form="19", unit=org.chq, period=Q1)}
    assert rows["KV01-PT"].confirmed_by == org.officer1
    assert rows["KV01"].confirmed_by == org.leader_kv01
    assert rows["KV02"] is None and rows["KV02-PT"] is None and rows["CHQ"] is None  # identifiable
    assert rows.keys() == {"CHQ", "KV01", "KV01-PT", "KV02", "KV02-PT"}
    # another period has its own status
    other = selectors.reconciliation_status(org.analyst, form="19", unit=org.chq, period=named_period("2026-Q2"))
    assert all(r.reconciliation is None for r in other)
    with pytest.raises(Forbidden):
        selectors.reconciliation_status(org.officer2, form="19", unit=org.chq, period=Q1)


def test_reminders_before_and_after_the_deadline(org, django_capture_on_commit_callbacks):
    from stq.core.models import Notification
    from stq.reports.reminders import send_reconciliation_reminders

    services_period = named_period("2026-03")  # reconcile by 03/04/2026 (report due 07/04/2026)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reconciliation_reminders(date(2026, 4, 2)) == 4  # 2 forms × 2 teams with officers
    mine = Notification.objects.filter(recipient=org.officer1)
    assert mine.count() == 2 and "03/04/2026" in mine.first().title
    assert not Notification.objects.filter(recipient=org.approver1).exists()
    with django_capture_on_commit_callbacks(execute=True):  # the same day again: nothing new
        send_reconciliation_reminders(date(2026, 4, 2))
    assert mine.count() == 2
    services.reconciliation_confirm(actor=org.officer1, form="19", unit=org.kv01pt, period=services_period)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reconciliation_reminders(date(2026, 4, 6)) == 3  # overdue, except KV01-PT's form 19
    assert Notification.objects.filter(recipient=org.approver1, level="warning").count() == 1  # form 20 only
    assert mine.filter(level="warning").count() == 1
