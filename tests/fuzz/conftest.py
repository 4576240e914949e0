"""Operations whose schema does not yet describe what they answer (found by the fuzz test; owners fix them).

Each is an expected failure (not strict): once its schema is fixed it passes and should be removed from here."""

import os

import pytest
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from rest_framework.authtoken.models import Token

from stq.org.models import User

FUZZ_USER = os.environ.get("STQ_FUZZ_USER", "qlrr.chq")

KNOWN_SCHEMA_GAPS: dict[str, str] = {}  # "METHOD /path": "why" — none known today


def pytest_collection_modifyitems(items):
    for item in items:
        operation = item.name.partition("[")[2].rstrip("]")
        if operation in KNOWN_SCHEMA_GAPS:
            item.add_marker(pytest.mark.xfail(reason=KNOWN_SCHEMA_GAPS[operation], strict=False))


@pytest.fixture(scope="package")
def demo_token(django_db_setup, django_db_blocker):
    """The demo data, seeded once for the package inside a transaction rolled back at the end; the fuzz user's token.

    Requests go straight to the WSGI handler, which would close the connection (and so the transaction) after each
    one: keep it open, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield from _seeded(django_db_blocker)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _seeded(django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--enterprises", "30", stdout=open(os.devnull, "w"))  # noqa: SIM115
        token, _created = Token.objects.get_or_create(user=User.objects.get(username=FUZZ_USER))
        yield token.key
        transaction.set_rollback(True)
