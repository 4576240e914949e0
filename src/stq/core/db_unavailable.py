"""A database that cannot be reached (a failover in progress, a restart) answers 503 with Retry-After, not 500.

During a switch of primary (Patroni, issue #21) requests fail for some seconds with OperationalError /
InterfaceError: the client is told to try again shortly (`Retry-After`), with the one error body on the API
({code, detail, fields}) and a short page elsewhere. Nothing was written: the transaction did not commit.
The next request reconnects (CONN_HEALTH_CHECKS) and libpq's host list finds the new primary.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        log.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
        detail = _("The database is switching over or restarting. Nothing was saved; please try again in a few "
                   "seconds.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"code": "database_unavailable", "detail": detail, "fields": {}}, status=503)
        else:
            response = HttpResponse(f"<!doctype html><title>503</title><p>{escape(detail)}</p>", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
