"""Every operation of the OpenAPI schema gets hostile input, generated from the schema itself (issue #17, done-when):
a NUL byte, an overlong string, a far date and a wrong type — in each query parameter, path parameter and body
property the schema declares (an operation without any gets an undeclared query parameter with a NUL).

Each must be refused with a 4xx, never a 5xx nor a success, and — where the operation reads its input at all for
this user (its plain request is not already refused with 401/403/404/405) — with a 400 or 413 whose one error body
names the field or parameter that carried the hostile value. A path parameter other than by NUL may be a 404 (no
such object). Every string the schema accepts in a body must state its `maxLength`; every date its range.

Path parameters are filled with real values of the seeded demo data, read from the operation's parent list.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from stq.core.dates import DATE_PATTERN

NUL = "a\x00b"
FAR_DATE = "9999-12-31"
WRONG = {"integer": "not-a-number", "number": "not-a-number", "boolean": "not-a-boolean", "array": "not-a-list",
         "object": "not-an-object"}
HUGE = 10**30  # beyond any column: a number the schema does not bound reaches the database (a 500)
METHODS = ("get", "post", "put", "patch", "delete")
UNDECIDED = {401, 403, 404, 405}


@pytest.fixture
def api(demo_token):
    client = Client(HTTP_AUTHORIZATION=f"Token {demo_token}", HTTP_ACCEPT_LANGUAGE="vi")
    return client, Client().get("/api/v1/schema/", {"format": "json"}).json()


def _resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if isinstance(node, dict) and "allOf" in node and len(node["allOf"]) == 1:
        return _resolve(schema, node["allOf"][0])
    return node


def _body(schema, operation):
    """(content type, properties) the operation's body declares (JSON preferred), or (None, {})."""
    content = operation.get("requestBody", {}).get("content", {})
    for content_type in ("application/json", "multipart/form-data", "application/x-www-form-urlencoded"):
        if content_type in content:
            body = _resolve(schema, content[content_type].get("schema", {}))
            return content_type, {k: _resolve(schema, v) for k, v in body.get("properties", {}).items()}
    return None, {}


def _kind(prop) -> str:
    if prop.get("type"):
        return prop["type"]
    for option in prop.get("oneOf", []) + prop.get("anyOf", []):
        if option.get("type"):
            return option["type"]
    return "string" if "enum" in prop else "object"


def hostile_values(prop, *, body: bool = False) -> list[tuple[str, object]]:
    """(what, value) pairs breaking `prop`: NUL and overlong for text, a far date for dates, a wrong type, and in a
    body a whole number beyond any column (a query's page past the last is a 404, its page size is capped)."""
    kind, fmt = _kind(prop), prop.get("format")
    out: list[tuple[str, object]] = []
    if kind == "string" and fmt != "binary":
        out.append(("nul", NUL))
        if fmt == "date":
            out.append(("far date", FAR_DATE))
        elif fmt != "date-time":
            out.append(("overlong", "x" * ((prop.get("maxLength") or 100_000) + 1)))
    else:
        out.append(("wrong type", WRONG.get(kind, "not-valid")))
        if kind == "integer" and body:
            out.append(("huge", HUGE))
        if kind == "array" and _kind(prop.get("items", {})) == "string":
            out.append(("nul", [NUL]))
    return out


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


class Known:
    """Real values for path parameters, read from the list an operation's path starts with."""

    def __init__(self, client):
        self.client, self.values = client, {}

    def value(self, path: str, name: str):
        if name not in self.values:
            parent = path.split("{" + name + "}")[0]
            response = self.client.get(parent)
            rows = []
            if response.status_code == 200 and response.get("Content-Type", "").startswith("application/json"):
                data = response.json()
                rows = data.get("results", []) if isinstance(data, dict) else data
            for row in rows if isinstance(rows, list) else []:
                for key in (name, "id", "code", "number", "tax_code"):
                    if isinstance(row, dict) and row.get(key) not in (None, ""):
                        self.values.setdefault(name, row[key])
                        break
                if name in self.values:
                    break
        return self.values.get(name, {"form": "19", "grant_id": 1}.get(name, 1))


def _send(client, method, url, *, query=None, body=None, content_type=None):
    kwargs = {}
    if body is not None:
        if content_type == "application/json":
            kwargs = {"data": json.dumps(body), "content_type": content_type}
        elif content_type == "multipart/form-data":
            kwargs = {"data": body}
        else:
            from urllib.parse import urlencode

            kwargs = {"data": urlencode(body, doseq=True), "content_type": content_type}
    if query:
        from urllib.parse import urlencode

        url = f"{url}?{urlencode(query, doseq=True)}"
    return getattr(client, method)(url, **kwargs)


