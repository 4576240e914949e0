from django import forms
from django.utils.translation import gettext_lazy as _

from stq.core import uploads


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file of STQ01 records"), validators=[uploads.CSV],  # a PDF is refused
                           widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".csv"}))
