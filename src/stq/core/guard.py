"""Hostile input, refused once for the whole site.

PostgreSQL cannot store a NUL character and UTF-8 cannot encode a lone surrogate, so text carrying either would
reach the database and fail there with a server error. `InputGuardMiddleware` refuses such text wherever it comes
in — a path segment (named by its URL parameter), a query parameter, a form field, an uploaded file's name or a
string anywhere in a JSON body (named by its path, e.g. `risk_areas.0`) — and answers a request body over
`DATA_UPLOAD_MAX_MEMORY_SIZE` with 413, before any view runs (DRF reads JSON without Django's size check). API query
parameters must also be what the OpenAPI schema declares (`stq.core.contract`). Every refusal names the parameter:
the API answers the one error body ({code, detail, fields}, see `stq.core.api`); pages answer in the site's layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# NUL (PostgreSQL refuses it in text) and lone UTF-16 surrogates (no UTF-8 encoding)
_BAD = re.compile("[\x00\ud800-\udfff]")
API_PREFIX = "/api/"


def is_bad_text(value: object) -> bool:
    return isinstance(value, str) and _BAD.search(value) is not None


def bad_character_message() -> str:
    return _("Contains a character that is not allowed (NUL or an invalid Unicode character).")


def clean_name(name: str) -> str:
    """A parameter's name as it can be shown back (the bad characters replaced)."""
    return _BAD.sub("\ufffd", name) or "?"


def _first_bad_pair(pairs: Iterable[tuple[str, list]]) -> str | None:
    for key, values in pairs:
        if is_bad_text(key) or any(is_bad_text(v) for v in values):
            return clean_name(key)
    return None


def _first_bad_file(files) -> str | None:
    for key, uploads in files.lists():
        if is_bad_text(key) or any(is_bad_text(getattr(f, "name", "")) for f in uploads):
            return clean_name(key)
    return None


def refusal(request, *, status: int, code: str, field: str, message: str):
    """The refusal in the request's world: the API's error body, or a page in the site's layout."""
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"code": code, "detail": message, "fields": {field: message}}, status=status)
    if not hasattr(request, "user"):  # refused before the authentication middleware ran
        from django.contrib.auth import get_user
        from django.utils.functional import SimpleLazyObject

        request.user = SimpleLazyObject(lambda: get_user(request))
    return render(request, "core/bad_request.html",
                  {"code": code, "field": field, "message": message}, status=status)


def too_large(request):
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    message = _("The data sent is too large (the limit is %(limit).1f MB). Shorten the text or send a smaller "
                "file.") % {"limit": limit_mb}
    return refusal(request, status=413, code="too_large", field="body", message=message)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def check_form(request):
    """NUL or invalid characters in a form field or a file name, too many fields, too large: the refusal, or None."""
    try:
        post, files = request.POST, request.FILES
    except RequestDataTooBig:
        return too_large(request)
    except TooManyFieldsSent:
        return refusal(request, status=400, code="too_many_fields", field="body",
                       message=_("Too many fields were sent."))
    bad = _first_bad_pair(post.lists()) or _first_bad_file(files)
    if bad is not None:
        return refusal(request, status=400, code="invalid_characters", field=bad, message=bad_character_message())
    return None


class InputGuardMiddleware:
    """Refuse NUL / invalid characters in the path, query, form fields and file names, and oversized bodies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.check(request)
        return response if response is not None else self.get_response(request)

    def check(self, request):
        bad = _first_bad_pair(request.GET.lists())
        if bad is not None:
            return refusal(request, status=400, code="invalid_characters", field=bad, message=bad_character_message())
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_type = request.META.get("CONTENT_TYPE", "")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit and not content_type.startswith("multipart/form-data"):
            return too_large(request)  # JSON and form bodies alike (DRF reads JSON without Django's check)
        if content_type.startswith(FORM_TYPES):
            if not request.path_info.startswith(API_PREFIX):
                return check_form(request)
            # an API view: checked in process_view, once it is known whether the view reads forms at all
        elif "json" in content_type:
            try:
                data = json.loads(request.body)
            except RequestDataTooBig:
                return too_large(request)
            except ValueError:
                return None  # not JSON: the parser answers that, naming the body
            bad = _bad_json_path(data)
            if bad is not None:
                return refusal(request, status=400, code="invalid_characters", field=bad,
                               message=bad_character_message())
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.path_info.startswith(API_PREFIX) and content_type.startswith(FORM_TYPES):
            # The API reads JSON; only its uploads read forms. DRF would take a form body it has no parser for as
            # an empty body once this middleware has read it, so it is refused here, naming the body.
            parsers = getattr(getattr(view_func, "cls", None), "parser_classes", None) or ()
            if not any(content_type.startswith(parser.media_type) for parser in parsers):
                from rest_framework.exceptions import UnsupportedMediaType

                message = str(UnsupportedMediaType(content_type.split(";")[0]).detail)
                return refusal(request, status=415, code="unsupported_media_type", field="body", message=message)
            refused = check_form(request)
            if refused is not None:
                return refused
        for name, value in view_kwargs.items():
            if is_bad_text(value):
                return refusal(request, status=400, code="invalid_characters", field=name,
                               message=bad_character_message())
        for value in view_args:
            if is_bad_text(value):
                return refusal(request, status=400, code="invalid_characters", field="path",
                               message=bad_character_message())
        if request.path_info.startswith(API_PREFIX) and request.GET:
            from .contract import check_query

            broken = check_query(request)
            if broken is not None:
                code = getattr(broken[1], "code", "invalid_parameter")
                return refusal(request, status=400, code=code, field=broken[0], message=str(broken[1]))
        return None


def _bad_json_path(data, prefix: str = "") -> str | None:
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{clean_name(str(key))}" if prefix else clean_name(str(key))
            if is_bad_text(key):
                return name
            found = _bad_json_path(value, name)
            if found is not None:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = _bad_json_path(value, f"{prefix}.{index}" if prefix else str(index))
            if found is not None:
                return found
    elif is_bad_text(data):
        return prefix or "body"
    return None
