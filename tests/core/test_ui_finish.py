"""The screens' finish (issue 18): the site's own error pages, the favicon, menus that offer only what opens, status
labels in lists, and help/error ids that the fields' aria-describedby point at."""

import re
import unicodedata

import pytest
from django.test import override_settings
from django.urls import reverse

from stq.core.reference import ensure_risk_areas
from tests.collection.factories import proposal

pytestmark = pytest.mark.django_db


def _menu(client):
    html = client.get("/").content.decode()
    nav = re.search(r'<nav class="[^"]*stq-sidebar.*?</nav>', html, re.S).group(0)
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.parametrize("debug", [True, False])
def test_404_and_403_are_the_sites_own_translated_pages_in_the_layout_with_the_way_back(org, client, debug):
    client.force_login(org.officer1)
    with override_settings(DEBUG=debug):
        response = client.get("/no-such-page/", HTTP_REFERER="http://testserver/collection/")
        html = response.content.decode()
        assert response.status_code == 404
        assert 'data-testid="error-page"' in html and "Không tìm thấy trang" in html
        assert 'href="/collection/" data-testid="error-back"' in html and 'data-testid="error-home"' in html
        assert "stq-sidebar" in html and "technical_404" not in html and "Django" not in html
        denied = client.get(reverse("risk:criterion_create"))  # officers may not write criteria (PermissionDenied)
        assert denied.status_code == 403
        assert "Bạn không có quyền mở trang này" in denied.content.decode()
        client.cookies["django_language"] = "en"
        assert "You may not open this page" in client.get(reverse("risk:criterion_create")).content.decode()


def test_the_api_keeps_its_json_404(org, client):
    client.force_login(org.officer1)
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")


def test_500_page_is_the_sites_own(rf):
    from stq.core.errorpages import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500 and b'data-testid="error-page"' in response.content


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("stq/favicon.svg")
    assert client.get(response["Location"]).status_code == 200


def test_menus_offer_only_what_the_user_may_open(org, client):
    for user in (org.officer1, org.admin_kv01pt, org.analyst, org.approver1, org.leader_kv01, org.risk_manager):
        client.force_login(user)
        for href in _menu(client):
            assert client.get(href, follow=True).status_code == 200, (user.username, href)
    client.force_login(org.officer1)
    officer_menu = _menu(client)
    assert reverse("legacy:index") not in officer_menu and reverse("org:admin_home") not in officer_menu
    client.force_login(org.admin_kv01pt)
    assert reverse("org:admin_home") in _menu(client)
    client.force_login(org.nobody)  # no grant: no report unit, nothing to administer
    assert reverse("reports:index") not in _menu(client)


def test_lists_show_the_state_label(org, client):
    ensure_risk_areas()
    case = proposal(org.officer1, org.kv01pt)
    label = type(case).workflow.state_label(case.state)
    assert label and label != case.state
    client.force_login(org.officer1)
    html = client.get(reverse("collection:list")).content.decode()
    assert re.search(rf"<td>\s*{label}\s*</td>", html), "the state column of the collection list is empty"
    assert case.get_state_display() == label


def test_field_errors_and_help_have_the_ids_aria_describedby_names(org, client):
    """Django points a field at `<id>_helptext` and `<id>_error`; the field templates must render those ids."""
    client.force_login(org.officer1)
    html = client.post(reverse("collection:create"), {"signs": ""}).content.decode()
    described = {i for ids in re.findall(r'aria-describedby="([^"]+)"', html) for i in ids.split()}
    assert any(i.endswith("_error") for i in described)
    for ident in described:
        assert f'id="{ident}"' in html, ident


def test_my_work_lists_a_draft_for_its_author_only(org):
    """Issue 18 item 8: the approver's "my work" listed the officers' drafts (an approver may also submit)."""
    from stq.workflow.work import my_work

    ensure_risk_areas()
    case = proposal(org.officer1, org.kv01pt)
    assert case.state == "draft"
    assert case in [i.case for i in my_work(org.officer1)]
    assert case not in [i.case for i in my_work(org.approver1)]
    assert case not in [i.case for i in my_work(org.officer1b)]


