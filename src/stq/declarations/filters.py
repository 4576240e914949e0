"""The one FilterSet of the declaration search: its page and its API endpoint (a bad value is a 400 naming the
parameter in the API, an error beside the field on the page).

The FilterSet parses and validates the parameters; the query is `selectors.declaration_search` (tuned: see
benchmarks/declarations_search.py), called with the cleaned values and the user whose declarations it searches."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from stq.core.filters import ListFilterSet

from . import selectors
from .models import Declaration

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DeclarationFilter(ListFilterSet):
    unit_choices_action = None
    number = django_filters.CharFilter(label=_("Declaration number"), max_length=12, method="by_selector")
    tax_code = django_filters.CharFilter(label=_("Tax code"), max_length=20, method="by_selector")
    date_from = django_filters.DateFilter(label=_("From"), widget=DATE, method="by_selector")
    date_to = django_filters.DateFilter(label=_("To"), widget=DATE, method="by_selector")
    hs = django_filters.CharFilter(label=_("HS code"), max_length=8, method="by_selector")
    office = django_filters.CharFilter(label=_("Customs office"), max_length=10, method="by_selector")

    class Meta:
        model = Declaration
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        # unbound (no parameters at all): the user's declarations, never the whole table
        queryset = selectors.declarations_visible_to(request.user) if queryset is None else queryset
        super().__init__(data, queryset, request=request, **kwargs)

    def by_selector(self, qs, name, value):
        return qs  # every parameter is applied by `filter_queryset`, in the one selector call

    def filter_queryset(self, queryset):
        d = self.form.cleaned_data
        return selectors.declaration_search(
            self.request.user, number=d.get("number") or "", tax_code=d.get("tax_code") or "",
            date_from=d.get("date_from") or d.get("from"), date_to=d.get("date_to") or d.get("to"),
            hs=d.get("hs") or "", office=d.get("office") or "")


# The API's documented names of the period, `from` and `to` (Python keywords, hence not class attributes): hidden
# fields of the page's form, which names them date_from and date_to.
for _name, _label in (("from", _("From")), ("to", _("To"))):
    DeclarationFilter.base_filters[_name] = django_filters.DateFilter(
        field_name=_name, label=_label, widget=forms.HiddenInput, method="by_selector")
