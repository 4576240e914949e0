from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Role, Unit, UnitKind, User


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label=_("User"))
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))
    include_units_below = forms.BooleanField(required=False, label=_("Including units below"))

    def __init__(self, *args, unit: Unit, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        users = Q(unit=unit)
        if unit.parent_id is None:  # the national administrator also grants the central audit unit's users a
            users |= Q(unit__kind=UnitKind.CENTRAL_AUDIT)  # read-only national scope (policy.NATIONAL_SCOPE_ROLES)
        self.fields["user"].queryset = User.objects.filter(users, is_active=True).order_by("full_name")
        if actor is not None:  # only the roles this administrator may grant here, the officer's role first
            from . import policy

            offered = [(value, label) for value, label in Role.choices if policy.may_grant(actor, value, unit)]
            self.fields["role"].choices = offered
            if any(value == Role.OFFICER for value, _label in offered):
                self.fields["role"].initial = Role.OFFICER
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            else:
                widget.attrs["class"] = "form-select"
        self.fields["user"].label_from_instance = lambda u: f"{u.get_full_name()} ({u.username})"


def offer_units(field: forms.ModelChoiceField, user, units) -> None:
    """Limit a unit field to `units`, preselecting the user's own unit (or the only one offered)."""
    field.queryset = units
    if user.unit_id and units.filter(pk=user.unit_id).exists():
        field.initial = user.unit_id
    elif units.count() == 1:
        field.initial = units.first().pk
