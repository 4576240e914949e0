from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportFormat


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    format = forms.ChoiceField(label=_("Format"), choices=ImportFormat.choices, initial=ImportFormat.STQ)
    dry_run = forms.BooleanField(label=_("Dry run (validate only, write nothing)"), required=False)
