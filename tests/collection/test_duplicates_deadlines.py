"""Duplicate warning across units; deadlines on the working-day calendar; overdue detection and reminders."""

from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from stq.collection import selectors
from stq.collection.filters import InfoCollectionFilter
from stq.collection.models import InfoCollection
from stq.core.errors import AppError
from stq.core.models import Notification
from stq.workflow import reminders
from stq.workflow.work import my_work

from .factories import OTHER_CODE, act, branch, enterprise, proposal, results_for

pytestmark = pytest.mark.django_db
S = InfoCollection.State


@pytest.fixture
def on_day(monkeypatch):
    """Freeze `timezone.localdate()` (the engine and the services read it) on a given day."""
    def freeze(day):
        monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)
    return freeze


def test_duplicate_across_two_units_is_warned_on_submit_and_shown_to_the_approver(org, client):
    head = enterprise()
    other_unit = act(org.officer2, proposal(org.officer2, org.kv02pt, head, signs="Bí mật của KV02"), "submit")
    assert not other_unit.duplicate_warning
    case = act(org.officer1, proposal(org.officer1, org.kv01pt, branch(head)), "submit")  # the branch: same family
    assert case.duplicate_warning is True
    [row] = case.duplicates
    assert row["unit_code"] == "KV02-PT" and row["number"] == other_unit.number and row["state"] == "submitted"
    assert "signs" not in row and "Bí mật" not in str(case.duplicates)  # never the other unit's content
    client.force_login(org.approver1)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="duplicate-warning"' in page and other_unit.number in page and "Bí mật" not in page
    # approve anyway requires a reason
    with pytest.raises(AppError) as info:
        act(org.approver1, case, "approve")
    assert info.value.code == "note_required"
    case.refresh_from_db()
    assert case.state == S.SUBMITTED and case.approved_by is None
    case = act(org.approver1, case, "approve", "Nội dung thu thập khác với KV02")
    assert case.state == S.IN_PROGRESS and case.approval_note == "Nội dung thu thập khác với KV02"


def test_the_stored_warning_is_read_in_the_readers_language(org, client, settings):
    """The open cases found on submit are stored with the words of the submitter's language; a reader in the other
    language sees their kind and state named in his (the stored codes decide), never the submitter's words."""
    head = enterprise()
    other_unit = act(org.officer2, proposal(org.officer2, org.kv02pt, head), "submit")
    with translation.override("vi"):
        case = act(org.officer1, proposal(org.officer1, org.kv01pt, branch(head)), "submit")
    [row] = case.duplicates
    assert row["state_label"] == "Đã trình, chờ phê duyệt"  # stored in Vietnamese
    client.force_login(org.approver1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(case.get_absolute_url()).content.decode()
    assert other_unit.number in page
    assert "Submitted, awaiting approval" in page and "Đã trình, chờ phê duyệt" not in page
    assert "Information collection" in page and "Thu thập thông tin" not in page


def test_no_warning_for_other_enterprises_or_closed_and_draft_cases(org):
    proposal(org.officer2, org.kv02pt)  # a draft elsewhere is not an open case
    proposal(org.officer2, org.kv02pt, enterprise(OTHER_CODE, name="Công ty khác"))
    case = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    assert case.duplicate_warning is False and case.duplicates == []


def test_duplicate_selector_is_extensible_and_sees_all_units(org):
    act(org.officer2, proposal(org.officer2, org.kv02pt), "submit")

    def audits(codes, exclude):
        return [selectors.duplicate_row(kind="audit_case", kind_label="Audit", unit=org.kv01, number="A-1",
                                        state="fieldwork", state_label="Fieldwork", tax_code=codes[0])]

    selectors.register_duplicate_source(audits)
    try:
        rows = selectors.open_cases_for_enterprise("0100109106-001")
    finally:
        selectors.DUPLICATE_SOURCES.remove(audits)
    assert {(r["kind"], r["unit_code"]) for r in rows} == {("info_collection", "KV02-PT"), ("audit_case", "KV01")}


def test_approval_is_due_the_day_of_submission(org, on_day):
    on_day(date(2026, 2, 13))
    case = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    assert (case.due_on, case.due_kind) == (date(2026, 2, 13), "approve_by")


def test_report_submitted_the_friday_before_tet_2026_is_due_the_first_working_day_after(org, on_day):
    case = act(org.approver1, act(org.officer1, proposal(org.officer1, org.kv01pt), "submit"), "approve")
    from stq.collection import services
    services.info_collection_results_save(actor=org.officer1, info_collection=case, results=results_for(case))
    case = act(org.officer1, case, "record_results")
    on_day(date(2026, 2, 13))  # Friday; Tết holiday Mon 16 – Fri 20 February 2026
    case = act(org.officer1, case, "submit_report")
    assert (case.due_on, case.due_kind) == (date(2026, 2, 23), "report_approve_by")


def test_overdue_detection_lists_and_my_work(org, on_day, client):
    on_day(date(2026, 2, 13))
    late = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    on_day(date(2026, 2, 23))
    fresh = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    visible = selectors.info_collections_visible_to(org.approver1)
    assert list(InfoCollectionFilter({"overdue": "1"}, queryset=visible).qs) == [late]
    items = {i.case.pk: i for i in my_work(org.approver1)}
    assert items[late.pk].overdue_days == 1 and items[fresh.pk].overdue_days == 0  # 13/02 → 23/02 = 1 working day
    client.force_login(org.approver1)
    listing = client.get("/collection/?overdue=on").content.decode()
    assert late.number in listing and fresh.number not in listing
    page = client.get("/collection/overdue/").content.decode()
    assert late.number in page and fresh.number not in page and "quá hạn 1 ngày làm việc" in page
    assert late.number not in client.get("/collection/overdue/?unit=KV02-PT").content.decode()


def test_reminders_due_today_and_overdue_are_sent_once(org, on_day, django_capture_on_commit_callbacks):
    """The core's daily job (`manage.py notify_deadlines`) covers this workflow: each reminder is sent once."""
    on_day(date(2026, 2, 13))
    case = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    Notification.objects.all().delete()
    mine = Notification.objects.filter(url=case.get_absolute_url())
    for _ in range(2):  # twice the same day: nothing new the second time
        with django_capture_on_commit_callbacks(execute=True):
            call_command("notify_deadlines")
        assert {n.recipient.username for n in mine} == {"approver1", "leader_kv01"}  # the next actors
        assert mine.count() == 2
    on_day(date(2026, 2, 24))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            reminders.deadline_reminders_task.enqueue()
        overdue = mine.filter(level="warning")
        assert {n.recipient.username for n in overdue} == {"approver1", "leader_kv01"}
        assert overdue.count() == 2
    assert "2" in overdue.first().title and case.number in overdue.first().title
