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


def _key_sql() -> str:
    return "hashtext(%s), %s"


def hold(name: str, key: int = 0) -> None:
    """Take the session-level advisory lock (`name`, `key`) (PostgreSQL; nothing elsewhere): held until
    ``release`` or until the connection ends — so a process that dies lets go of it. It marks the owner of a long
    job as alive (``is_held``), it does not serialise anything."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_lock({_key_sql()})", [name, key])


def release(name: str, key: int = 0) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_unlock({_key_sql()})", [name, key])


def is_held(name: str, key: int = 0) -> bool | None:
    """Whether any session holds the advisory lock (`name`, `key`) (read from ``pg_locks``; takes nothing).
    None where it cannot be known (not PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid = hashtext(%s)::oid AND objid = %s::oid)", [name, key])
        return cursor.fetchone()[0]
