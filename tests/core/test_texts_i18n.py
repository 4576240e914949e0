"""Both languages all the way (issue 18 item 7): notifications are stored as codes with parameters and read in the
reader's language; old free-text rows are converted where they can be and stay readable; API messages follow the
request's Accept-Language."""

import importlib

import pytest
from django.apps import apps
from django.utils.translation import gettext_lazy, override

from stq.core.models import Notification
from stq.core.texts import Text, render, stored
from tests.collection.factories import act, proposal

pytestmark = pytest.mark.django_db


def test_a_text_is_stored_as_its_code_and_rendered_in_the_active_language():
    spec = Text(gettext_lazy("Due today: %(case)s"), case="12/2026/TT-KV01").as_json()
    assert spec == {"m": "Due today: %(case)s", "p": {"case": "12/2026/TT-KV01"}}
    with override("vi"):
        assert render(spec) == "Đến hạn hôm nay: 12/2026/TT-KV01"
    with override("en"):
        assert render(spec) == "Due today: 12/2026/TT-KV01"
    assert stored(7) == 7 and render(None) == "" and render("văn bản cũ") == "văn bản cũ"


def test_a_notification_reads_in_the_readers_language(org, client, django_capture_on_commit_callbacks):
    with override("vi"), django_capture_on_commit_callbacks(execute=True):
        case = proposal(org.officer1, org.kv01pt)
        act(org.officer1, case, "submit")  # the engine notifies the approver
    item = Notification.objects.get(recipient=org.approver1)
    params = item.message["title"]["p"]
    assert params["case"] == case.number and "m" in params["action"] and "m" in params["state"]  # labels as codes
    client.force_login(org.approver1)
    vi = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    en = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with override("vi"):
        assert item.shown_title() in vi
    with override("en"):
        english = item.shown_title()
    assert english in en and english != item.title and case.number in english


def test_old_free_text_rows_get_their_code_where_they_can_and_stay_readable(org, client):
    migration = importlib.import_module("stq.core.migrations.0006_notification_message_code")
    known = Notification.objects.create(recipient=org.officer1, title="Giao dịch bất thường: 0100109106",
                                        body="đơn giá bằng 12% trung vị của cùng mã HS và xuất xứ")
    unknown = Notification.objects.create(recipient=org.officer1, title="Thông báo cũ do quản trị gửi")
    migration.to_codes(apps, None)
    known.refresh_from_db()
    unknown.refresh_from_db()
    assert known.message["title"] == {"m": "Unusual transaction: %(tax_code)s", "p": {"tax_code": "0100109106"}}
    with override("en"):
        assert known.shown_title() == "Unusual transaction: 0100109106"
        assert unknown.message == {} and unknown.shown_title() == "Thông báo cũ do quản trị gửi"
    client.force_login(org.officer1)
    assert "Thông báo cũ do quản trị gửi" in client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_risk_alert_notifications_are_codes(org):
    from django.test import TestCase

    from stq.enterprises.models import Enterprise
    from stq.risk.arrival import notify_managing_units
    from stq.risk.models import Alert

    ent = Enterprise.objects.create(tax_code="0100109106", name="DN A", managing_unit=org.kv01pt)
    alert = Alert.objects.create(kind="price_outlier", tax_code=ent.tax_code, enterprise=ent,
                                 details={"min_ratio": 0.12})
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert notify_managing_units([alert]) == 1
    item = Notification.objects.filter(recipient=org.officer1).get()
    with override("en"):
        assert item.shown_title() == "Unusual transaction: 0100109106"
        assert item.shown_body() == "unit price at 12% of the median of the same HS code and origin"


@pytest.mark.parametrize("lang, detail, field", [
    ("vi", "Vui lòng sửa các tham số của điều kiện.", "Phải nhỏ hơn hoặc bằng"),
    ("en", "Please correct the parameters of the condition.", "Must be at most"),
])
def test_api_messages_follow_accept_language(org, lang, detail, field):
    from rest_framework.test import APIClient

    from stq.core.reference import ensure_risk_areas

    ensure_risk_areas()
    c = APIClient(HTTP_ACCEPT_LANGUAGE=lang)
    c.force_authenticate(org.risk_manager)
    r = c.post("/api/v1/risk/criteria/", {
        "code": "BAD", "name": "x", "kind": "price_below_peer_median", "params": {"ratio": 3},
        "risk_area": "VALUATION", "weight": 40, "rationale": "r", "valid_from": "2025-01-01", "owner_unit": "CHQ"},
        format="json")
    body = r.json()
    assert r.status_code == 400 and body["detail"] == detail and body["fields"]["params.ratio"].startswith(field)
    assert r.headers["Content-Language"] == lang
    missing = c.get("/api/v1/risk/enterprises/0000000000/").json()["detail"]
    assert missing == {"vi": "Chưa có đánh giá rủi ro cho mã số thuế này.",
                       "en": "No risk assessment for this tax code yet."}[lang]
