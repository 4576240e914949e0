"""The one FilterSet of the alerts list: its page and its API endpoint (a bad value is a 400 naming the parameter)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stq.core.filters import ListFilterSet

from .models import Alert, AlertState

OPEN, ALL = "open", "all"
STATE_CHOICES = [(OPEN, pgettext_lazy("alert state", "Open")), *AlertState.choices, (ALL, _("All"))]


class AlertStateFilter(django_filters.ChoiceFilter):
    """`open` (new or acknowledged; also when the parameter is absent), one state, or `all`."""

    def filter(self, qs, value):
        value = value or OPEN
        if value == ALL:
            return qs
        if value == OPEN:
            return qs.filter(state__in=(AlertState.NEW, AlertState.ACKNOWLEDGED))
        return qs.filter(state=value)


class AlertFilter(ListFilterSet):
    unit_choices_action = None
    state = AlertStateFilter(label=_("State"), choices=STATE_CHOICES, empty_label=None,
                             help_text=_("open (the default): new or acknowledged"))

    class Meta:
        model = Alert
        fields = ["state"]
