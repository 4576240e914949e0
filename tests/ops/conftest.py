import shutil

import pytest
from django.db import connection


def database_url(name: str | None = None) -> str:
    """The test database (or another on the same server) as a postgres:// URL for the scripts."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name or s['NAME']}"


@pytest.fixture
def postgres_tools():
    if connection.vendor != "postgresql":
        pytest.skip("the backup scripts are for PostgreSQL")
    missing = [tool for tool in ("pg_dump", "pg_restore", "psql") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"missing PostgreSQL client tools: {missing}")
