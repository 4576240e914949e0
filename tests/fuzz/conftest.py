"""Operations whose schema does not yet describe what they answer (found by the fuzz test; owners fix them).

Each is an expected failure (not strict): once its schema is fixed it passes and should be removed from here."""

import pytest

KNOWN_SCHEMA_GAPS: dict[str, str] = {}  # "METHOD /path": "why" — none known today


def pytest_collection_modifyitems(items):
    for item in items:
        operation = item.name.partition("[")[2].rstrip("]")
        if operation in KNOWN_SCHEMA_GAPS:
            item.add_marker(pytest.mark.xfail(reason=KNOWN_SCHEMA_GAPS[operation], strict=False))
