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
