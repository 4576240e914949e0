"""Fuzz every operation of the OpenAPI schema (/api/v1/schema/) with schemathesis, signed in as a demo user.

Checks: no 5xx, and every response (status code, content type, headers, body) matches the schema. The demo data is
seeded once for the module inside a transaction that is rolled back at the end; each operation's examples run in
their own savepoint. Bounded: STQ_FUZZ_MAX_EXAMPLES examples per operation (default 4).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# What the API promises: no server error, and every answer as documented. (Business rules legitimately refuse some
# schema-valid input, so "positive data acceptance" is not among them.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, ignored_auth]
FUZZ_USER = os.environ.get("STQ_FUZZ_USER", "qlrr.chq")
MAX_EXAMPLES = int(os.environ.get("STQ_FUZZ_MAX_EXAMPLES", "4"))


# Loaded at collection through the WSGI application itself (no database needed to build the schema).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler())


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_operation_conforms_to_schema(case, demo_token):
    case.call_and_validate(headers={"Authorization": f"Token {demo_token}"}, checks=CHECKS)
