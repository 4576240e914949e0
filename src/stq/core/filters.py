"""The shared pieces of the lists' FilterSets (django-filter).

Each list has ONE FilterSet, used by its page (`filterset.form` above the table, `filterset.qs` below it), its Excel
export (the same `qs`) and its API endpoint (`DjangoFilterBackend`: a bad value is a 400 naming the parameter, and
drf-spectacular lists the parameters in the OpenAPI schema). The queryset handed to a FilterSet is always the list's
`<things>_visible_to(user)` selector: filters narrow the one scope, never widen it.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

TRUE_VALUES = ("1", "true", "True", "on", "yes")
FALSE_VALUES = ("", "0", "false", "False", "off", "no")


class FlagField(forms.Field):
    """A yes/no filter: a ticked checkbox on the page ("on"), 1/true or 0/false in the API; anything else is an
    error naming the parameter (not silently "no")."""

    widget = forms.CheckboxInput(check_test=lambda v: v is True or v in TRUE_VALUES)

    def to_python(self, value):
        if value in (None, True, False):
            return bool(value)
        if value in TRUE_VALUES:
            return True
        if value in FALSE_VALUES:
            return False
        raise forms.ValidationError(_("Enter 1 (yes) or 0 (no)."), code="invalid")

    def validate(self, value):
        pass


class FlagWidget(forms.CheckboxInput):
    def value_from_datadict(self, data, files, name):
        return data.get(name)  # the raw value, validated by FlagField


@extend_schema_field(OpenApiTypes.BOOL)
class FlagFilter(django_filters.Filter):
    field_class = FlagField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FlagWidget(check_test=lambda v: v is True or v in TRUE_VALUES))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:  # an unticked box does not filter
            return qs
        return super().filter(qs, value)


class OverdueFilter(FlagFilter):
    """Cases whose current deadline is past (the deadline stored on the case, `due_on`)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Overdue only"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs.filter(due_on__lt=timezone.localdate()) if value else qs


@extend_schema_field({"type": "string", "description": "unit code (the unit and the units below it)"})
class UnitFilter(django_filters.ModelChoiceFilter):
    """A unit by its code; the list keeps the unit and every unit below it."""

    def __init__(self, *args, **kwargs):
        from stq.org.models import Unit

        kwargs.setdefault("queryset", Unit.objects.order_by("path"))
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("label", _("Unit"))
        kwargs.setdefault("empty_label", _("All units"))
        kwargs.setdefault("field_name", "unit")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__path__startswith": value.path})


@extend_schema_field({"type": "string", "description": "risk-area code"})
class RiskAreaFilter(django_filters.ModelChoiceFilter):
    """Cases with this risk area among theirs (`risk_areas`), by its code."""

    def __init__(self, *args, **kwargs):
        from stq.core.models import RiskArea

        kwargs.setdefault("label", _("Risk area"))
        kwargs.setdefault("queryset", RiskArea.objects.all())
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("empty_label", _("All risk areas"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs.filter(risk_areas=value).distinct() if value else qs  # the one multi-valued filter


class ListFilterSet(django_filters.FilterSet):
    """Base of the lists' FilterSets: the page's widget classes, and the unit picker offering the user's own units
    (any existing unit code is accepted: the list is already limited to the user's scope)."""

    unit_choices_action: str | None = "view"  # None: offer every unit

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        for field in self.form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")
        user = getattr(request, "user", None)
        if user is not None and self.unit_choices_action and "unit" in self.form.fields:
            from stq.org.policy import units_where

            field = self.form.fields["unit"]
            field.widget.choices = [("", field.empty_label)] + [
                (u.code, str(u)) for u in units_where(user, self.unit_choices_action)]


def filtered_or_400(filterset: django_filters.FilterSet):
    """The FilterSet's records for an API view that is not a generic list (its own page body): a bad value raises the
    400 naming the parameter, exactly as `DjangoFilterBackend` does for the generic lists."""
    if not filterset.is_valid():
        raise translate_validation(filterset.errors)
    return filterset.qs
