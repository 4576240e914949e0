"""`{% focus_mark enterprise %}`: the focus-list mark of an enterprise — entries in force today on it, its head office
or its branches, whatever the field (the seed forbids proposing such an enterprise at all)."""

from django import template
from django.utils import timezone

from ..selectors import family_focus_entries

register = template.Library()


@register.inclusion_tag("enterprises/_focus_mark.html")
def focus_mark(enterprise, marks=None):
    """`marks`: a precomputed {tax_code: entries} (selectors.focus_marks for a page of results), else one query."""
    entries = marks.get(enterprise.tax_code, []) if marks is not None else \
        family_focus_entries(enterprise, timezone.localdate())
    return {"entries": entries, "enterprise": enterprise}
