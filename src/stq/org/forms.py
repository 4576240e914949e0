from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Role, Unit, User


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label=_("User"))
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))
    include_units_below = forms.BooleanField(required=False, label=_("Including units below"))

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(unit=unit, is_active=True).order_by("full_name")
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            else:
                widget.attrs["class"] = "form-select"
        self.fields["user"].label_from_instance = lambda u: f"{u.get_full_name()} ({u.username})"
