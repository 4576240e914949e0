"""The one FilterSet of each audits list (cases, proposals): its page, its Excel export and its API endpoint."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from stq.core.filters import ListFilterSet, OverdueFilter, RiskAreaFilter, UnitFilter
from stq.enterprises.filters import EnterpriseFilter

from .models import AuditCase, AuditGround, AuditMode, AuditProposal

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


@extend_schema_field({"type": "integer", "minimum": 2000, "maximum": 2100})
class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class _AuditListFilter(ListFilterSet):
    unit = UnitFilter()
    enterprise = EnterpriseFilter()
    mode = django_filters.ChoiceFilter(label=_("Mode"), choices=AuditMode.choices, empty_label=_("All modes"))
    ground = django_filters.ChoiceFilter(label=_("Ground"), choices=AuditGround.choices, empty_label=_("All grounds"))
    overdue = OverdueFilter()


class AuditCaseFilter(_AuditListFilter):
    state = django_filters.ChoiceFilter(label=_("State"), choices=AuditCase.State.choices, empty_label=_("All states"))
    risk_area = RiskAreaFilter()
    signed_from = django_filters.DateFilter(label=_("Decision signed from"), field_name="decision_signed_on",
                                            lookup_expr="gte", widget=DATE)
    signed_to = django_filters.DateFilter(label=_("to"), field_name="decision_signed_on", lookup_expr="lte",
                                          widget=DATE)

    class Meta:
        model = AuditCase
        fields = ["state", "unit", "enterprise", "mode", "ground", "risk_area", "signed_from", "signed_to", "overdue"]


class AuditProposalFilter(_AuditListFilter):
    state = django_filters.ChoiceFilter(label=_("State"), choices=AuditProposal.State.choices,
                                        empty_label=_("All states"))
    year = YearFilter(label=_("Year"), min_value=2000, max_value=2100)

    class Meta:
        model = AuditProposal
        fields = ["state", "unit", "enterprise", "mode", "ground", "overdue", "year"]
