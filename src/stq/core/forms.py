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


def posted_version(request, default: int | None = None) -> int | None:
    """The version of the record the user saw (an edit form's hidden `version`), `default` when none is posted. Any
    value but a whole number is a version no record has (0), so the service refuses the save as a conflict — it was
    an int() of the posted text, a ValueError and a 500 on a tampered form."""
    value = (request.POST.get("version") or "").strip()
    if not value:
        return default
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


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
