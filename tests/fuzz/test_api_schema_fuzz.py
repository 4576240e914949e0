"""Fuzz every operation of the OpenAPI schema (/api/v1/schema/) with schemathesis, signed in as a demo user.

All of schemathesis's checks run (no 5xx; status code, content type, headers and body as documented; schema-valid
requests accepted — waived for the operations in POSITIVE_DATA_WAIVED, each with its reason — and schema-invalid ones
refused; authentication not ignored; …), first on each operation alone,
then on sequences of operations chained by the links schemathesis infers from the schema (stateful). The demo data is
seeded once for the package inside a transaction rolled back at the end; each test runs in its own savepoint.

Bounded for `make test`: STQ_FUZZ_MAX_EXAMPLES examples per operation (default 4) and STQ_FUZZ_STATEFUL_EXAMPLES
stateful scenarios (default 10). The long run (README, "Testing"): STQ_FUZZ_MAX_EXAMPLES=100
STQ_FUZZ_STATEFUL_EXAMPLES=200 scripts/run-tests.sh tests/fuzz
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

MAX_EXAMPLES = int(os.environ.get("STQ_FUZZ_MAX_EXAMPLES", "4"))
STATEFUL_EXAMPLES = int(os.environ.get("STQ_FUZZ_STATEFUL_EXAMPLES", "10"))
CHECKS = None  # every check schemathesis has, "schema-valid request accepted" included, except where narrowed below
# "schema-valid request accepted" is waived for exactly these operations, each for what no JSON schema can state; a
# 400 there still has to be the one error body naming the field (test_hostile_every_operation checks that).
REFERENCES = "names objects by code (a unit, an enterprise's tax code, a risk area, a model version): a code no " \
    "object has is a 400 naming the field; the schema cannot list the data"
FILES = "reads an uploaded file whose type and content are checked (CSV or XLSX by content): a schema cannot state it"
POSITIVE_DATA_WAIVED: dict[str, str] = {
    "GET /api/v1/audit-cases/": f"filters by unit, enterprise and risk area: {REFERENCES}",
    "GET /api/v1/audit-proposals/": f"filters by unit and enterprise: {REFERENCES}",
    "GET /api/v1/change-requests/": f"filters by unit: {REFERENCES}",
    "GET /api/v1/info-collections/": f"filters by unit, enterprise and risk area: {REFERENCES}",
    "POST /api/v1/audit-proposals/": REFERENCES,
    "POST /api/v1/change-requests/": REFERENCES,
    "POST /api/v1/enterprises/": f"the managing unit {REFERENCES}; the tax code has a check digit",
    "POST /api/v1/focus-list/": REFERENCES,
    "POST /api/v1/info-collections/": REFERENCES,
    "PATCH /api/v1/info-collections/{id}/": REFERENCES,
    "POST /api/v1/risk/backtests/": REFERENCES,
    "POST /api/v1/risk/criteria/": REFERENCES,
    "POST /api/v1/risk/target-lists/": REFERENCES,
    "GET /api/v1/duplicates/": "the tax code has a check digit (the schema states its pattern, not the digit)",
    "GET /api/v1/reports/form-{form}/": "a period is `period`, or `from` with `to` not before it: one or the other "
                                        "is required, which query parameters cannot state",
    "POST /api/v1/audit-cases/{id}/actions/": "an action is allowed by the case's state and its recorded decisions "
                                              "(a 400 naming `action`)",
    "POST /api/v1/declarations/imports/": FILES,
    "POST /api/v1/enterprises/import/": FILES,
    "POST /api/v1/legacy/imports/": FILES,
}


def excluded(case) -> list:
    return [positive_data_acceptance] if case.operation.label in POSITIVE_DATA_WAIVED else []


REPORT = os.environ.get("STQ_FUZZ_REPORT")  # a JSON file for the figures: cases and answers by status
STATUSES: Counter[str] = Counter()


FAILURES: list[dict] = []
DONE: list[str] = []


@pytest.fixture(autouse=True)
def _figures(request):
    """The run's figures (cases sent, answers by status and kind of test, operations done, failures), written to
    STQ_FUZZ_REPORT when set — after every test, so a long run stopped early leaves its partial figures."""
    yield
    DONE.append(request.node.name)
    if REPORT:
        figures = {"max_examples": MAX_EXAMPLES, "stateful_examples": STATEFUL_EXAMPLES, "tests_done": len(DONE),
                   "cases": sum(v for k, v in STATUSES.items() if k.startswith("all ")), "statuses": dict(
                       sorted(STATUSES.items())), "failures": FAILURES}
        Path(REPORT).write_text(json.dumps(figures, indent=2) + "\n")


# Loaded at collection through the WSGI application itself (no database needed to build the schema).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler())
# No NUL in generated text: the site refuses it everywhere with a 400 naming the field (stq.core.guard; checked by
# test_hostile_every_operation), which a JSON schema cannot state short of a pattern on every string.
schema.config.generation.update(allow_x00=False)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_operation_conforms_to_schema(case, demo_token):
    try:
        response = case.call_and_validate(headers={"Authorization": f"Token {demo_token}"}, checks=CHECKS,
                                          excluded_checks=excluded(case))
    except Exception as failure:
        FAILURES.append({"operation": case.operation.label, "failure": str(failure)[:2000]})
        raise
    _count("single", response.status_code)


def _count(kind: str, status: int) -> None:
    STATUSES[f"{kind} {status}"] += 1
    STATUSES[f"all {status}"] += 1


@pytest.mark.django_db
def test_api_sequences_conform_to_schema(demo_token):
    """Stateful: create → read → act sequences along the links inferred from the schema, every check on each step."""

    class Sequences(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Token {demo_token}"}}

        def call(self, case, **kwargs):
            response = super().call(case, **kwargs)
            _count("stateful", response.status_code)
            return response

    # every step carries the fuzz user's token (get_call_kwargs), so "ignored authentication" — which needs the
    # generated credentials to be the ones sent — is checked by the single-operation test only
    Sequences.validate_response = lambda self, response, case, additional_checks=None, **kw: case.validate_response(
        response, checks=CHECKS, excluded_checks=[*excluded(case), ignored_auth], additional_checks=additional_checks)
    Sequences.run(settings=settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=6, deadline=None,
                                    derandomize=True, database=None, suppress_health_check=list(HealthCheck)))
