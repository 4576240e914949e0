"""Texts stored as a message code with parameters and shown in the reader's language when read.

A stored text is JSON: ``{"m": msgid, "c": context (optional), "p": {name: value}}``, where the msgid is the
English source string of the catalogues and each parameter value is plain data or itself a stored text (an action
or state label). ``stored()`` turns what a caller passes — a ``Text``, a lazy translation (``gettext_lazy`` /
``pgettext_lazy``) or plain data — into that JSON; ``render()`` translates it in the active language. A value that
is neither is kept as the string it was when stored (a case number, a name).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, pgettext, pgettext_lazy

_plain, _context = gettext_lazy, pgettext_lazy  # aliases: the probes below are not messages to translate
_PLAIN = type(_plain("-"))
_CONTEXT = type(_context("-", "-"))


class Text:
    """A message and its parameters, rendered when read: ``Text(_("Due today: %(case)s"), case=str(case))``, with
    ``_`` = ``gettext_lazy``."""

    def __init__(self, message, **params):
        self.message = message
        self.params = params

    def as_json(self) -> dict:
        spec = stored(self.message)
        spec = dict(spec) if isinstance(spec, dict) else {"m": str(spec)}
        if self.params:
            spec["p"] = {name: stored(value) for name, value in self.params.items()}
        return spec

    def __str__(self) -> str:
        return render(self.as_json())


def stored(value):
    """The JSON form of a text or a parameter value."""
    if isinstance(value, Text):
        return value.as_json()
    if isinstance(value, Promise):
        args = getattr(value, "_args", ())
        if type(value) is _PLAIN and len(args) == 1:
            return {"m": args[0]}
        if type(value) is _CONTEXT and len(args) == 2:
            return {"c": args[0], "m": args[1]}
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def render(spec) -> str:
    """A stored text in the active language ('' for none)."""
    if isinstance(spec, dict) and "m" in spec:
        message = pgettext(spec["c"], spec["m"]) if spec.get("c") else gettext(spec["m"])
        params = {name: render(value) for name, value in (spec.get("p") or {}).items()}
        if not params:
            return message
        try:
            return message % params
        except (KeyError, ValueError, TypeError):  # a translation that lost a placeholder: the source text
            return spec["m"] % params
    return "" if spec is None else str(spec)
