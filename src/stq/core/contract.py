"""The API refuses the query parameters its OpenAPI schema forbids — read from the schema itself, for every operation.

Request bodies are checked by the serializers that the schema is generated from; query parameters are read by hand
or by filters in many places, so the schema and the code could disagree (`page=0`, `overdue=null`, a `risk_area`
outside its enum, a date written as free text). `check_query` validates each declared query parameter of the
operation a request addresses against its schema (type, enum, format date with the site's range, minimum/maximum,
maxLength) and answers a 400 naming the parameter. Parameters the schema does not declare are left alone.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from functools import lru_cache

from django.utils.translation import gettext as _

from .dates import DATE_MAX, DATE_MIN, date_range_message

QUERY_TEXT_MAX = 200  # the longest free-text query parameter (a search): stated in the schema, refused past it
_INT = re.compile(r"^-?[0-9]+$")
BOOLEANS = {"true", "false"}


_BUILD_LOCK = threading.Lock()


def _operations() -> list[tuple[re.Pattern, dict]]:
    """[(path regex, {method: {name: schema}})] from the generated OpenAPI schema, built once per process.

    Under a lock: two request threads building it at once broke drf-spectacular's lazy loading of its extensions (one
    thread saw the other's half-loaded class: a 500 under load). `warm()` builds it before the first request."""
    if _operations_built.cache_info().currsize:
        return _operations_built()
    with _BUILD_LOCK:
        return _operations_built()


def warm() -> None:
    """Build the schema's table now (the WSGI module calls it, so gunicorn's preloaded master builds it once)."""
    _operations()


@lru_cache(maxsize=1)
def _operations_built() -> list[tuple[re.Pattern, dict]]:
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    with GENERATOR_STATS.silence():  # the schema's own warnings belong to `manage.py spectacular`, not the server log
        schema = SchemaGenerator().get_schema(request=None, public=True)
    out = []
    for path, item in schema.get("paths", {}).items():
        regex = re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path)) + "$")
        methods = {}
        for method, operation in item.items():
            if isinstance(operation, dict):
                methods[method.upper()] = {p["name"]: p.get("schema", {}) for p in operation.get("parameters", [])
                                           if p.get("in") == "query"}
        out.append((regex, methods))
    return out


def declared_query(path: str, method: str) -> dict | None:
    for regex, methods in _operations():
        if regex.match(path):
            return methods.get(method)
    return None


def problem(value: str, schema: dict) -> str | None:
    """Why `value` (one occurrence of a query parameter) breaks `schema`, or None."""
    kind = schema.get("type")
    if kind == "array":
        return problem(value, schema.get("items", {}))
    if "enum" in schema and value not in [str(v) for v in schema["enum"]]:
        return _("Choose one of: %(choices)s.") % {"choices": ", ".join(str(v) for v in schema["enum"])}
    if kind == "integer":
        if not _INT.match(value):
            return _("Give a whole number.")
        number = int(value)
        if "minimum" in schema and number < schema["minimum"]:
            return _("Give a number of at least %(min)s.") % {"min": schema["minimum"]}
        if "maximum" in schema and number > schema["maximum"]:
            return _("Give a number of at most %(max)s.") % {"max": schema["maximum"]}
    elif kind == "boolean":
        if value not in BOOLEANS:
            return _("Give true or false.")
    elif kind == "string":
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return _("Give at most %(max)s characters.") % {"max": schema["maxLength"]}
        if schema.get("format") == "date":
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                day = None
            if day is None or len(value) != 10:
                return DateProblem(_("Give a date written YYYY-MM-DD."), "invalid_date")
            if not DATE_MIN <= day <= DATE_MAX:
                return DateProblem(date_range_message(), "date_out_of_range")
    return None


class DateProblem(str):
    """A message that carries its error code (dates have their own codes, as the date fields give them)."""

    def __new__(cls, message: str, code: str):
        obj = super().__new__(cls, message)
        obj.code = code
        return obj


def check_query(request) -> tuple[str, str] | None:
    """(parameter, message) for the first query parameter the schema forbids, else None. The message's `code`
    attribute, where it has one, is the error code (else "invalid_parameter")."""
    declared = declared_query(request.path_info, request.method)
    if not declared:
        return None
    for name, values in request.GET.lists():
        schema = declared.get(name)
        if schema is None:
            continue
        if schema.get("type") != "array" and len(values) > 1:
            return name, _("Give this parameter once.")
        for value in values:
            why = problem(value, schema)
            if why:
                return name, why
    return None
