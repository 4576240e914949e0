"""Change requests: any user proposes, the central PCA unit comments and sets the status, with history."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from stq.core.errors import AppError, Conflict, Forbidden, NotFound
from stq.core.models import Notification
from stq.feedback import selectors, services
from stq.feedback.filters import ChangeRequestFilter
from stq.feedback.models import ChangeRequest

pytestmark = pytest.mark.django_db


def propose(user, unit, **kw):
    values = dict(function_name="Thu thập thông tin – kết quả theo lĩnh vực",
                  proposed_change="Cho phép đính kèm tệp văn bản trả lời của doanh nghiệp.",
                  reason="Cán bộ phải lưu văn bản trả lời ngoài hệ thống.")
    values.update(kw)
    with transaction.atomic():
        return services.change_request_create(actor=user, unit=unit, **values)


def set_status(user, case, status, note=""):
    with transaction.atomic():
        return services.change_request_set_status(actor=user, change_request=case, status=status, note=note)


def test_life_cycle_received_accepted_done_with_history_and_comments(central, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = propose(central.officer1, central.kv01pt)
    assert case.state == "received"
    assert case.number.endswith("/DXCN-KV01-PT") and case.number.startswith("0001/")
    assert case.handling_unit == central.ktstq
    # the central unit's handlers are told about the new request
    assert Notification.objects.filter(recipient=central.central_officer, url=case.get_absolute_url()).exists()
    services.change_request_comment(actor=central.central_officer, change_request=case, text="Cần mô tả định dạng tệp.")
    services.change_request_comment(actor=central.officer1, change_request=case, text="Tệp PDF, tối đa 20 MB.")
    with django_capture_on_commit_callbacks(execute=True):
        case = set_status(central.central_leader, case, "accepted", "Đưa vào đợt nâng cấp quý II.")
    case = set_status(central.central_officer, case, "done")
    assert case.state == "done" and case.version == 3
    events = list(case.events())
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("create", "", "received"), ("comment", "received", "received"), ("comment", "received", "received"),
        ("accept", "received", "accepted"), ("complete", "accepted", "done")]
    assert (events[1].actor, events[1].note) == (central.central_officer, "Cần mô tả định dạng tệp.")
    assert events[3].note == "Đưa vào đợt nâng cấp quý II." and events[3].actor == central.central_leader
    assert [c.text for c in case.comments.all()] == ["Cần mô tả định dạng tệp.", "Tệp PDF, tối đa 20 MB."]
    assert case.history.count() == 3  # create, accept, complete: attributed history rows
    assert Notification.objects.filter(recipient=central.officer1, title__contains=case.number).exists()


def test_only_the_central_unit_sets_the_status(central):
    case = propose(central.officer1, central.kv01pt)
    for user in (central.officer1, central.approver1, central.leader_kv01, central.analyst):
        with pytest.raises(Forbidden):
            set_status(user, case, "accepted")
    assert ChangeRequest.objects.get(pk=case.pk).state == "received"


def test_decline_needs_a_reason_and_impossible_transitions_are_refused(central):
    case = propose(central.officer2, central.kv02pt)
    with pytest.raises(AppError) as err:
        set_status(central.central_officer, case, "declined")
    assert err.value.code == "note_required"
    with pytest.raises(Conflict):  # done only after accepted
        set_status(central.central_officer, case, "done")
    case = set_status(central.central_officer, case, "declined", "Trùng với đề xuất 0003/2026.")
    assert case.status_note == "Trùng với đề xuất 0003/2026."
    case = set_status(central.central_leader, case, "received", "Mở lại theo ý kiến lãnh đạo.")
    assert case.state == "received"


def test_validation_and_unit_rights(central):
    with pytest.raises(AppError) as err:
        propose(central.officer1, central.kv01pt, function_name=" ", reason="",
                proposed_on=timezone.localdate() + timedelta(days=1))
    assert set(err.value.fields) == {"function_name", "reason", "proposed_on"}
    with pytest.raises(Forbidden):  # officer1 holds no role at KV02-PT
        propose(central.officer1, central.kv02pt)
    with pytest.raises(Forbidden):  # a user without any grant
        propose(central.nobody, central.kv01pt)
    assert not ChangeRequest.objects.exists()


def test_visibility_comments_and_filters(central):
    a = propose(central.officer1, central.kv01pt, function_name="Danh bạ doanh nghiệp")
    b = propose(central.officer2, central.kv02pt, function_name="Báo cáo mẫu 19")
    assert set(selectors.change_requests_visible_to(central.central_officer)) == {a, b}
    assert set(selectors.change_requests_visible_to(central.officer1)) == {a}
    assert set(selectors.change_requests_visible_to(central.leader_kv01)) == {a}
    with pytest.raises(NotFound):
        selectors.access_change_request(central.officer1, b.pk)
    with pytest.raises(Forbidden):  # another unit's user may not comment (even if they could see it)
        services.change_request_comment(actor=central.officer2, change_request=a, text="?")
    qs = selectors.change_requests_visible_to(central.central_officer)
    assert list(ChangeRequestFilter({"q": "báo cáo"}, queryset=qs).qs) == [b]
    assert list(ChangeRequestFilter({"unit": central.kv01.code}, queryset=qs).qs) == [a]
    set_status(central.central_officer, a, "accepted")
    assert list(ChangeRequestFilter({"state": "accepted"}, queryset=qs).qs) == [a]
