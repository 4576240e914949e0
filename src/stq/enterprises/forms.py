"""UI forms (thin: values are checked again by the services)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stq.core import uploads
from stq.core.limits import NOTE_MAX

from .models import Enterprise, EnterpriseType, RiskArea, SubmissionSource

# Fields offered on the 01/KTSTQ form; an empty field leaves the stored value unchanged.
SUBMISSION_FIELDS = (
    "name", "international_name", "head_office_address", "premises", "legal_representative", "owner",
    "charter_capital", "year_established", "employees", "factory_area_m2", "phone", "email",
    "accounting_software", "main_goods", "internal_control",
)
TEXTAREAS = {"premises", "main_goods", "internal_control"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _css(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs.setdefault("class", "form-check-input")
        else:
            field.widget.attrs.setdefault("class", "form-control form-control-sm")


class ProfileSubmissionForm(forms.Form):
    submitted_on = forms.DateField(label=_("submission date"), widget=DateInput(), initial=timezone.localdate)
    source = forms.ChoiceField(label=_("source"), choices=SubmissionSource.choices)

    def __init__(self, *args, enterprise: Enterprise | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SUBMISSION_FIELDS:
            model_field = Enterprise._meta.get_field(name)
            field = model_field.formfield(required=False)
            if name in TEXTAREAS:
                field.widget = forms.Textarea(attrs={"rows": 2})
            if enterprise is not None:
                current = getattr(enterprise, name)
                field.widget.attrs["placeholder"] = "" if current in (None, "") else str(current)
            self.fields[name] = field
        self.fields["note"] = forms.CharField(label=_("note"), required=False, max_length=NOTE_MAX,
                                             widget=forms.Textarea(attrs={"rows": 2}))
        _css(self)

    def submitted_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k in SUBMISSION_FIELDS and v not in (None, "")}


class EnterpriseCreateForm(forms.Form):
    tax_code = forms.CharField(label=_("tax code"), max_length=20)
    name = forms.CharField(label=_("name"), max_length=500)
    enterprise_type = forms.ChoiceField(label=_("enterprise type"), choices=EnterpriseType.choices)
    head_office_address = forms.CharField(label=_("head-office address"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _css(self)


class FocusEntryForm(forms.Form):
    tax_code = forms.CharField(label=_("tax code"), max_length=20)
    risk_area = forms.ChoiceField(label=_("risk area"), choices=RiskArea.choices)
    valid_from = forms.DateField(label=_("from"), widget=DateInput())
    valid_to = forms.DateField(label=_("to"), widget=DateInput(), required=False)
    reason = forms.CharField(label=_("reason"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _css(self)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("file (.csv or .xlsx)"), validators=[uploads.TABLES])
    dry_run = forms.BooleanField(label=_("dry run (check only, write nothing)"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _css(self)
