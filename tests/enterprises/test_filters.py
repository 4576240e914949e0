"""Issue #15, item 6: the directory's lists each have one FilterSet (stq.enterprises.filters) used by the page and
the API endpoint: the same records for the same parameters; a bad value is a 400 naming the parameter in the API and
an error above an empty list on the page (never a server error, never the unfiltered list)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from stq.enterprises.models import EnterpriseSearch

from .factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_enterprise_search_page_and_api_give_the_same_records(org, client):
    target = EnterpriseFactory(name="Công ty TNHH Hải Dương")
    EnterpriseFactory(name="Công ty CP Hải Phòng")
    body = _api(org.officer1).get("/api/v1/enterprises/", {"q": "  hai duong "}).json()
    assert [r["tax_code"] for r in body["results"]] == [target.tax_code]
    client.force_login(org.officer1)
    response = client.get("/enterprises/", {"q": "hai duong"})
    assert [e.tax_code for e in response.context["page"].object_list] == [target.tax_code]
    assert EnterpriseSearch.objects.count() == 2  # each search recorded, the query as cleaned
    assert set(EnterpriseSearch.objects.values_list("query", flat=True)) == {"hai duong"}


@pytest.mark.parametrize("value", ["x" * 256, "hai\x00duong"])
def test_a_bad_search_is_a_400_naming_q(org, value):
    EnterpriseFactory(name="Công ty TNHH Hải Dương")
    r = _api(org.officer1).get("/api/v1/enterprises/", {"q": value})
    assert r.status_code == 400, r.content
    assert list(r.json()["fields"]) == ["q"]
    assert not EnterpriseSearch.objects.exists()


def test_a_bad_search_is_an_error_above_an_empty_list_on_the_page(org, client):
    EnterpriseFactory(name="Công ty TNHH Hải Dương")
    client.force_login(org.officer1)
    page = client.get("/enterprises/", {"q": "x" * 256})
    assert page.status_code == 200
    assert 'data-testid="filter-error"' in page.content.decode()
    assert list(page.context["page"].object_list) == []  # not the whole directory
    assert not EnterpriseSearch.objects.exists()


@pytest.fixture
def focus(org):
    from stq.enterprises.models import FocusListEntry

    today = timezone.localdate()
    now = FocusListEntry.objects.create(
        enterprise=EnterpriseFactory(name="Công ty TNHH Hải Dương"), risk_area="VALUATION",
        valid_from=today - timedelta(days=30), reason="x", designating_unit=org.chq,
        created_by=org.risk_manager)
    past = FocusListEntry.objects.create(
        enterprise=EnterpriseFactory(name="Công ty CP Hải Phòng"), risk_area="ORIGIN", valid_from=date(2020, 1, 1),
        valid_to=date(2020, 12, 31), reason="y", designating_unit=org.chq, created_by=org.risk_manager)
    return now, past


def _page_ids(client, params):
    response = client.get("/enterprises/focus-list/", params)
    assert response.status_code == 200
    return [e.pk for e in response.context["page"].object_list], response.content.decode()


def _api_ids(user, params):
    r = _api(user).get("/api/v1/focus-list/", params)
    assert r.status_code == 200, r.content
    return [row["id"] for row in r.json()["results"]]


def test_focus_list_page_and_api_give_the_same_records(org, client, focus):
    now, past = focus
    client.force_login(org.analyst)
    assert _page_ids(client, {})[0] == [now.pk]  # the page opens on the entries in force today
    assert _page_ids(client, {"current": "0"})[0] == [now.pk, past.pk]
    assert _api_ids(org.analyst, {}) == [now.pk, past.pk]  # the API: every period unless `on`
    assert _api_ids(org.analyst, {"on": timezone.localdate().isoformat()}) == [now.pk]
    assert _api_ids(org.analyst, {"on": "2020-06-01"}) == [past.pk]
    for name in ("area", "risk_area"):  # the page's and the API's name of the risk area, both accepted by both
        assert _page_ids(client, {name: "ORIGIN", "current": "0"})[0] == [past.pk]
        assert _api_ids(org.analyst, {name: "ORIGIN"}) == [past.pk]
    assert _page_ids(client, {"q": "hai phong", "current": "0"})[0] == [past.pk]
    assert _api_ids(org.analyst, {"q": "hai phong"}) == [past.pk]


@pytest.mark.parametrize(("param", "value"), [("on", "2026-13-01"), ("on", "0001-01-01"), ("risk_area", "NOPE"),
                                              ("area", "NOPE"), ("q", "x" * 256), ("current", "maybe")])
def test_a_bad_focus_list_filter_is_a_400_naming_it_and_an_error_on_the_page(org, client, focus, param, value):
    r = _api(org.analyst).get("/api/v1/focus-list/", {param: value})
    assert r.status_code == 400, r.content
    assert list(r.json()["fields"]) == [param]
    client.force_login(org.analyst)
    ids, html = _page_ids(client, {param: value})
    assert ids == [] and 'data-testid="filter-error"' in html  # the error above an empty list, not every entry
