"""Forms of the information-collection pages (validated on the server; service errors land beside the field)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError
from stq.core.limits import MONEY_MAX
from stq.core.models import RiskArea
from stq.enterprises.models import Enterprise
from stq.enterprises.taxcode import normalize_tax_code
from stq.org.forms import offer_units
from stq.org.models import Unit
from stq.org.policy import units_where

from .models import CollectionForm, InfoCollection, Recommendation

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class ProposalForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    enterprise = forms.CharField(label=_("Enterprise tax code"), max_length=20,
                                 help_text=_("10 digits, or 13 digits for a branch (0123456789-001)."))
    signs = forms.CharField(label=_("Signs of violation"), widget=forms.Textarea(attrs={"rows": 4}))
    risk_areas = forms.ModelMultipleChoiceField(label=_("Risk areas"), queryset=RiskArea.objects.filter(active=True),
                                                widget=forms.CheckboxSelectMultiple)
    collection_form = forms.ChoiceField(label=_("Collection form"), choices=CollectionForm.choices,
                                        widget=forms.RadioSelect)
    addressee = forms.CharField(label=_("Addressee"), max_length=500)
    planned_start = forms.DateField(label=_("Planned start"), widget=DATE)
    planned_end = forms.DateField(label=_("Planned end"), widget=DATE)
    department_scope = forms.BooleanField(
        label=_("Department scope (approved by the department's leaders)"), required=False)

    def __init__(self, *args, user, instance: InfoCollection | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "unit": instance.unit, "enterprise": instance.enterprise.tax_code_display, "signs": instance.signs,
                "risk_areas": list(instance.risk_areas.all()), "collection_form": instance.collection_form,
                "addressee": instance.addressee, "planned_start": instance.planned_start,
                "planned_end": instance.planned_end, "department_scope": instance.department_scope,
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        if instance is not None:
            del self.fields["unit"]
        else:
            offer_units(self.fields["unit"], user, units_where(user, "info_collection.create"))
        for field in self.fields.values():
            if not isinstance(field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-control")

    def clean_enterprise(self):
        try:  # a malformed code is "invalid", not "not in the directory"
            digits = normalize_tax_code(self.cleaned_data["enterprise"])
        except AppError as error:
            raise forms.ValidationError(str(error.message), code="invalid_tax_code") from None
        enterprise = Enterprise.objects.filter(tax_code=digits).first()
        if enterprise is None:
            raise forms.ValidationError(
                _("No enterprise with this tax code in the directory. Add it to the directory first."))
        return enterprise


class ResultsForm(forms.Form):
    """One findings / amount / recommendation triple per risk area of the proposal."""

    def __init__(self, *args, case: InfoCollection, **kwargs):
        super().__init__(*args, **kwargs)
        existing = {r.risk_area_id: r for r in case.results.all()}
        self.areas = list(case.risk_areas.all())
        for area in self.areas:
            r = existing.get(area.pk)
            self.fields[f"findings_{area.pk}"] = forms.CharField(
                label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                initial=r.findings if r else "")
            self.fields[f"amount_{area.pk}"] = forms.IntegerField(
                label=_("Amount at risk (VND)"), min_value=0, max_value=MONEY_MAX, initial=r.amount_at_risk if r else 0,
                widget=forms.NumberInput(attrs={"class": "form-control", "step": 1, "min": 0}))
            self.fields[f"recommendation_{area.pk}"] = forms.ChoiceField(
                label=_("Recommendation"), choices=[("", "—"), *Recommendation.choices],
                initial=r.recommendation if r else "", widget=forms.Select(attrs={"class": "form-select"}))

    def rows(self):
        return [{"area": a, "findings": self[f"findings_{a.pk}"], "amount": self[f"amount_{a.pk}"],
                 "recommendation": self[f"recommendation_{a.pk}"]} for a in self.areas]

    def results(self) -> list[dict]:
        d = self.cleaned_data
        return [{"risk_area": a.pk, "findings": d[f"findings_{a.pk}"], "amount_at_risk": d[f"amount_{a.pk}"],
                 "recommendation": d[f"recommendation_{a.pk}"]} for a in self.areas]

    def place_error(self, error) -> None:
        index = {i: a.pk for i, a in enumerate(self.areas)}
        placed = False
        for key, message in error.fields.items():
            if key.startswith("results[") and "]." in key:
                i, name = key[len("results["):].split("].", 1)
                prefix = {"findings": "findings", "amount_at_risk": "amount", "recommendation": "recommendation"}
                if int(i) in index and name in prefix:
                    self.add_error(f"{prefix[name]}_{index[int(i)]}", str(message))
                    placed = True
        if not placed:
            self.add_error(None, str(error.message))
