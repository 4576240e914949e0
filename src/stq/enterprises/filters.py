"""The enterprise filter the case lists share (a tax code prefix or words of the name, accent-insensitive)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Enterprise
from .selectors import search_filter


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
