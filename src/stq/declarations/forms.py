from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportFormat


class SearchForm(forms.Form):
    number = forms.CharField(label=_("Declaration number"), required=False, max_length=12)
    tax_code = forms.CharField(label=_("Tax code"), required=False, max_length=20)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hs = forms.CharField(label=_("HS code"), required=False, max_length=8)
    office = forms.CharField(label=_("Customs office"), required=False, max_length=10)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    format = forms.ChoiceField(label=_("Format"), choices=ImportFormat.choices, initial=ImportFormat.STQ)
    dry_run = forms.BooleanField(label=_("Dry run (validate only, write nothing)"), required=False)
