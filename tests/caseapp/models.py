"""A minimal case type used only to test the workflow engine in isolation from real case types."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from stq.core.models import WorkflowCase
from stq.org.models import Role
from stq.workflow.engine import Deadline, Fact, Transition, Workflow


class Ticket(WorkflowCase):
    title = models.CharField(max_length=100)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    flagged = models.BooleanField(default=False)
    history = HistoricalRecords()

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"/tickets/{self.pk}/"


def _remember_submitter(case, actor, data):
    case.submitted_by = actor


TICKET_WORKFLOW = Workflow(
    name="test_ticket",
    label="Ticket",
    initial="draft",
    states=models.TextChoices("TicketState", "draft submitted approved returned"),
    create_roles=frozenset({Role.OFFICER, Role.APPROVER}),
    facts=[Fact("retitled", "Retitled")],
    transitions=[
        Transition("submit", "Submit", ("draft", "returned"), "submitted", frozenset({Role.OFFICER, Role.APPROVER}),
                   effect=_remember_submitter, deadline=Deadline("approve_by", "Approve", working_days=0)),
        Transition("approve", "Approve", ("submitted",), "approved", frozenset({Role.APPROVER}),
                   not_by=("submitted_by",), note_required=lambda case: case.flagged),
        Transition("return", "Return", ("submitted",), "returned", frozenset({Role.APPROVER}), note_required=True),
    ],
).bind(Ticket)
