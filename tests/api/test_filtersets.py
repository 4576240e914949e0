"""Issue #15, item 6: one FilterSet per list, used by its page, its Excel export and its API endpoint. A bad filter
value is a 400 naming the parameter; the OpenAPI schema lists the FilterSet's parameters; the three surfaces give the
same records for the same filter."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from tests.collection import factories as collection
from tests.readback import xlsx_table

# list -> (API path, page path, export path, FilterSet path, {parameter: a bad value})
LISTS = {
    "info_collections": ("/api/v1/info-collections/", "/collection/", "/collection/export.xlsx",
                         "stq.collection.filters.InfoCollectionFilter",
                         {"state": "nope", "unit": "NO-SUCH-UNIT", "risk_area": "NO_SUCH_AREA", "overdue": "maybe"}),
    "change_requests": ("/api/v1/change-requests/", "/feedback/", "/feedback/export.xlsx",
                        "stq.feedback.filters.ChangeRequestFilter",
                        {"state": "nope", "unit": "NO-SUCH-UNIT", "date_from": "31/02/2026", "date_to": "x"}),
}
LISTS.update({
    "audit_proposals": ("/api/v1/audit-proposals/", "/audits/proposals/", "/audits/proposals/export.xlsx",
                        "stq.audits.filters.AuditProposalFilter",
                        {"state": "nope", "unit": "NO-SUCH-UNIT", "mode": "x", "ground": "x", "year": "abc",
                         "overdue": "maybe"}),
    "audit_cases": ("/api/v1/audit-cases/", "/audits/", "/audits/export.xlsx", "stq.audits.filters.AuditCaseFilter",
                    {"state": "nope", "unit": "NO-SUCH-UNIT", "mode": "x", "ground": "x", "risk_area": "NO_SUCH_AREA",
                     "signed_from": "2026-13-01", "signed_to": "0001-01-01", "overdue": "2"}),
})
BAD = [(name, param, value) for name, spec in LISTS.items() for param, value in spec[4].items()]


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(("name", "param", "value"), BAD, ids=[f"{n}-{p}" for n, p, _v in BAD])
def test_a_bad_filter_value_is_a_400_naming_the_parameter(org, client, name, param, value):
    api_path, page_path, export_path, _fs, _bad = LISTS[name]
    r = _api(org.approver1).get(api_path, {param: value})
    assert r.status_code == 400, r.content
    body = r.json()
    assert list(body["fields"]) == [param], body  # refused by the schema contract (#17) or the FilterSet
    # the page shows the list with the error beside the filter (never a server error)
    client.force_login(org.approver1)
    assert client.get(page_path, {param: value}).status_code == 200
    assert client.get(export_path, {param: value}).status_code == 200


@pytest.mark.parametrize("name", list(LISTS))
def test_the_schema_lists_the_filterset_parameters(org, name):
    from django.utils.module_loading import import_string

    api_path, _page, _export, filterset_path, _bad = LISTS[name]
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()
    params = {p["name"]: p for p in schema["paths"][api_path]["get"]["parameters"]}
    assert set(import_string(filterset_path).base_filters) <= set(params)
    assert {"page", "page_size"} <= set(params)
    if "state" in params:
        assert params["state"]["schema"].get("enum")  # the choices, not a free string


def test_page_export_and_api_give_the_same_records(org, client):
    a = collection.act(org.officer1, collection.proposal(org.officer1, org.kv01pt), "submit")
    collection.proposal(org.officer1, org.kv01pt, collection.enterprise(collection.OTHER_CODE))  # a draft
    query = {"state": "submitted", "unit": "KV01"}
    api = _api(org.leader_kv01).get("/api/v1/info-collections/", query).json()
    assert [row["number"] for row in api["results"]] == [a.number]
    client.force_login(org.leader_kv01)
    page = client.get("/collection/", query).content.decode()
    assert re.findall(r'href="/collection/(\d+)/"', page) == [str(a.pk)]
    numbers = [row[0] for row in xlsx_table(client.get("/collection/export.xlsx", query).content)[1]]
    assert numbers == [a.number]
