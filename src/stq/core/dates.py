"""The range every date the site accepts must fall in, checked once for every date input.

`install()` (run by the core app) gives Django's and DRF's date and date-time fields — and so every form, serializer
and django-filter filter built on them — the validator `validate_date_in_range`, so a far date (0001-01-01,
9999-12-31) is a 400 / form error naming its field instead of an overflow deeper down. The OpenAPI schema states the
same range as a pattern on every `format: date` string (`stq.core.api_schema`).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2099, 12, 31)
# The same range as a pattern for the OpenAPI schema: years 1900-2099, a month 01-12, a day 01-31.
DATE_PATTERN = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def date_range_message() -> str:
    return _("Give a date between %(min)s and %(max)s.") % {
        "min": date_format(DATE_MIN, "d/m/Y"), "max": date_format(DATE_MAX, "d/m/Y")}


def validate_date_in_range(value) -> None:
    day = value.date() if isinstance(value, dt.datetime) else value
    if isinstance(day, dt.date) and not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(date_range_message(), code="date_out_of_range")


def in_range(day: dt.date) -> bool:
    return DATE_MIN <= day <= DATE_MAX


def install() -> None:
    from django import forms
    from rest_framework import serializers

    for field_class in (forms.DateField, forms.DateTimeField, serializers.DateField, serializers.DateTimeField):
        if validate_date_in_range not in field_class.default_validators:
            field_class.default_validators = [*field_class.default_validators, validate_date_in_range]
