"""What the audits API shares: the error responses, the page size, access to a proposal or case (404 when not
visible), the validated body of a request."""

from __future__ import annotations

from django.utils import timezone

from stq.core.api import ErrorSerializer
from stq.org import policy

from .. import selectors
from ..models import (
    AuditCase,
    AuditProposal,
)

PWF = AuditProposal.workflow
CWF = AuditCase.workflow
ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


def overdue(obj) -> bool:
    return bool(obj.due_on and obj.due_on < timezone.localdate())


def valid(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def get_proposal(request, pk) -> AuditProposal:
    return policy.access(selectors.proposals_visible_to(request.user), request.user, pk=pk)


def get_case(request, pk) -> AuditCase:
    return policy.access(selectors.cases_visible_to(request.user), request.user, pk=pk)
