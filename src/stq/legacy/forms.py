from django import forms
from django.utils.translation import gettext_lazy as _


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file of STQ01 records"),
                           widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv"}))
