"""Named locks for rules that read many rows and then write (a yearly cap, a merge): a PostgreSQL advisory lock held
until the transaction ends, named for what it guards — never a number counter or an unrelated row borrowed as a
mutex."""

from __future__ import annotations

from django.db import connection, transaction


def advisory_lock(name: str, key: int = 0) -> None:
    """Wait for and take the transaction-level advisory lock (`name`, `key`), e.g. ("audits.compliance_cap", year);
    released when the caller's transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("advisory_lock() must run inside the transaction it serialises")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [name, key])
