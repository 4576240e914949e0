"""Issue #15, item 6: the directory's lists each have one FilterSet (stq.enterprises.filters) used by the page and
the API endpoint: the same records for the same parameters; a bad value is a 400 naming the parameter in the API and
an error above an empty list on the page (never a server error, never the unfiltered list)."""

from __future__ import annotations

import pytest
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
