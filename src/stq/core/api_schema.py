"""OpenAPI post-processing: document what every STQ API operation can answer besides its success.

`stq.core.api.exception_handler` gives every error the same body ({code, detail, fields}), so the error responses
are added here once instead of on each view: 401/403 where a sign-in is required, 404 where the path names an
object or the list is paginated, 400 where the client sends parameters or a body, 429 on the token sign-in (rate
limit). Page numbers start at 1. Responses a view documents itself are left as they are.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from .contract import QUERY_TEXT_MAX
from .dates import DATE_PATTERN

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["code", "detail"],
}
DESCRIPTIONS = {"400": "Invalid input", "401": "Not signed in", "403": "Not allowed", "404": "Not found",
                "429": "Too many failed sign-in attempts"}
METHODS = {"get", "post", "put", "patch", "delete"}


def _error(status: str) -> dict:
    return {"description": DESCRIPTIONS[status], "content": {"application/json": {"schema": ERROR_REF}}}


def postprocess(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            params = operation.get("parameters", [])
            for param in params:
                if param.get("in") == "path" and param.get("schema", {}).get("type") == "integer":
                    param["schema"].setdefault("minimum", 0)  # <int:…> URL converters match digits only
                if param.get("in") == "query" and param.get("name") == "page":
                    param.setdefault("schema", {}).setdefault("minimum", 1)
                if param.get("in") == "query" and param.get("name") in ("limit", "offset"):
                    param.setdefault("schema", {}).setdefault("minimum", 0)
                schema = param.get("schema", {})
                if (param.get("in") == "query" and schema.get("type") == "string" and "enum" not in schema
                        and "format" not in schema):
                    schema.setdefault("maxLength", QUERY_TEXT_MAX)  # stq.core.contract refuses longer ones
            wanted = []
            if operation.get("security") != [] and operation.get("security") != [{}]:
                wanted += ["401", "403"]
            if "{" in path or any(p.get("name") == "page" for p in params):
                wanted.append("404")
            if params or "requestBody" in operation:
                wanted.append("400")
            if path.endswith("/auth/token/"):
                wanted.append("429")
            responses = operation.setdefault("responses", {})
            for status in wanted:
                responses.setdefault(status, _error(status))
    _bound_dates(result)
    return result


def _bound_dates(node) -> None:
    """Every `format: date` string gets the site's date range as a pattern (stq.core.dates)."""
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "date":
            node.setdefault("pattern", DATE_PATTERN)
        for value in node.values():
            _bound_dates(value)
    elif isinstance(node, list):
        for value in node:
            _bound_dates(value)


def page_of(serializer_class, name: str | None = None):
    """The schema of a DRF-paginated list ({count, next, previous, results}) for `@extend_schema(responses=…)`.

    For APIViews that paginate by hand with PageNumberPagination or LimitOffsetPagination."""
    base = serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(name or f"Paginated{base}List", fields={
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": serializer_class(many=True),
    })


class SlugRelatedFieldLimits(OpenApiSerializerFieldExtension):
    """A related object named by a slug (a unit's code, a risk area's code): its type and length are the slug field's,
    so the schema states the same maxLength the model does."""

    target_class = "rest_framework.relations.SlugRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        queryset = getattr(self.target, "queryset", None)
        if queryset is not None:
            max_length = getattr(queryset.model._meta.get_field(self.target.slug_field), "max_length", None)
            if max_length and schema.get("type") == "string":
                schema.setdefault("maxLength", max_length)
        return schema
