"""Forms of the risk pages (the services validate again: forms only parse)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stq.core.limits import NOTE_MAX
from stq.core.models import RiskArea
from stq.org.models import Unit

from .criteria import KINDS, format_param, kind_choices
from .models import Criterion, ModelVersion


class CriterionForm(forms.Form):
    """The criterion and, for every condition kind, one typed field per parameter (`<kind>__<param>`, labelled, with
    its unit and help); the page shows the selected kind's fields. Only the selected kind's values reach the
    service, which validates them by kind (`criteria.Kind.validate`)."""

    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=255)
    kind = forms.ChoiceField(label=_("Condition kind"), choices=kind_choices)
    risk_area = forms.ModelChoiceField(label=_("Risk area"), queryset=RiskArea.objects.filter(active=True))
    weight = forms.IntegerField(label=_("Weight (1–100)"), min_value=1, max_value=100, initial=50)
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 2}))
    instructions = forms.CharField(label=_("Instructions for the officer"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    owner_unit = forms.ModelChoiceField(label=_("Owner unit"), queryset=Unit.objects.all())
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, editing: bool = False, params: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.initial.get("kind")
        for kind in KINDS.values():
            for p in kind.params:
                value = (params or {}).get(p.name, p.default) if kind.code == current else p.default
                self.fields[param_field(kind, p)] = _param_field(p, value)
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
        if editing:
            self.fields["code"].disabled = True

    def kind_groups(self):
        """[(kind, [(bound field, param, its default as read)])] for the template: one fieldset per kind."""
        return [(kind, [(self[param_field(kind, p)], p, format_param(p, p.default) if p.default is not None else "")
                        for p in kind.params]) for kind in KINDS.values()]

    def main_fields(self):
        return [self[name] for name in self.fields if "__" not in name]

    def selected_kind(self) -> str:
        return (self.data.get("kind") if self.is_bound else self.initial.get("kind")) or next(iter(KINDS))

    def service_values(self) -> dict:
        """The cleaned fields as the service takes them: the selected kind's parameters gathered in `params`."""
        values = {k: v for k, v in self.cleaned_data.items() if "__" not in k}
        kind = KINDS.get(values.get("kind"))
        params = {}
        for p in kind.params if kind else ():
            value = self.cleaned_data.get(param_field(kind, p))
            if value not in (None, ""):
                params[p.name] = value.isoformat() if hasattr(value, "isoformat") else value
        values["params"] = params
        return values


def param_field(kind, param) -> str:
    return f"{kind.code}__{param.name}"


def _param_field(param, value) -> forms.Field:
    common = {"label": param.label, "required": False, "help_text": param.help}
    if param.is_list:
        initial = ", ".join(value) if isinstance(value, list) else value
        return forms.CharField(max_length=500, initial=initial, **common)
    if param.type == "date":
        return forms.DateField(initial=value, widget=forms.DateInput(attrs={"type": "date"}), **common)
    number = {"min_value": param.min, "max_value": param.max, "initial": value}
    if param.type == "int":
        return forms.IntegerField(**number, **common)
    field = forms.FloatField(**number, **common)
    field.widget.attrs["step"] = "any"
    return field


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
    reason = forms.CharField(label=_("Reason for dismissal"), max_length=NOTE_MAX,
                             widget=forms.Textarea(attrs={"rows": 2}))


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
