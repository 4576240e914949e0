"""The one application error type.

Services raise `AppError` (or one of its status-specific subclasses) with a stable `code` and translated
messages, optionally per field. The API turns it into a response with that HTTP status and the codes; the UI
turns it into form errors (see `stq.core.forms.apply_app_error`).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _


class AppError(Exception):
    """A refused operation. `fields` maps a field name to its message; `message` is the overall message."""

    status = 400

    def __init__(self, code: str, message, *, field: str | None = None, fields: Mapping[str, object] | None = None):
        self.code = code
        self.message = message
        self.fields: dict[str, object] = dict(fields or {})
        if field:
            self.fields.setdefault(field, message)
        super().__init__(f"{code}: {message}")

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "detail": str(self.message),
            "fields": {name: str(msg) for name, msg in self.fields.items()},
        }


class Forbidden(AppError):
    """The user may see the object but not do this to it."""

    status = 403


class NotFound(AppError):
    """Missing, or not visible to the user: the same answer for both."""

    status = 404


class Conflict(AppError):
    """The object is not in a state that allows this (or was changed by someone else meanwhile)."""

    status = 409


def check_version(obj, expected_version: int | None) -> None:
    """The one stale-version check (optimistic locking): `obj` was read for update; the user saw `expected_version`.
    None means the caller did not send a version (nothing to compare)."""
    if expected_version is not None and obj.version != expected_version:
        raise Conflict("stale", _("This record was changed by someone else. Reload it and try again."))


def check_changeable(changes, allowed) -> None:
    """An update names only fields that may be changed (`allowed`)."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise AppError("invalid", _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))})
