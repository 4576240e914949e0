"""Read scaling: heavy reads go to a streaming replica when one is configured (DATABASE_REPLICA_URL).

* `ReplicaReadMiddleware` marks a request "replica-eligible" when it is a GET/HEAD whose path matches
  `STQ_REPLICA_READ_PATHS` (reports, declaration search, risk pages, exports), the replica answers, and the client
  is not pinned to the primary;
* after any write request (POST/PUT/PATCH/DELETE) that did not fail, the response sets the cookie
  `stq_primary_until` (a UNIX time, STQ_REPLICA_PIN_SECONDS ahead): until then that client reads from the primary,
  so a user who has just written reads their own write even if the replica lags behind;
* `ReplicaRouter.db_for_read` answers "replica" only inside such a request; every write, and every read outside
  those requests, goes to "default" (the primary). Migrations run on "default" only.

Without DATABASE_REPLICA_URL the router is not installed and the middleware does nothing.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import Error as DatabaseError

REPLICA = "replica"
PIN_COOKIE = "stq_primary_until"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
log = logging.getLogger(__name__)
_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("stq_use_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _use_replica.get() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: same objects

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _pinned(request) -> bool:
    try:
        return float(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
    except ValueError:
        return False


def _replica_answers() -> bool:
    try:
        connections[REPLICA].ensure_connection()
        return True
    except DatabaseError:
        log.warning("replica unreachable: this request reads from the primary")
        connections[REPLICA].close()
        return False


_paths: list[re.Pattern] | None = None


def heavy_read(path: str) -> bool:
    global _paths
    if _paths is None:
        _paths = [re.compile(p) for p in settings.STQ_REPLICA_READ_PATHS]
    return any(p.search(path) for p in _paths)


class ReplicaReadMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        eligible = (request.method in ("GET", "HEAD") and heavy_read(request.path_info) and not _pinned(request)
                    and _replica_answers())
        token = _use_replica.set(eligible)
        request.stq_read_from = REPLICA if eligible else DEFAULT_DB_ALIAS
        try:
            response = self.get_response(request)
        finally:
            _use_replica.reset(token)
        if request.method in WRITE_METHODS and response.status_code < 400:
            seconds = settings.STQ_REPLICA_PIN_SECONDS
            response.set_cookie(PIN_COOKIE, f"{time.time() + seconds:.0f}", max_age=seconds, httponly=True,
                                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response
