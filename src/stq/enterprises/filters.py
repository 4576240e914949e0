"""The enterprise filter the case lists share (a tax code prefix or words of the name, accent-insensitive), and the
FilterSets of the directory's own lists, each used by its page and its API endpoint (a bad value is a 400 naming the
parameter in the API, an error above an empty list on the page)."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core.filters import FlagFilter, ListFilterSet

from .models import Enterprise, FocusListEntry, RiskArea
from .selectors import focus_in_force, focus_search, search_enterprises, search_filter

QUERY_MAX = 255  # EnterpriseSearch.query


class EnterpriseFilter(django_filters.CharFilter):
    """Cases of the enterprises a query finds (`search_filter`), through the case's `enterprise` field."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Enterprise (tax code or name)"))
        kwargs.setdefault("field_name", "enterprise")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        q = search_filter(str(value or ""))
        if q is None:
            return qs
        return qs.filter(**{f"{self.field_name}__in": Enterprise.objects.filter(q)})


class EnterpriseSearchFilter(ListFilterSet):
    """The directory search: `q`, a tax-code prefix or words of the name (accents optional)."""

    q = django_filters.CharFilter(label=_("Search"), max_length=QUERY_MAX, method="search",
                                  help_text=_("tax-code prefix or name words (accents optional)"))

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def search(self, qs, name, value):
        return search_enterprises(value, qs) if value else qs


class CurrentFilter(FlagFilter):
    """The page's period: entries in force today (1, the page's default) or every period (0)."""

    def filter(self, qs, value):
        return focus_in_force(qs, timezone.localdate()) if value else qs


class FocusListFilter(ListFilterSet):
    """The focus list (`selectors.focus_list`): its page names the risk area `area` and the period `current`; the API
    names them `risk_area` and `on` (in force on a date). Both names of the risk area are accepted."""

    unit_choices_action = None
    q = django_filters.CharFilter(label=_("Search"), max_length=QUERY_MAX, method="search",
                                  help_text=_("tax-code prefix or name words (accents optional)"))
    risk_area = django_filters.ChoiceFilter(label=_("Risk area"), choices=RiskArea.choices,
                                            empty_label=_("All risk areas"))
    area = django_filters.ChoiceFilter(label=_("Risk area"), field_name="risk_area", choices=RiskArea.choices,
                                       empty_label=_("All risk areas"))
    on = django_filters.DateFilter(label=_("In force on"), method="in_force_on")
    current = CurrentFilter(label=_("In force today"))

    class Meta:
        model = FocusListEntry
        fields: list[str] = []

    def search(self, qs, name, value):
        return focus_search(qs, value) if value else qs

    def in_force_on(self, qs, name, value):
        return focus_in_force(qs, value) if value else qs
