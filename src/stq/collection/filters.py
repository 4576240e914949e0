"""The one FilterSet of the information-collection list: its page, its Excel export and its API endpoint."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from stq.core.filters import ListFilterSet, OverdueFilter, UnitFilter
from stq.enterprises.filters import EnterpriseFilter

from .models import InfoCollection, RiskArea


@extend_schema_field({"type": "string", "description": "risk-area code"})
class RiskAreaFilter(django_filters.ModelChoiceFilter):
    """Cases with this risk area among theirs (`risk_areas`), by its code."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Risk area"))
        kwargs.setdefault("queryset", RiskArea.objects.all())
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("empty_label", _("All risk areas"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs.filter(risk_areas=value).distinct() if value else qs  # the one multi-valued filter


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
