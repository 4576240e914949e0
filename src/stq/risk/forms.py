"""Forms of the risk pages (the services validate again: forms only parse)."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from stq.collection.models import RiskArea
from stq.org.models import Unit

from .criteria import kind_choices
from .models import Criterion, ModelVersion


class CriterionForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=255)
    kind = forms.ChoiceField(label=_("Condition kind"), choices=kind_choices)
    params = forms.CharField(label=_("Parameters (JSON)"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                             help_text=_('For example {"ratio": 0.5, "min_peers": 5}. Missing parameters take '
                                         "their default."))
    risk_area = forms.ModelChoiceField(label=_("Risk area"), queryset=RiskArea.objects.filter(active=True))
    weight = forms.IntegerField(label=_("Weight (1–100)"), min_value=1, max_value=100, initial=50)
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 2}))
    instructions = forms.CharField(label=_("Instructions for the officer"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    owner_unit = forms.ModelChoiceField(label=_("Owner unit"), queryset=Unit.objects.all())
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
        if editing:
            self.fields["code"].disabled = True

    def clean_params(self):
        raw = (self.cleaned_data.get("params") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("Enter valid JSON, e.g. {\"ratio\": 0.5}.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The parameters must be a JSON object."))
        return value


class TargetListForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    period = forms.CharField(label=_("Period"), max_length=7, help_text=_("2026, 2026-H1 or 2026-Q3"))
    capacity = forms.IntegerField(label=_("Capacity (audits)"), min_value=1, max_value=100_000)
    exploration_share = forms.FloatField(label=_("Exploration share"), min_value=0, max_value=0.5, initial=0.1)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")


class DismissForm(forms.Form):
    reason = forms.CharField(label=_("Reason for dismissal"), widget=forms.Textarea(attrs={"rows": 2}))


class BacktestForm(forms.Form):
    """A targeting policy and a past period to backtest (``policy_backtest.start`` validates again)."""

    period_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    criteria = forms.ModelMultipleChoiceField(label=_("Criteria"), required=False, queryset=Criterion.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)
    model_version = forms.ModelChoiceField(label=_("Model version"), required=False,
                                           queryset=ModelVersion.objects.none(), empty_label=_("No model"))
    capacity = forms.IntegerField(label=_("Inspections per unit and month"), min_value=1, max_value=100_000)
    exploration_share = forms.FloatField(label=_("Exploration share"), min_value=0, max_value=0.5, initial=0.1,
                                         help_text=_("Share of the inspections chosen at random (0–0.5)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criteria"].queryset = Criterion.objects.filter(active=True).order_by("name")
        self.fields["criteria"].label_from_instance = lambda c: c.name
        self.fields["model_version"].queryset = ModelVersion.objects.order_by("-number")
        self.fields["model_version"].label_from_instance = lambda v: _(
            "version %(n)s (trained on data up to %(to)s)") % {"n": v.number, "to": v.training_to.strftime("%d/%m/%Y")}
        for name, field in self.fields.items():
            if name != "criteria":
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
