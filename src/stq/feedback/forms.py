"""Forms of the change-request pages (validated on the server; service errors land beside the field)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stq.core.limits import NOTE_MAX
from stq.org.forms import offer_units
from stq.org.models import Unit
from stq.org.policy import active_grants

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def units_of(user):
    """The units where the user holds a role (a change request is filed in one of them)."""
    return Unit.objects.filter(pk__in={g.unit_id for g in active_grants(user)}).order_by("path")


class ChangeRequestForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Proposing unit"), queryset=Unit.objects.none())
    function_name = forms.CharField(label=_("Function name"), max_length=255,
                                    help_text=_("The screen or function concerned, e.g. “Information collection – "
                                                "results per risk area”."))
    proposed_change = forms.CharField(label=_("Proposed change"), widget=forms.Textarea(attrs={"rows": 5}))
    reason = forms.CharField(label=pgettext_lazy("change request", "Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    proposed_on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offer_units(self.fields["unit"], user, units_of(user))
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}))
