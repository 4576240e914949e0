"""Central sign-in through the sector's identity provider (OpenID Connect, mozilla-django-oidc).

Off unless `STQ_OIDC_CLIENT_ID` is set (settings.STQ_OIDC_ENABLED); local password sign-in keeps working.

- A person is matched on the token's `sub` claim (`User.external_subject`), never on the e-mail address: an
  existing local account with the same address is NOT taken over. Unknown subjects get a new account.
- The unit comes from the claim named by STQ_OIDC_UNIT_CLAIM (a unit code); roles from the claim named by
  STQ_OIDC_ROLES_CLAIM, translated by STQ_OIDC_ROLE_MAP ({"provider name": "stq role[+]"}, "+" = including the
  units below). Grants are made and withdrawn through `stq.org.services` (history, reason "central sign-in");
  a value that maps to nothing grants nothing, and the identity provider never makes anyone staff or superuser.
- Sign-out also ends the session at the provider (RP-initiated logout with id_token_hint).
- The API accepts the provider's access tokens as `Authorization: Bearer …` (checked at the userinfo endpoint).
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import resolve_url
from django.urls import path
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.contrib.drf import OIDCAuthentication
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView, OIDCLogoutView
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from stq.core.history import save_as

from . import services
from .models import Role, Unit, User

log = logging.getLogger(__name__)
REASON = services.PROVIDER_REASON


def enabled() -> bool:
    return bool(getattr(settings, "STQ_OIDC_ENABLED", False))


def context(request) -> dict:
    """Template context: whether the sign-in page offers the central sign-in."""
    return {"oidc_enabled": enabled()}


# ---- claims → unit and roles ------------------------------------------------------------------------------------

def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    return []


def claimed_unit(claims: dict) -> Unit | None:
    code = claims.get(settings.STQ_OIDC_UNIT_CLAIM)
    if not isinstance(code, str) or not code.strip():
        return None
    return Unit.objects.filter(code=code.strip()).first()


def claimed_roles(claims: dict) -> set[tuple[str, bool]]:
    """(role, include_units_below) for every claimed value that the role map translates; the rest is ignored."""
    wanted = set()
    for value in _as_list(claims.get(settings.STQ_OIDC_ROLES_CLAIM)):
        mapped = settings.STQ_OIDC_ROLE_MAP.get(value)
        if not isinstance(mapped, str):
            continue
        role, below = mapped.rstrip("+"), mapped.endswith("+")
        if role in Role.values:
            wanted.add((role, below))
        else:
            log.warning("STQ_OIDC_ROLE_MAP maps %r to unknown role %r", value, mapped)
    return wanted


def _username_for(claims: dict) -> str:
    preferred = str(claims.get("preferred_username") or "").strip()[:150]
    if preferred and not User.objects.filter(username=preferred).exists():
        return preferred
    return ("sub-" + hashlib.sha256(claims["sub"].encode()).hexdigest()[:40])[:150]


class CentralSignInBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc backend keyed on `sub`, with claim-mapped unit and roles."""

    def authenticate(self, request, **kwargs):
        if not enabled():
            return None
        return super().authenticate(request, **kwargs)

    def verify_claims(self, claims) -> bool:
        sub = claims.get("sub")
        return isinstance(sub, str) and 0 < len(sub) <= 255

    def filter_users_by_claims(self, claims):
        return User.objects.filter(external_subject=claims["sub"])

    def get_or_create_user(self, access_token, id_token, payload):
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is not None and not user.is_active:
            return None
        return user

    def get_userinfo(self, access_token, id_token, payload):
        # The claims are read at the userinfo endpoint: they must describe the ID token's subject.
        claims = super().get_userinfo(access_token, id_token, payload)
        if payload is not None and claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo sub differs from the ID token's sub")
        return claims

    def create_user(self, claims):
        user = User(
            username=_username_for(claims),
            external_subject=claims["sub"],
            email=str(claims.get("email") or "")[:254],
            full_name=str(claims.get("name") or "")[:255],
        )
        user.set_unusable_password()
        save_as(user, None, reason=REASON)
        log.info("central sign-in created user %s for subject %s", user.username, claims["sub"])
        return self.update_user(user, claims)

    def update_user(self, user, claims):
        if not user.is_active:  # a deactivated account stays as it is (and is refused by get_or_create_user)
            return user
        changed = False
        for field, value in (("email", str(claims.get("email") or "")[:254]),
                             ("full_name", str(claims.get("name") or "")[:255])):
            if value and getattr(user, field) != value:
                setattr(user, field, value)
                changed = True
        unit = claimed_unit(claims)
        if unit is not None and user.unit_id != unit.pk:
            user.unit = unit
            changed = True
        if changed:
            save_as(user, None, reason=REASON)
        services.grants_sync_from_provider(user=user, wanted=claimed_roles(claims) if unit is not None else set())
        return user


class BearerAuthentication(BaseAuthentication):
    """DRF: the identity provider's access token as `Authorization: Bearer <token>` (only when enabled).

    A token accepted by the provider is remembered for STQ_OIDC_BEARER_CACHE_SECONDS (default 60) so that every
    API call does not cost a round trip to the provider."""

    def authenticate(self, request):
        if not enabled():
            return None
        delegate = OIDCAuthentication(CentralSignInBackend())
        token = delegate.get_access_token(request)
        if not token:
            return None
        key = "oidc-bearer:" + hashlib.sha256(token.encode()).hexdigest()
        user_id = cache.get(key)
        if user_id is not None:
            user = User.objects.filter(pk=user_id, is_active=True).first()
            if user is not None:
                return user, token
        try:
            user, token = delegate.authenticate(request)
        except requests.RequestException as error:  # the provider is unreachable or answered an error
            log.warning("bearer token check at the identity provider failed: %s", error)
            raise exceptions.AuthenticationFailed("The identity provider could not check this token.") from None
        cache.set(key, user.pk, getattr(settings, "STQ_OIDC_BEARER_CACHE_SECONDS", 60))
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"' if enabled() else None


# ---- sign-out at the provider too -------------------------------------------------------------------------------

def provider_logout_url(request) -> str:
    """Where sign-out sends the browser: the provider's end-session endpoint, then back to our sign-in page."""
    back = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    endpoint = settings.STQ_OIDC_LOGOUT_ENDPOINT
    if not endpoint:
        return back
    params = {"client_id": settings.OIDC_RP_CLIENT_ID, "post_logout_redirect_uri": back}
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


_local_logout = auth_views.LogoutView.as_view()
_provider_logout = OIDCLogoutView.as_view()


def logout(request):
    """The one sign-out URL: users who came through the central sign-in are signed out there as well."""
    if enabled() and request.method == "POST" and request.session.get("oidc_id_token"):
        return _provider_logout(request)
    return _local_logout(request)


def _only_when_enabled(view):
    def wrapped(request, *args, **kwargs):
        if not enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


urlpatterns = [
    path("callback/", _only_when_enabled(OIDCAuthenticationCallbackView.as_view()),
         name="oidc_authentication_callback"),
    path("authenticate/", _only_when_enabled(OIDCAuthenticationRequestView.as_view()),
         name="oidc_authentication_init"),
]


class BearerAuthenticationScheme(OpenApiAuthenticationExtension):
    """OpenAPI: the provider's access token as an HTTP bearer token."""

    target_class = "stq.org.oidc.BearerAuthentication"
    name = "oidcBearer"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Access token of the central identity provider"}
