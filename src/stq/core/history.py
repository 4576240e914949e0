"""Attribution of changes: every business-data write records who made it (django-simple-history)."""

from __future__ import annotations


def save_as(obj, actor, *, reason: str = "", **save_kwargs):
    """Save `obj` with its history row attributed to `actor` (works outside a request, e.g. in tasks)."""
    obj._history_user = actor
    if reason:
        obj._change_reason = reason
    obj.save(**save_kwargs)
    return obj


def field_changes(record) -> list[dict]:
    """The changed fields of one history record against the previous one: [{field, old, new}]."""
    prev = record.prev_record
    if prev is None:
        return []
    delta = record.diff_against(prev)
    return [{"field": c.field, "old": c.old, "new": c.new} for c in delta.changes]
