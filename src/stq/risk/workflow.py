"""The alert workflow, declared as data for the one engine (`stq.workflow.engine`).

ALERT (raised by the import scan, `alerts.scan_import`; handled nationally by a risk manager)
    acknowledge   new                 -> acknowledged   seen; still open
    dismiss       new, acknowledged   -> dismissed      the reason is required (also a database constraint)
    convert       new, acknowledged   -> converted      turned into a draft information collection of a unit
    fact: declarations_added — a later import batch of the day adds its declarations to a new alert
The steps are national (`NATIONAL`): the risk manager's role at any unit allows them.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.org.models import Role
from stq.workflow.engine import NATIONAL, Fact, Transition, Workflow

from .models import Alert, AlertState

A = AlertState
HANDLERS = frozenset({Role.RISK_MANAGER})
OPEN = (A.NEW, A.ACKNOWLEDGED)


def _handled(alert, actor, data):
    alert.handled_by = actor
    alert.handled_at = timezone.now()


def _dismissed(alert, actor, data):
    _handled(alert, actor, data)
    alert.dismiss_reason = data["reason"]


def _converted(alert, actor, data):
    _handled(alert, actor, data)
    alert.info_collection_id = data["info_collection_id"]


ALERT_WORKFLOW = Workflow(
    name="alert",
    label=_("Alert"),
    initial=A.NEW,
    states=A,
    deadlines=False,  # an inbox without deadlines: not in "my work"
    facts=[Fact("declarations_added", _("Declarations added"))],  # a later import batch joins an open alert
    transitions=[
        Transition("acknowledge", _("Acknowledge"), (A.NEW,), A.ACKNOWLEDGED, HANDLERS, unit_field=NATIONAL,
                   effect=_handled),
        Transition("dismiss", _("Dismiss"), OPEN, A.DISMISSED, HANDLERS, unit_field=NATIONAL,
                   required_data=("reason",), effect=_dismissed, style="warning"),
        Transition("convert", _("Turn into an information collection"), OPEN, A.CONVERTED, HANDLERS,
                   unit_field=NATIONAL, required_data=("info_collection_id",), effect=_converted),
    ],
).bind(Alert)  # imported by `RiskConfig.ready()`
