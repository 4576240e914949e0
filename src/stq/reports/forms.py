"""The filters shared by the report pages, the exports and the dashboards: unit, period (a named period or a date
range)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stq.core.errors import AppError
from stq.core.limits import NOTE_MAX

from . import selectors
from .periods import Period, parse_period

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")


def last_month() -> Period:
    first = timezone.localdate().replace(day=1)
    prev_end = first - timedelta(days=1)
    return Period(prev_end.replace(day=1), prev_end, "month")


class ReportFilterForm(forms.Form):
    unit = forms.ChoiceField(label=_("Unit"), required=False,
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    period = forms.CharField(label=pgettext_lazy("report", "Period"), required=False, max_length=10,
                             help_text=_("2026, 2026-Q1 or 2026-03; or leave empty and give the dates."),
                             widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                           "placeholder": "2026-Q1"}))
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, data, *, user, **kwargs):
        data = data.copy() if data is not None else {}
        # the API's short names (from / to) work here too
        for short, name in (("from", "date_from"), ("to", "date_to")):
            if data.get(short) and not data.get(name):
                data[name] = data[short]
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["unit"].choices = [(u.code, f"{'— ' * u.depth}{u.code} · {u.short_name or u.name}")
                                       for u in selectors.report_units(user)]

    def clean(self):
        data = super().clean()
        try:
            if data.get("period") or data.get("date_from") or data.get("date_to"):
                data["period_obj"] = parse_period(period=data.get("period"), date_from=data.get("date_from"),
                                                  date_to=data.get("date_to"))
            else:
                data["period_obj"] = last_month()
        except AppError as error:
            name = next(iter(error.fields), None)
            target = {"from": "date_from", "to": "date_to"}.get(name, name)
            raise forms.ValidationError({target if target in self.fields else None: str(error.message)}) from None
        return data

    def unit_obj(self):
        return selectors.report_unit(self.user, self.cleaned_data.get("unit") or None)

    @staticmethod
    def query(unit, period: Period) -> str:
        return f"unit={unit.code}&from={period.date_from:%Y-%m-%d}&to={period.date_to:%Y-%m-%d}"


class ReconcileForm(forms.Form):
    digest = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))

