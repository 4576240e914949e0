"""Probes for the process supervisor and the load balancer.

`/healthz`  the process is up and answers (liveness): no I/O at all.
`/readyz`   the process can serve: the database answers, every migration is applied, the cache answers, and the
           message broker accepts a connection when the connection to the clearance system is configured.
Both are anonymous, return JSON, and say nothing more than ok/failing per check.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)
_migrations_seen_applied = False  # once true it stays true for this process: migrations are not rolled back live


def _database() -> bool:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _migrations() -> bool:
    global _migrations_seen_applied
    if not _migrations_seen_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        _migrations_seen_applied = not plan
    return _migrations_seen_applied


def _cache() -> bool:
    key, value = "stq-readyz", uuid.uuid4().hex
    cache.set(key, value, 10)
    return cache.get(key) == value


def _broker() -> bool:
    from stq.exchange import broker

    return broker.ping()


CHECKS = {"database": _database, "migrations": _migrations, "cache": _cache}


def _checks() -> dict:
    from django.conf import settings

    return {**CHECKS, **({"broker": _broker} if settings.STQ_BROKER_URL else {})}


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    results = {}
    for name, check in _checks().items():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "unknown"
            continue
        try:
            results[name] = "ok" if check() else "failing"
        except Exception:  # a probe reports, it does not raise
            log.exception("readiness check %s failed", name)
            results[name] = "failing"
    ready = all(v == "ok" for v in results.values())
    return JsonResponse({"status": "ok" if ready else "failing", "checks": results}, status=200 if ready else 503)
