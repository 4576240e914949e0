"""Every text input has a length limit.

In the database: every free-text model field is a `LimitedTextField` with the limit of its purpose (`NOTE_MAX` for
a reason, a note, an opinion; `TEXT_MAX` for content: findings, signs, grounds); the column carries a CHECK on its
length, the form and serializer fields built from it take the limit, and `full_clean` refuses past it.
`tests/core/test_limits.py` fails on a model TextField without one.

In the inputs: `install()` (run by the core app) gives every Django form `CharField` and every DRF serializer
`CharField` that was declared without `max_length` the limit `TEXT_MAX` — so free text (a reason, a note, findings)
typed in a page or sent to the API is refused past it with the field's own "at most N characters" error, the pages'
textareas carry `maxlength`, and the OpenAPI schema states `maxLength`. A field that needs less declares its own
`max_length` (a field stored in a `NOTE_MAX` column declares `NOTE_MAX`).
(A 300,000-character reason was accepted before, and its page then took 40 s to render.)

Every whole-number input has a maximum, the same way: `install()` gives every form and serializer `IntegerField`
declared without `max_value` the limit `INT_MAX` (PostgreSQL's `integer`: a count, a number of days, a version, an
id), and every amount of money declares `MONEY_MAX`. Text that a service reads as a whole number itself (an amount
typed with thousands dots, a cell of an imported file) goes through `whole_number`. So 10**30 in a JSON body, 5,000
digits (more than Python converts) or "²" (a digit to `str.isdigit`, not to `int`) is the field's own error, never
a ValueError or a column overflow (a 500). `tests/fuzz/test_hostile_every_operation.py` fails on an API integer
without a maximum.
"""

from __future__ import annotations

import functools
import hashlib

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length

TEXT_MAX = 10_000  # about five printed pages: the longest free text a case carries (findings, conclusions)
NOTE_MAX = 2_000  # a reason, a note, an opinion, a list of names: a paragraph or two
INT_MAX = 2**31 - 1  # PostgreSQL integer: counts, days, versions, ids
MONEY_MAX = 10**15 - 1  # VND, 15 digits: the stored bigint holds more, a spreadsheet cell keeps no more exactly


def whole_number(text, maximum: int = MONEY_MAX, separators: str = ". \u00a0") -> int | None:
    """`text` as a whole number from 0 to `maximum`, else None: ASCII digits only, the thousands `separators` ignored
    (Vietnamese writes 1.000.000; a comma is its decimal mark). Never raises, whatever `text` holds."""
    digits = str(text).strip()
    for separator in separators:
        digits = digits.replace(separator, "")
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(maximum)):
        return None
    value = int(digits)
    return value if value <= maximum else None


class LimitedTextField(models.TextField):
    """A TextField whose `max_length` holds everywhere: the form and serializer fields built from it refuse past it
    (Django's TextField only sizes the textarea), `full_clean` refuses past it, and its model gets the constraint
    `CHECK (LENGTH(column) <= max_length)` (named `<table>_<column>_max`), so no path stores more. Makemigrations
    writes the constraint beside the field and rewrites it when the limit changes. (A CHECK rather than varchar(n):
    PostgreSQL's cast to varchar(n) cuts longer text silently; the CHECK makes a migration over such data fail.)"""

    def __init__(self, *args, max_length: int, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only=private_only)
        if cls._meta.abstract:  # each concrete model gets its own copy of the field, and so its own constraint
            return
        constraint_name = names_digest_name(cls._meta.db_table, self.column, "max")
        if any(c.name == constraint_name for c in cls._meta.constraints):  # a migration state already carries it
            return
        # `original_attrs`: the migration autodetector reads a model's constraints only where its Meta declares some
        cls._meta.original_attrs.setdefault("constraints", [])
        # (no message of its own: `full_clean` reports the field's MaxLengthValidator and skips the constraint)
        cls._meta.constraints = [*cls._meta.constraints, models.CheckConstraint(
            condition=models.Q(**{f"{self.name}__length__lte": self.max_length}), name=constraint_name)]


LimitedTextField.register_lookup(Length)


def names_digest_name(table: str, column: str, suffix: str) -> str:
    """`<table>_<column>_<suffix>`, shortened with a digest to PostgreSQL's 63 characters when longer."""
    name = f"{table}_{column}_{suffix}"
    if len(name) <= 63:
        return name
    digest = hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{name[:63 - len(suffix) - 10]}_{digest}_{suffix}"


def _default_max_length(cls, skip: tuple[type, ...] = ()) -> None:
    """Fields of `cls` (and its subclasses that read text as text) get max_length=TEXT_MAX unless they declare one.
    A subclass that turns the text into something else (an object looked up by a code) keeps its own rules."""
    original = cls.__init__
    if getattr(original, "stq_default_max_length", False):
        return
    reads_text = cls.to_internal_value if hasattr(cls, "to_internal_value") else cls.to_python

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        own = type(self).to_internal_value if hasattr(cls, "to_internal_value") else type(self).to_python
        if kwargs.get("max_length") is None and not isinstance(self, skip) and own is reads_text:
            kwargs["max_length"] = TEXT_MAX
        original(self, *args, **kwargs)

    __init__.stq_default_max_length = True
    cls.__init__ = __init__


def _default_max_value(cls) -> None:
    """Fields of exactly `cls` (not its float and decimal subclasses) get max_value=INT_MAX unless they declare one."""
    original = cls.__init__
    if getattr(original, "stq_default_max_value", False):
        return

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        if kwargs.get("max_value") is None and type(self) is cls:
            kwargs["max_value"] = INT_MAX
        original(self, *args, **kwargs)

    __init__.stq_default_max_value = True
    cls.__init__ = __init__


def install() -> None:
    from django import forms
    from rest_framework import serializers

    _default_max_length(forms.CharField, skip=(forms.JSONField,))
    _default_max_length(serializers.CharField)
    _default_max_value(forms.IntegerField)
    _default_max_value(serializers.IntegerField)
