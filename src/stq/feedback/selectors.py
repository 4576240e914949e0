"""Reads: the change requests a user may see, and the list filters (shared by the page, the API and the export)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from stq.core.errors import NotFound
from stq.org import policy

from .models import ChangeRequest
from .policy import handles_change_requests


def change_requests_visible_to(user) -> QuerySet[ChangeRequest]:
    """The central PCA unit's handlers see every request; others see their units' requests and their own."""
    qs = ChangeRequest.objects.select_related("unit", "handling_unit", "proposed_by")
    if handles_change_requests(user):
        return qs
    return qs.filter(policy.scope_q(user, "view") | Q(proposed_by=user.pk))


def filter_change_requests(qs: QuerySet[ChangeRequest], *, state=None, unit=None, query=None, date_from=None,
                           date_to=None) -> QuerySet[ChangeRequest]:
    if state:
        qs = qs.filter(state=state)
    if unit:
        qs = qs.filter(unit__path__startswith=unit.path)
    if query:
        for word in str(query).split():
            qs = qs.filter(Q(function_name__icontains=word) | Q(proposed_change__icontains=word)
                           | Q(reason__icontains=word) | Q(number__icontains=word))
    if date_from:
        qs = qs.filter(proposed_on__gte=date_from)
    if date_to:
        qs = qs.filter(proposed_on__lte=date_to)
    return qs


def access_change_request(user, pk: int) -> ChangeRequest:
    """One request the user may see; the same NotFound for missing and not visible."""
    obj = change_requests_visible_to(user).filter(pk=pk).first()
    if obj is None:
        raise NotFound("not_found", _("Not found."))
    return obj
