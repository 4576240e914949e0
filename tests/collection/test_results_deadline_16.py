"""Collection results have a deadline after approval and an overdue list (issue 16 item 11), on real dates."""

from datetime import date

import pytest
from django.utils import timezone

from stq.collection import selectors, services
from stq.collection.models import InfoCollection

from .factories import act, proposal, results_for

pytestmark = pytest.mark.django_db
S = InfoCollection.State


@pytest.fixture
def on_day(monkeypatch):
    def freeze(day):
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)
    return freeze


def test_results_due_working_days_after_approval_and_listed_when_overdue(org, on_day, settings):
    """Domain A2 ("every deadline above is tracked on the record it governs; overdue work is listed") and seed letter
    7301 §2.1 (results recorded "ngay sau khi hoàn thành thu thập thông tin"): approved on Mon 02/02/2026 with a
    10-working-day policy, the results are due Mon 23/02/2026 — Tết 16–20/02 skipped; on 24/02 it is overdue."""
    settings.STQ_COLLECTION_RESULTS_WORKING_DAYS = 10
    on_day(date(2026, 2, 2))
    case = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    case = act(org.approver1, case, "approve")
    assert case.state == S.IN_PROGRESS
    assert (case.due_kind, case.due_on) == ("results_by", date(2026, 2, 23))
    on_day(date(2026, 2, 23))
    assert case not in selectors.overdue_visible_to(org.approver1)
    on_day(date(2026, 2, 24))
    assert case in selectors.overdue_visible_to(org.approver1)
    # the results recorded, the report still due: the same deadline holds
    services.info_collection_results_save(actor=org.officer1, info_collection=case, results=results_for(case))
    case = act(org.officer1, case, "record_results")
    assert (case.due_kind, case.due_on) == ("results_by", date(2026, 2, 23))
    case = act(org.officer1, case, "submit_report")
    assert case.due_kind == "report_approve_by" and case.due_on == date(2026, 2, 25)


def test_overdue_page_lists_the_late_collection(org, on_day, client, settings):
    settings.STQ_COLLECTION_RESULTS_WORKING_DAYS = 10
    on_day(date(2026, 2, 2))
    case = act(org.approver1, act(org.officer1, proposal(org.officer1, org.kv01pt), "submit"), "approve")
    on_day(date(2026, 3, 2))
    client.force_login(org.approver1)
    page = client.get("/collection/overdue/").content.decode()
    assert case.number in page
