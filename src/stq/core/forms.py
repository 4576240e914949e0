"""UI side of the one error type: put an AppError's messages on a form, beside the fields they name."""

from __future__ import annotations

from django import forms

from .errors import AppError


def apply_app_error(form: forms.Form, error: AppError) -> None:
    placed = False
    for name, message in error.fields.items():
        if name in form.fields:
            form.add_error(name, str(message))
            placed = True
    if not placed or not error.fields:
        form.add_error(None, str(error.message))


def posted_id(request, name: str) -> int | None:
    """A positive whole number posted in `name` (an id, a version: below 2**31), else None. Hidden fields carry
    whatever a client sends: text, a number out of range or more digits than Python converts (4,300) is never a
    ValueError nor a query with it (a 500)."""
    value = (request.POST.get(name) or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) < 2**31 else None


def posted_version(request, default: int | None = None) -> int | None:
    """The version of the record the user saw (an edit form's hidden `version`), `default` when none is posted. Any
    value but a whole number is a version no record has (0), so the service refuses the save as a conflict."""
    if not (request.POST.get("version") or "").strip():
        return default
    return posted_id(request, "version") or 0


def call_service(form: forms.Form, call, *, place=apply_app_error):
    """The one "application error → form error" step of a page: run `call()` (the service); when it refuses, put its
    AppError on `form` with `place(form, error)` and return None. Returns what the service returned (True when it
    returned nothing)."""
    try:
        result = call()
    except AppError as error:
        place(form, error)
        return None
    return True if result is None else result
