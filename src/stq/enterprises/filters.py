"""The enterprise filter the case lists share (a tax code prefix or words of the name, accent-insensitive), and the
FilterSets of the directory's own lists, each used by its page and its API endpoint (a bad value is a 400 naming the
parameter in the API, an error above an empty list on the page)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from stq.core.filters import ListFilterSet

from .models import Enterprise
from .selectors import search_enterprises, search_filter

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
