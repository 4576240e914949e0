"""Hostile input to the forms the route walk of tests/fuzz/test_hostile_html.py does not reach on the demo data: a
proposal's full form (shown once its enterprise was searched), the conclusion form (a case whose explanation was
received), the handling forms of a concluded case, and the administrator's working-day calendar.

Each form is read from its page as the user sees it and first posted valid (what an officer would type: it must
save, a 302), then with one field at a time — visible or hidden — replaced by each of the walk's hostile values,
the others valid: never a server error, never Django's debug page. Each post runs in a savepoint rolled back after
it, so every one starts from the same case. (Here, not in tests/fuzz: that package seeds the demo data once for
its tests, and these build their own cases on the test organisation.)
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client

from ..audits.factories import areas, concluded, enterprise, explanation_received, searched, today
from ..fuzz.test_hostile_html import DEBUG_PAGE, HOSTILE, Forms

pytestmark = pytest.mark.django_db


def page_form(user, page_url: str) -> tuple[Client, dict]:
    """A signed-in client and the page's POST form whose action is the page itself."""
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    parser = Forms(page_url)
    parser.feed(page.content.decode())
    path = page_url.split("?")[0]
    return client, next(f for f in parser.forms if f["action"].split("?")[0] == path)


def post(client, url: str, data: dict):
    with transaction.atomic():
        response = client.post(url, data)
        transaction.set_rollback(True)
    return response


def hostile_rotation(client, url: str, form: dict, valid: dict, *, saves: bool = True) -> list[str]:
    """The valid form saves; then each field replaced in turn by each hostile value: the failures, `field → status`."""
    base = {**form["values"], **form["keep"], **valid}
    response = post(client, url, base)
    assert response.status_code == (302 if saves else 200), response.content.decode()[-1500:]
    failures = []
    for name in dict.fromkeys([*form["break"], *form["keep"], *valid]):
        for value in HOSTILE:
            response = post(client, url, {**base, name: value})
            body = response.content[:200_000].decode(errors="replace")
            if response.status_code >= 500 or DEBUG_PAGE.search(body):
                failures.append(f"{name}={str(value)[:20]!r} → {response.status_code}")
    return failures


def test_the_proposal_form_refuses_hostile_input(org):
    ent = enterprise()
    searched(org.officer1, ent)
    url = f"/audits/proposals/new/?tax_code={ent.tax_code}"
    client, form = page_form(org.officer1, url)
    valid = {"tax_code": ent.tax_code, "unit": org.kv01pt.pk, "mode": "field", "ground": "78.2",
             "risk_areas": [a.pk for a in areas("VALUATION")], "period_from": str(today() - timedelta(days=300)),
             "period_to": str(today()), "reason": "Giá thấp", "planned_start": str(today() + timedelta(days=20)),
             "declaration_numbers": "101234567890", "paper_approved_on": str(today())}
    assert set(valid) - {"tax_code"} <= set(form["break"])
    assert hostile_rotation(client, url, form, valid) == []


def test_the_conclusion_form_refuses_hostile_input(org):
    case = explanation_received(org)
    url = f"/audits/{case.pk}/conclusion/"
    client, form = page_form(org.officer1, url)
    area = case.risk_areas.first().pk
    valid = {"number": "5/KL", "signed_on": str(today()), "signer_name": "Trần Văn Ký",
             "declarations_concerned": 3, "declarations_accepted": 2, "declarations_adjusted": 1,
             f"finding_{area}": "Khai sai trị giá", f"violation_{area}": "on", f"import_duty_{area}": 7_000_000}
    assert set(valid) <= set(form["break"])
    assert hostile_rotation(client, url, form, valid) == []


HANDLING = {
    "tax": {"number": "7/QĐ", "issued_on": "{today}", "import_duty": 1_000_000},
    "penalty": {"number": "8/QĐ-XPVPHC", "issued_on": "{today}", "legal_article": "Điều 9 NĐ 128/2020",
                "amount": 5_000},
    "payment": {"paid_on": "{today}", "kind": "tax", "amount": 1_000},  # refused: nothing is outstanding yet
}


@pytest.mark.parametrize("what", ["tax", "penalty", "payment", "referral", "complaint"])
def test_the_handling_forms_refuse_hostile_input(org, what):
    case = concluded(org)
    url = f"/audits/{case.pk}/handling/{what}/"
    client, form = page_form(org.officer1, url)
    assert form["break"]
    valid = {k: str(today()) if v == "{today}" else v for k, v in HANDLING.get(what, {}).items()}
    if not valid:  # a referral, a complaint: their own forms' fields, checked on their own pages' values
        client_form = {**form["values"], **form["keep"]}
        failures = [f"{name} → {r.status_code}" for name in form["break"] for value in HOSTILE
                    if (r := post(client, url, {**client_form, name: value})).status_code >= 500]
        assert failures == []
        return
    assert hostile_rotation(client, url, form, valid, saves=what != "payment") == []


def test_the_working_day_calendar_refuses_hostile_input(org):
    url = "/administration/calendar/"
    client, form = page_form(org.admin_chq, url)
    valid = {"date": "2026-02-23", "kind": "off", "reason": "nghỉ bù"}
    assert set(valid) <= set(form["break"])
    assert hostile_rotation(client, url, form, valid) == []