def test_a_malformed_tax_code_is_invalid_not_missing_from_the_directory(org, client):
    client.force_login(org.officer1)
    html = client.post(reverse("collection:create"), {"enterprise": "01234"}).content.decode()
    assert "10 chữ số" in html and "danh bạ" not in html.split('id="id_enterprise_error"')[1][:300]


def test_grant_form_offers_only_the_roles_the_administrator_may_grant_and_says_why_not(org, client):
    from stq.core.errors import Forbidden
    from stq.org import services
    from stq.org.models import Role

    client.force_login(org.admin_kv01pt)
    html = client.get(reverse("org:unit_grants", args=["KV01-PT"])).content.decode()
    select = re.search(r'<select name="role".*?</select>', html, re.S).group(0)
    assert 'value="unit_admin"' not in select and re.search(r'<option value="officer" selected', select)
    with pytest.raises(Forbidden) as refused:
        services.role_grant(actor=org.admin_kv01pt, user=org.officer1, role=Role.UNIT_ADMIN, unit=org.kv01pt)
    assert "role" in refused.value.fields
    assert "unit above" in str(refused.value.message) or "cấp trên" in str(refused.value.message)


def test_case_timeline_shows_labels_not_codes():
    """Issue 18 item 2: "Hình thức giao: direct" in a timeline."""
    from stq.audits.models import DecisionKind, DeliveryMethod
    from stq.audits.views.common import _shown

    assert _shown("direct", "delivery_method") == DeliveryMethod("direct").label != "direct"
    assert _shown("extension", "kind") == DecisionKind.EXTENSION.label
    assert _shown("2026-02-16", "signed_on") == "16/02/2026"


def test_api_messages_follow_the_requests_language(org, client):
    """Issue 18 item 7: an API error reads in the language the request asks for (Accept-Language), Vietnamese by
    default."""
    vi = client.get("/api/v1/no-such-thing/").json()["detail"]
    en = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert en == "Not found." and vi != en and vi
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(org.officer1)
    body = api.post("/api/v1/info-collections/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["fields"] and all(all(ord(c) < 0x250 for c in str(m)) for m in body["fields"].values()), body


def test_the_language_switch_names_each_language_in_itself(org, client):
    """Issue 18 item 4: the switch reads "English" in the Vietnamese UI (not "Tiếng Anh"), "Tiếng Việt" in English."""
    client.force_login(org.officer1)
    assert re.search(r'data-testid="lang-en">English<', client.get("/").content.decode())
    client.cookies["django_language"] = "en"
    html = unicodedata.normalize("NFC", client.get("/").content.decode())  # Django's name may be decomposed
    assert re.search(r'data-testid="lang-vi">Tiếng Việt<', html), re.findall(r'data-testid="lang-[^<]*<', html)


def test_django_range_messages_read_without_a_stray_space():
    """Issue 18 item 8: "…bằng với 10 ." (Django's own Vietnamese catalogue) — core's catalogue corrects it."""
    from django import forms
    from django.utils import translation

    field = forms.IntegerField(max_value=10)
    with translation.override("vi"):
        with pytest.raises(forms.ValidationError) as error:
            field.clean(11)
        assert error.value.messages == ["Giá trị phải nhỏ hơn hoặc bằng 10."]


def test_a_missing_reason_is_asked_for_by_the_fields_name(org, client):
    """Issue 18 item 8: under the field "Lý do (bắt buộc)" the refusal said "bắt buộc nhập ghi chú" (a note)."""
    from tests.collection.factories import act

    ensure_risk_areas()
    case = act(org.officer1, proposal(org.officer1, org.kv01pt), "submit")
    client.force_login(org.approver1)
    html = client.post(reverse("collection:action", args=[case.pk]),
                       {"action": "return", "note": "", "version": case.version}).content.decode()
    form = html.split('data-testid="action-return"')[1].split("</form>")[0]
    assert "Lý do (bắt buộc)" in form and "Nhập lý do cho thao tác này (bắt buộc)." in form
    assert "ghi chú" not in form.split("</label>", 1)[1]
