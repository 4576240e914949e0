"""Reads: the change requests a user may see (the list's filters: `filters.ChangeRequestFilter`)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from stq.core.errors import NotFound
from stq.org import policy

from .models import ChangeRequest
from .policy import handles_change_requests


@policy.selector_of(ChangeRequest)
def change_requests_visible_to(user) -> QuerySet[ChangeRequest]:
    """The central PCA unit's handlers see every request; others see their units' requests and their own."""
    qs = ChangeRequest.objects.select_related("unit", "handling_unit", "proposed_by")
    if handles_change_requests(user):
        return qs
    return qs.filter(policy.visible_q(user, ChangeRequest) | Q(proposed_by=user.pk))


def access_change_request(user, pk: int) -> ChangeRequest:
    """One request the user may see; the same NotFound for missing and not visible."""
    obj = change_requests_visible_to(user).filter(pk=pk).first()
    if obj is None:
        raise NotFound("not_found", _("Not found."))
    return obj
