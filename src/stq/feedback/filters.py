"""The one FilterSet of the change-request list: its page, its Excel export and its API endpoint."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from stq.core.filters import ListFilterSet, UnitFilter

from .models import ChangeRequest

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ChangeRequestFilter(ListFilterSet):
    unit_choices_action = None  # the central unit's handlers see every unit's requests

    state = django_filters.ChoiceFilter(label=_("Status"), choices=ChangeRequest.State.choices,
                                        empty_label=_("All statuses"))
    unit = UnitFilter()
    q = django_filters.CharFilter(label=_("Function or text"), method="filter_text",
                                  help_text="words in the function, change, reason or number")
    date_from = django_filters.DateFilter(label=_("From"), field_name="proposed_on", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label=_("To"), field_name="proposed_on", lookup_expr="lte", widget=DATE)

    class Meta:
        model = ChangeRequest
        fields = ["state", "unit", "q", "date_from", "date_to"]

    def filter_text(self, qs, name, value):
        for word in str(value or "").split():
            qs = qs.filter(Q(function_name__icontains=word) | Q(proposed_change__icontains=word)
                           | Q(reason__icontains=word) | Q(number__icontains=word))
        return qs
