"""The one FilterSet of the information-collection list: its page, its Excel export and its API endpoint."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from stq.core.filters import ListFilterSet, OverdueFilter, RiskAreaFilter, UnitFilter
from stq.enterprises.filters import EnterpriseFilter

from .models import InfoCollection


class InfoCollectionFilter(ListFilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=InfoCollection.State.choices,
                                        empty_label=_("All states"))
    unit = UnitFilter()
    enterprise = EnterpriseFilter()
    risk_area = RiskAreaFilter()
    overdue = OverdueFilter()

    class Meta:
        model = InfoCollection
        fields = ["state", "unit", "enterprise", "risk_area", "overdue"]
