"""The pages: list with filters, proposal form with server-side validation, case page with actions and
timeline, results form, the enterprise-page section."""

import pytest

from stq.collection.models import InfoCollection

from .factories import OTHER_CODE, act, enterprise, proposal

pytestmark = pytest.mark.django_db


def test_list_filters_and_empty_state(org, client):
    a = proposal(org.officer1, org.kv01pt)
    b = act(org.officer1, proposal(org.officer1, org.kv01pt, enterprise(OTHER_CODE, name="Công ty Hoa Sen")), "submit")
    client.force_login(org.officer1)
    page = client.get("/collection/").content.decode()
    assert a.number in page and b.number in page
    page = client.get("/collection/?state=submitted").content.decode()
    assert b.number in page and a.number not in page
    page = client.get("/collection/?enterprise=hoa sen").content.decode()
    assert b.number in page and a.number not in page
    page = client.get("/collection/?risk_area=TRADE_POLICY").content.decode()
    assert 'data-testid="empty"' in page
    client.force_login(org.officer2)
    assert a.number not in client.get("/collection/").content.decode()
    assert client.get(a.get_absolute_url()).status_code == 404


def test_create_form_validates_on_the_server(org, client):
    enterprise()
    client.force_login(org.officer1)
    r = client.post("/collection/new/", {"unit": org.kv01pt.pk, "enterprise": "0100109107", "signs": "",
                                        "collection_form": "declarant", "addressee": "GĐ",
                                        "planned_start": "2026-03-05", "planned_end": "2026-03-01"})
    assert r.status_code == 200 and not InfoCollection.objects.exists()
    html = r.content.decode()
    for name in ("enterprise", "signs", "risk_areas"):
        assert f'data-testid="error-{name}"' in html
    r = client.post("/collection/new/", {"unit": org.kv01pt.pk, "enterprise": "0100109106", "signs": "Dấu hiệu",
                                        "risk_areas": [], "collection_form": "declarant", "addressee": "GĐ",
                                        "planned_start": "2026-03-05", "planned_end": "2026-03-01"})
    assert not InfoCollection.objects.exists()
    from stq.core.models import RiskArea
    r = client.post("/collection/new/", {"unit": org.kv01pt.pk, "enterprise": "0100109106", "signs": "Dấu hiệu",
                                        "risk_areas": [RiskArea.objects.get(code="ORIGIN").pk],
                                        "collection_form": "declarant", "addressee": "GĐ",
                                        "planned_start": "2026-03-05", "planned_end": "2026-03-01"})
    assert 'data-testid="error-planned_end"' in r.content.decode() and not InfoCollection.objects.exists()


def test_case_page_actions_error_beside_note_and_timeline(org, client):
    case = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    client.force_login(org.officer1)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="action-approve"' not in page  # the submitter has no approve button
    client.force_login(org.approver1)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="action-approve"' in page and 'data-testid="action-return"' in page
    r = client.post(f"/collection/{case.pk}/action/", {"action": "return", "note": ""})
    assert r.status_code == 400 and 'data-testid="action-error"' in r.content.decode()
    case.refresh_from_db()
    assert case.state == "submitted"
    r = client.post(f"/collection/{case.pk}/action/", {"action": "approve", "version": case.version - 1})
    assert r.status_code == 409 and 'data-testid="action-error"' in r.content.decode()  # someone changed it since
    assert client.post(f"/collection/{case.pk}/action/", {"action": "approve", "version": "x"}).status_code == 404
    case.refresh_from_db()
    assert case.state == "submitted"
    r = client.post(f"/collection/{case.pk}/action/", {"action": "approve", "version": case.version})
    assert r.status_code == 302
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="timeline"' in page and page.count("list-group-item") == 3
    assert "Đã thực hiện: Phê duyệt." in page  # the shared action view's message, in Vietnamese


def test_enterprise_page_lists_its_collections(org, client):
    ent = enterprise()
    case = proposal(org.officer1, org.kv01pt, ent)
    from stq.enterprises.sections import SECTIONS

    section = SECTIONS["collections"]
    assert not section.is_placeholder
    from django.test import RequestFactory
    request = RequestFactory().get("/")
    request.user = org.officer1
    assert case.number in section.render(request, ent)
    request.user = org.officer2
    assert case.number not in section.render(request, ent)
