"""Hidden fields of the risk pages' forms carry whatever a client sends: never a server error (tests/fuzz/
test_hostile_html.py found each of these as a 500)."""

import pytest

from stq.risk.models import Alert, AlertKind, AlertState

pytestmark = pytest.mark.django_db
HOSTILE = ["NaN", "99999999999999999999", "1e309", "-1", "x" * 3000,
           "9" * 5000]  # more digits than int() converts; a NUL is refused (400) before any view


@pytest.mark.parametrize(("value", "expected"), [
    ("/risk/", "/risk/"),  # the overview's own form
    *((v, "/risk/criteria/") for v in HOSTILE),
    ("//evil.example/x", "/risk/criteria/"),  # another host: not followed
    ("https://evil.example/", "/risk/criteria/"),
])
def test_criteria_run_follows_next_only_within_the_site(client, org, value, expected):
    client.force_login(org.risk_manager)
    response = client.post("/risk/criteria/run/", {"next": value})
    assert (response.status_code, response["Location"]) == (302, expected)


@pytest.mark.parametrize("field", ["version", "unit", "next"])
@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("action", ["acknowledge", "collect"])
def test_alert_actions_refuse_hostile_hidden_fields_without_a_server_error(client, org, action, field, value):
    alert = Alert.objects.create(kind=AlertKind.VOLUME_SURGE, tax_code="0100000001")
    client.force_login(org.risk_manager)
    body = {"version": str(alert.version), "next": "/risk/alerts/", field: value}
    response = client.post(f"/risk/alerts/{alert.pk}/{action}/", body)
    assert response.status_code == 302
    assert not response["Location"].startswith(("//", "http"))
    alert.refresh_from_db()
    if action == "collect":  # without a valid unit of the user's choosing, nothing is converted
        assert alert.state == AlertState.NEW
