"""Small input helpers shared by the audits services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from stq.core.errors import AppError
from stq.core.limits import MONEY_MAX, whole_number


def clean_numbers(numbers) -> list[str]:
    """Declaration numbers from a list or a text (one per line or comma separated), trimmed, without repeats."""
    if isinstance(numbers, str):
        numbers = numbers.replace(",", "\n").split()
    out = []
    for n in numbers or []:
        n = str(n).strip()
        if n and n not in out:
            out.append(n)
    return out


def clean_amount(value, field, errors):
    """A whole number of đồng, zero or more (dots, spaces and commas as thousands separators); a wrong one is put in
    `errors` under `field`."""
    if value in (None, ""):
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        value = whole_number(value, separators=". ,")
    if value is None or not 0 <= value <= MONEY_MAX:
        errors[field] = _("Enter a whole number of đồng, zero or more.")
        return 0
    return value


def required_text(values: dict, names: dict):
    """Each of `names` (field → message) must have a non-blank text in `values`."""
    errors = {k: msg for k, msg in names.items() if not (values.get(k) or "").strip()}
    if errors:
        raise AppError("invalid", _("Please correct the highlighted fields."), fields=errors)

