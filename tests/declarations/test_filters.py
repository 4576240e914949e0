"""Issue #15, item 6: the declaration search has one FilterSet (stq.declarations.filters.DeclarationFilter) for its
page and its API endpoint, calling the one tuned selector: the same records for the same parameters; a bad value is a
400 naming the parameter in the API and an error beside the field on the page (never a server error)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from .helpers import TAX_A, do_import, row

pytestmark = pytest.mark.django_db


def _api_numbers(user, params):
    client = APIClient()
    client.force_authenticate(user)
    r = client.get("/api/v1/declarations/", params)
    assert r.status_code == 200, r.content
    return [d["number"] for d in r.json()["results"]]


def _page_numbers(client, params):
    r = client.get("/declarations/", params)
    assert r.status_code == 200
    return [d.number for d in r.context["page"].object_list]


def test_page_and_api_give_the_same_records(org, client):
    do_import([row(), row(number="100000000020", registered_on="2024-01-05")])
    client.force_login(org.officer2)
    assert _page_numbers(client, {}) == _api_numbers(org.officer2, {}) == ["100000000010", "100000000020"]
    search = {"tax_code": TAX_A, "hs": "8542", "number": "10000000001"}
    assert _page_numbers(client, search) == _api_numbers(org.officer2, search) == ["100000000010"]
    # the period: date_from/date_to on the page, from/to in the API; each surface accepts both names
    for names in (("date_from", "date_to"), ("from", "to")):
        period = dict(zip(names, ("2024-01-01", "2024-12-31"), strict=True))
        assert _page_numbers(client, period) == _api_numbers(org.officer2, period) == ["100000000020"]


@pytest.mark.parametrize(("param", "value"), [("from", "2025-02-30"), ("to", "0001-01-01"),
                                              ("date_from", "x"), ("number", "1" * 13), ("tax_code", "1" * 21),
                                              ("hs", "1" * 9), ("office", "X" * 11)])
def test_a_bad_value_is_a_400_naming_it_and_an_error_on_the_page(org, client, param, value):
    do_import([row()])
    api = APIClient()
    api.force_authenticate(org.officer2)
    r = api.get("/api/v1/declarations/", {param: value})
    assert r.status_code == 400, r.content
    assert list(r.json()["fields"]) == [param]
    client.force_login(org.officer2)
    page = client.get("/declarations/", {param: value})
    assert page.status_code == 200 and page.context["page"] is None  # no list, not the unfiltered one
    assert page.context["form"].errors[param]
