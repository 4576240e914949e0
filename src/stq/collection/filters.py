"""The one FilterSet of the information-collection list: its page, its Excel export and its API endpoint."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from stq.core.filters import ListFilterSet, OverdueFilter, UnitFilter
from stq.enterprises.filters import EnterpriseFilter

from .models import InfoCollection, RiskArea


class InfoCollectionFilter(ListFilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=InfoCollection.State.choices,
                                        empty_label=_("All states"))
    unit = UnitFilter()
    enterprise = EnterpriseFilter()
    risk_area = django_filters.ModelChoiceFilter(
        label=_("Risk area"), queryset=RiskArea.objects.all(), to_field_name="code", empty_label=_("All risk areas"),
        method="filter_risk_area")
    overdue = OverdueFilter()

    class Meta:
        model = InfoCollection
        fields = ["state", "unit", "enterprise", "risk_area", "overdue"]

    def filter_risk_area(self, qs, name, value):
        return qs.filter(risk_areas=value).distinct() if value else qs  # the one multi-valued filter