def _url(path, known, override=None):
    def fill(match):
        name = match[1]
        if override and name in override:
            from urllib.parse import quote

            return quote(str(override[name]), safe="")
        return str(known.value(path, name))

    return re.sub(r"\{([^}]+)\}", fill, path)


def _limited(prop) -> bool:
    options = prop.get("oneOf") or prop.get("anyOf")
    return all(_limited(o) for o in options) if options else "maxLength" in prop or "enum" in prop


@pytest.mark.django_db
def test_every_body_string_states_its_limits(api):
    """A text property without maxLength, or a date without the site's range, is a schema that hides a rule."""
    _client, schema = api
    missing = []
    for path, method, operation in operations(schema):
        _ct, props = _body(schema, operation)
        for name, prop in props.items():
            if prop.get("readOnly") or _kind(prop) != "string" or "enum" in prop:
                continue
            if prop.get("format") == "date" and prop.get("pattern") != DATE_PATTERN:
                missing.append(f"{method.upper()} {path} {name}: date without range")
            elif prop.get("format") not in ("date", "date-time", "binary") and not _limited(prop):
                missing.append(f"{method.upper()} {path} {name}: no maxLength")
    assert missing == []


def _integers(schema, node, where, seen=()):
    """(where, property) for every integer a body accepts, nested objects and lists included."""
    node = _resolve(schema, node)
    if not isinstance(node, dict) or id(node) in seen:
        return
    if node.get("readOnly"):
        return
    if _kind(node) == "integer" and "enum" not in node:
        yield where, node
    for name, prop in node.get("properties", {}).items():
        yield from _integers(schema, prop, f"{where}.{name}", (*seen, id(node)))
    if "items" in node:
        yield from _integers(schema, node["items"], f"{where}[]", (*seen, id(node)))


@pytest.mark.django_db
def test_every_body_integer_states_its_maximum(api):
    """An integer without `maximum` lets 10**30 through to the database: the column overflows (a 500) where the
    client should have been told which field is too large."""
    _client, schema = api
    missing = []
    for path, method, operation in operations(schema):
        content = operation.get("requestBody", {}).get("content", {})
        for body in content.values():
            for where, prop in _integers(schema, body.get("schema", {}), f"{method.upper()} {path} "):
                if "maximum" not in prop:
                    missing.append(where)
    assert sorted(set(missing)) == [], "\n".join(sorted(set(missing)))


@pytest.mark.django_db
def test_hostile_input_to_every_operation_is_a_4xx_naming_the_field(api):
    client, schema = api
    known = Known(client)
    failures, sent = [], 0
    if True:
        for path, method, operation in operations(schema):
            if path.endswith("/auth/token/"):
                continue  # signs in: its refusals are the rate-limited credential check (tests/security)
            content_type, props = _body(schema, operation)
            params = [p for p in operation.get("parameters", []) if p["in"] in ("query", "path")]
            plain = _send(client, method, _url(path, known), body={} if content_type else None,
                          content_type=content_type)
            reads_input = plain.status_code not in UNDECIDED
            cases = []  # (where, name, what, query, body, path override)
            for param in params:
                for what, value in hostile_values(param.get("schema", {})):
                    if param["in"] == "query":
                        cases.append(("query", param["name"], what, {param["name"]: value}, None, None))
                    elif what == "nul":
                        cases.append(("path", param["name"], what, None, None, {param["name"]: value}))
            for name, prop in props.items():
                if prop.get("readOnly"):
                    continue
                for what, value in hostile_values(prop, body=True):
                    cases.append(("body", name, what, None, {name: value}, None))
            if not cases:
                cases.append(("query", "x", "nul", {"x": NUL}, None, None))
            for where, name, what, query, body, override in cases:
                if content_type and body is None:
                    body = {}
                response = _send(client, method, _url(path, known, override), query=query, body=body,
                                 content_type=content_type)
                sent += 1
                label = f"{method.upper()} {path} {where} {name} ({what}) → {response.status_code}"
                if not 400 <= response.status_code < 500:
                    failures.append(label)
                    continue
                must_name = what == "nul" or where == "query" or (where == "body" and reads_input)
                if not must_name:
                    continue
                try:
                    fields = response.json().get("fields", {})
                except ValueError:
                    failures.append(f"{label}: not the JSON error body")
                    continue
                named = any(key == name or key.startswith(f"{name}.") or key.startswith(f"{name}[")
                            for key in fields)
                if response.status_code not in (400, 413) or not named:
                    failures.append(f"{label}: fields {sorted(fields)}")
    assert sent > 200
    assert failures == [], "\n".join(failures)
