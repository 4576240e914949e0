"""Failed sign-in attempts are limited per client address and per user name (a cache-based counter).

Only failures count, so colleagues behind one proxy address are not locked out by each other's successes. When a
key has reached the limit, further attempts get 429 until the window has passed. The cache is Redis in production
(STQ_CACHE_URL) and the local-memory cache in tests and the demo.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _


def _redirected_to_login(response) -> bool:
    return response.status_code != 302 or urlsplit(response.get("Location", "")).path == resolve_url("login")


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str
    failed: Callable  # response → True when the attempt failed
    api: bool = False


ENDPOINTS = (
    Endpoint("/login/", "POST", lambda response: response.status_code != 302),
    Endpoint("/api/v1/auth/token/", "POST", lambda response: response.status_code != 200, api=True),
    # the central sign-in's return: a failure sends the browser back to the sign-in page
    Endpoint("/oidc/callback/", "GET", _redirected_to_login),
)


def client_address(request) -> str:
    if getattr(settings, "STQ_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _keys(request, endpoint: Endpoint) -> list[str]:
    keys = [f"signin-fail:ip:{endpoint.path}:{client_address(request)}"]
    if endpoint.method == "POST":
        username = (request.POST.get("username") or "").strip().lower()
        if not username and request.content_type == "application/json":
            try:
                username = str(json.loads(request.body or b"{}").get("username", "")).strip().lower()
            except (ValueError, AttributeError):
                username = ""
        if username:
            keys.append(f"signin-fail:user:{hashlib.sha256(username.encode()).hexdigest()}")  # safe for any cache
    return keys


def _limited_response(endpoint: Endpoint, window: int):
    message = _("Too many failed sign-in attempts. Try again in a few minutes.")
    if endpoint.api:
        response = JsonResponse({"code": "rate_limited", "detail": message, "fields": {}}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(window)
    return response


class SignInRateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        endpoint = next((e for e in ENDPOINTS if e.path == request.path_info and e.method == request.method), None)
        if endpoint is None:
            return self.get_response(request)
        limits = settings.STQ_RATE_LIMITS
        attempts, window = limits["attempts"], limits["window_seconds"]
        keys = _keys(request, endpoint)
        counts = cache.get_many(keys)
        if any(count >= attempts for count in counts.values()):
            return _limited_response(endpoint, window)
        response = self.get_response(request)
        if endpoint.failed(response):
            for key in keys:
                if cache.add(key, 1, window) is False:
                    try:
                        cache.incr(key)
                    except ValueError:  # expired between add and incr
                        cache.add(key, 1, window)
        return response

