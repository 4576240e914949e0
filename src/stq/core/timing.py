"""`Server-Timing: app;dur=<ms>` on every response: the time the request spent in Django (browser tests read it to
hold pages under their time limit; browsers' developer tools show it). Enabled by STQ_SERVER_TIMING=1 (the tests)."""

from __future__ import annotations

import time


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
        return response
