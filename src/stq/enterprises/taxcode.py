"""Vietnamese tax codes (mã số thuế, MST) — domain B7.

A tax code is 10 digits (the head entity) or 13 digits: the 10-digit root plus a 3-digit branch suffix, usually
written ``0123456789-001``. Digits 1–2 are the province of establishment, 3–9 a sequence, digit 10 the check
digit (weights 31, 29, 23, 19, 17, 13, 7, 5, 3). Validation is delegated to ``python-stdnum`` (``stdnum.vn.mst``).

The stored form is digits only (``normalize_tax_code``); the displayed form separates the branch suffix
(``format_tax_code``).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

from stq.core.errors import AppError

_SEPARATORS = re.compile(r"[\s\-./]")
WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def clean_digits(value) -> str:
    """Remove spaces and separators; no validation."""
    return _SEPARATORS.sub("", str(value or ""))


def normalize_tax_code(value) -> str:
    """The tax code as 10 or 13 digits; raises AppError("invalid_tax_code", field="tax_code") when invalid."""
    digits = clean_digits(value)
    if not digits:
        raise AppError("invalid_tax_code", _("Enter the tax code."), field="tax_code")
    if not digits.isdigit() or len(digits) not in (10, 13):
        raise AppError(
            "invalid_tax_code",
            _("A tax code has 10 digits, or 13 digits written 0123456789-001."),
            field="tax_code",
        )
    try:
        mst.validate(digits)
    except StdnumError:
        raise AppError(
            "invalid_tax_code", _("This tax code is not valid (wrong check digit or format)."), field="tax_code"
        ) from None
    return digits


def is_valid_tax_code(value) -> bool:
    try:
        normalize_tax_code(value)
    except AppError:
        return False
    return True


def format_tax_code(value) -> str:
    """``0123456789`` or ``0123456789-001`` (the value is returned unchanged when it is not 10/13 digits)."""
    digits = clean_digits(value)
    if digits.isdigit() and len(digits) == 13:
        return f"{digits[:10]}-{digits[10:]}"
    return digits if digits.isdigit() else str(value or "")


def root_of(tax_code: str) -> str:
    """The 10-digit root (the head entity's tax code)."""
    return clean_digits(tax_code)[:10]


def check_digit(first_nine: str) -> str | None:
    """The check digit for 9 digits, or None when the prefix can never be valid (Σ mod 11 = 0)."""
    total = sum(w * int(d) for w, d in zip(WEIGHTS, first_nine, strict=True)) % 11
    if total == 0:
        return None
    return str(10 - total) if 10 - total < 10 else None
