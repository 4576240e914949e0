"""Texts stored as a message code with parameters and shown in the reader's language when read.

A stored text is JSON: ``{"m": msgid, "c": context (optional), "p": {name: value}}``, where the msgid is the
English source string of the catalogues and each parameter value is plain data or itself a stored text (an action
or state label). ``stored()`` turns what a caller passes — a ``Text``, a lazy translation (``gettext_lazy`` /
``pgettext_lazy``) or plain data — into that JSON; ``render()`` translates it in the active language. A value that
is neither is kept as the string it was when stored (a case number, a name).

Typed parameters keep their type until read: a ``Number`` (``{"n": value, "d": decimals}``) and a ``Date``
(``{"date": "YYYY-MM-DD"}``) are formatted by the active language's format module (``stq.formats``) when rendered.
A list of stored texts renders as its items joined by "; ". ``encode()`` / ``shown()`` keep a stored text in a
text column that people may also type into (an enterprise's risk reason): the JSON is rendered, plain text is
shown as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import math

from django.utils import formats
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


class Number:
    """A number parameter, formatted with ``decimals`` decimals in the reader's language (None or NaN: "—")."""

    def __init__(self, value, decimals: int = 0):
        self.value = None if value is None or (isinstance(value, float) and math.isnan(value)) else value
        self.decimals = decimals

    def as_json(self) -> dict:
        value = self.value
        if value is not None:
            value = round(float(value), self.decimals) if self.decimals else round(float(value))
        return {"n": value, "d": self.decimals}


class Date:
    """A date parameter, formatted as the reader's language writes dates."""

    def __init__(self, value: dt.date | str):
        self.value = value if isinstance(value, str) else value.isoformat()

    def as_json(self) -> dict:
        return {"date": self.value}


def stored(value):
    """The JSON form of a text or a parameter value."""
    if isinstance(value, (Text, Number, Date)):
        return value.as_json()
    if isinstance(value, (list, tuple)):
        return [stored(item) for item in value]
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
    if isinstance(spec, list):
        return "; ".join(filter(None, (render(item) for item in spec)))
    if isinstance(spec, dict) and "n" in spec:
        if spec["n"] is None:
            return "—"
        return formats.number_format(spec["n"], spec.get("d") or 0, use_l10n=True, force_grouping=True)
    if isinstance(spec, dict) and "date" in spec:
        return formats.date_format(dt.date.fromisoformat(spec["date"]), "SHORT_DATE_FORMAT", use_l10n=True)
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


def encode(value) -> str:
    """A stored text as the JSON string kept in a text column (keys sorted: one fact, one string)."""
    return json.dumps(stored(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def shown(column: str) -> str:
    """A text column in the active language: the rendered stored text it holds, or the plain text typed into it."""
    if column and column[0] in "[{":
        try:
            spec = json.loads(column)
        except ValueError:
            return column
        if (isinstance(spec, dict) and "m" in spec) or (
                isinstance(spec, list) and spec and all(isinstance(item, dict) and "m" in item for item in spec)):
            return render(spec)
    return column
