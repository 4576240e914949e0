"""Unusual-transaction alerts after an import, and the risk manager's inbox actions."""

import datetime as dt

import pytest

from stq.collection.workflow import INFO_COLLECTION_WORKFLOW
from stq.core.errors import AppError, Conflict, Forbidden
from stq.enterprises.models import Enterprise
from stq.risk import services
from stq.risk.alerts import scan_import
from stq.risk.models import Alert, AlertKind, AlertScan, AlertState
from tests.collection.factories import areas
from tests.declarations.helpers import do_import
from tests.risk import helpers as h

pytestmark = pytest.mark.django_db
SURGE, STEADY = h.PEERS[0], h.PEERS[1]


def history_rows():
    rows = []
    for month in range(1, 11):
        for tax in h.PEERS:
            rows += h.decl(tax, dt.date(2025, month, 5), [("85423100", "CN", 100, 10_000_000)] * 3)
    return rows


def new_rows():
    rows = []
    for tax in h.PEERS[1:]:
        rows += h.decl(tax, dt.date(2025, 11, 5), [("85423100", "CN", 100, 10_000_000)])
    rows += h.decl(SURGE, dt.date(2025, 11, 6), [("85423100", "CN", 100, 100_000_000)] * 2)  # 20× a month
    rows += h.decl(STEADY, dt.date(2025, 11, 7), [("85423100", "CN", 100, 1_000_000)])  # 10 % of the median
    rows += h.decl(h.PEERS[2], dt.date(2025, 11, 8), [("85423100", "MY", 100, 10_000_000)])  # a new origin
    return rows


def imported(org, django_capture_on_commit_callbacks):
    for tax in h.PEERS:
        Enterprise.objects.get_or_create(tax_code=tax, defaults={"name": f"DN {tax}", "managing_unit": org.kv01pt})
    with django_capture_on_commit_callbacks(execute=True):
        first = do_import(history_rows(), name="a.csv")
        second = do_import(new_rows(), name="b.csv")
    return first, second


def test_an_import_raises_alerts_through_the_hook(org, django_capture_on_commit_callbacks):
    first, second = imported(org, django_capture_on_commit_callbacks)
    assert AlertScan.objects.filter(import_job_id=first.pk, alerts=0).exists()  # no history before: nothing
    alerts = {(a.kind, a.tax_code): a for a in Alert.objects.filter(scan__import_job_id=second.pk)}
    assert set(alerts) == {(AlertKind.VOLUME_SURGE, SURGE), (AlertKind.PRICE_OUTLIER, STEADY),
                           (AlertKind.NEW_ORIGIN, h.PEERS[2])}
    surge = alerts[(AlertKind.VOLUME_SURGE, SURGE)]
    assert surge.details["factor"] >= 3 and len(surge.declaration_numbers) == 1
    assert alerts[(AlertKind.PRICE_OUTLIER, STEADY)].details["min_ratio"] == pytest.approx(0.1)
    assert alerts[(AlertKind.NEW_ORIGIN, h.PEERS[2])].details["pairs"] == ["854231/MY"]
    assert scan_import(second.pk) is None  # idempotent
    assert Alert.objects.count() == 3


def test_inbox_actions(org, django_capture_on_commit_callbacks):
    imported(org, django_capture_on_commit_callbacks)
    areas()
    surge, price, origin = Alert.objects.order_by("kind")[:3]
    with pytest.raises(Forbidden):
        services.alert_acknowledge(actor=org.officer1, alert=surge)
    services.alert_acknowledge(actor=org.risk_manager, alert=surge)
    with pytest.raises(Conflict):
        services.alert_acknowledge(actor=org.risk_manager, alert=surge, expected_version=1)
    with pytest.raises(AppError) as exc:
        services.alert_dismiss(actor=org.risk_manager, alert=price, reason=" ")
    assert exc.value.fields == {"reason": exc.value.fields["reason"]}
    services.alert_dismiss(actor=org.risk_manager, alert=price, reason="Hàng khuyến mại, giá hợp lệ")
    price.refresh_from_db()
    assert (price.state, price.handled_by) == (AlertState.DISMISSED, org.risk_manager)
    with pytest.raises(Conflict):
        services.alert_dismiss(actor=org.risk_manager, alert=price, reason="again")
    with pytest.raises(Forbidden):  # an officer handles no alert, even of their own unit's enterprise
        services.alert_to_info_collection(actor=org.officer1, alert=origin, unit=org.kv01pt)
    case = services.alert_to_info_collection(actor=org.risk_manager, alert=origin, unit=org.kv01pt)
    origin.refresh_from_db()
    assert origin.state == AlertState.CONVERTED and origin.info_collection == case
    assert (case.state, case.unit, case.created_by) == ("draft", org.kv01pt, org.risk_manager)
    assert case.enterprise.tax_code == origin.tax_code and origin.declaration_numbers[0] in case.signs
    # the draft is the unit's from here: its officer submits it, the risk manager cannot
    assert [t.action for t in INFO_COLLECTION_WORKFLOW.available(org.officer1, case)] == ["submit"]
    assert INFO_COLLECTION_WORKFLOW.available(org.risk_manager, case) == []


def test_alerts_run_on_the_workflow_engine(org, django_capture_on_commit_callbacks):
    """Issue 15 item 3: alerts are a case type of the one engine, declared as data (`risk.workflow`): raised by the
    scan with a history row and a "create" event each, every step an event with who and from → to."""
    from django.contrib.contenttypes.models import ContentType

    from stq.core.models import CaseEvent
    from stq.risk.workflow import ALERT_WORKFLOW

    def events(alert):
        return list(CaseEvent.objects.filter(content_type=ContentType.objects.get_for_model(Alert),
                                             object_id=alert.pk).values_list("action", "from_state", "to_state",
                                                                             "actor_id"))

    imported(org, django_capture_on_commit_callbacks)
    areas()
    surge, price, origin = Alert.objects.order_by("kind")[:3]
    assert Alert.workflow is ALERT_WORKFLOW
    assert events(surge) == [("create", "", "new", None)] and surge.history.count() == 1
    assert [t.action for t in ALERT_WORKFLOW.available(org.risk_manager, surge)] == ["acknowledge", "dismiss",
                                                                                      "convert"]
    assert ALERT_WORKFLOW.available(org.officer1, surge) == []  # national: the risk manager's role only
    services.alert_acknowledge(actor=org.risk_manager, alert=surge)
    services.alert_dismiss(actor=org.risk_manager, alert=surge, reason="Mùa vụ")
    services.alert_to_info_collection(actor=org.risk_manager, alert=origin, unit=org.kv01pt)
    me = org.risk_manager.pk
    assert events(surge)[1:] == [("acknowledge", "new", "acknowledged", me), ("dismiss", "acknowledged", "dismissed",
                                                                              me)]
    assert events(origin)[1:] == [("convert", "new", "converted", me)]
    surge.refresh_from_db()
    assert (surge.dismiss_reason, surge.handled_by_id, surge.version) == ("Mùa vụ", me, 3)


def test_a_scan_analyses_only_the_tables_whose_statistics_are_stale():
    from stq.risk.runner import refresh_statistics

    analysed = refresh_statistics()  # every declaration table, fresh now
    assert {"declarations_peerprice", "declarations_originday"} <= set(analysed) and len(analysed) == 5
    assert refresh_statistics(stale_only=True) == []  # nothing changed since: the rounds skip the ANALYZE
