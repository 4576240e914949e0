"""Every text input has a length limit.

`install()` (run by the core app) gives every Django form `CharField` and every DRF serializer `CharField` that was
declared without `max_length` the limit `TEXT_MAX` — so free text (a reason, a note, findings) typed in a page or
sent to the API is refused past it with the field's own "at most N characters" error, the pages' textareas carry
`maxlength`, and the OpenAPI schema states `maxLength`. A field that needs less declares its own `max_length`.
(A 300,000-character reason was accepted before, and its page then took 40 s to render.)
"""

from __future__ import annotations

import functools

TEXT_MAX = 10_000  # about five printed pages: the longest free text a case carries (findings, conclusions)


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


def install() -> None:
    from django import forms
    from rest_framework import serializers

    _default_max_length(forms.CharField, skip=(forms.JSONField,))
    _default_max_length(serializers.CharField)
