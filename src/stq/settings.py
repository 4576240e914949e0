"""STQ settings: one module; every deployment choice is read from the environment.

Environment variables (all optional for the demo):
  STQ_DEBUG            "1" for development (default "0")
  STQ_SECRET_KEY       required when STQ_DEBUG is not "1"
  STQ_ALLOWED_HOSTS    comma-separated host names (default "127.0.0.1,localhost")
  DATABASE_URL         e.g. postgres://user@127.0.0.1:5432/stq (default: SQLite file var/stq.sqlite3); with several
                       database hosts, libpq's host list and the primary chosen by libpq:
                       postgres://stq@db1:5432,db2:5432/stq?target_session_attrs=read-write&connect_timeout=3
  DATABASE_REPLICA_URL a streaming replica (e.g. ...?target_session_attrs=prefer-standby): heavy reads go there
                       (stq.core.db_routing); STQ_REPLICA_PIN_SECONDS after a write a user reads the primary (10)
  STQ_TASKS_BACKEND    "db" (default: background worker via `manage.py db_worker`) or "immediate"
  STQ_MEDIA_ROOT       where uploaded documents are stored (default var/media)
  STQ_BEHIND_TLS       "1" when served over HTTPS behind a proxy: secure cookies, HSTS, X-Forwarded-Proto trusted
  STQ_CACHE_URL        e.g. redis://127.0.0.1:6379/0 (default: the process's local memory); shared by every web node
                       (sessions live in the database, sign-in rate-limit counters in this cache)
  STQ_CACHE_KEY_PREFIX key prefix in that cache (default "stq")
  STQ_LOG_FORMAT       "json" (one JSON object per line on stdout, for production) or "text" (default)
  STQ_LOG_LEVEL        default INFO
  STQ_UPLOAD_MAX_MB    largest accepted document upload in MiB (default 50)
  STQ_IMPORT_MAX_MB    largest accepted bulk data file (declaration CSV) in MiB (default 2048)
  STQ_BROKER_URL       the clearance system's message broker, e.g. amqp://guest:guest@127.0.0.1:5672/%2F; the whole
                       connection (consumer, outbound results, the broker check of /readyz/) is off when unset
  STQ_BROKER_PREFIX    prefix of the exchange and queue names (default "stq")
  STQ_RESULTS_DIR      the file drop of the risk results export (default var/results)
  STQ_SERVER_TIMING    "1" adds a Server-Timing header (time spent in Django) to every response (the tests set it)
  STQ_OIDC_*           central sign-in (OpenID Connect); off unless STQ_OIDC_CLIENT_ID is set — see the README
"""

import json
import os
from pathlib import Path

from stq import dburl

SRC_DIR = Path(__file__).resolve().parent  # src/stq
BASE_DIR = SRC_DIR.parent.parent  # repository root
VAR_DIR = Path(os.environ.get("STQ_VAR_DIR", BASE_DIR / "var"))
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)  # also keeps WhiteNoise from warning in development


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("STQ_DEBUG")
SECRET_KEY = os.environ.get("STQ_SECRET_KEY") or ("dev-insecure-key-only-for-debug" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("STQ_SECRET_KEY must be set when STQ_DEBUG is not 1")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("STQ_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

# STQ's apps come first: their translations and templates take precedence over Django's own.
INSTALLED_APPS = [
    "stq.org",
    "stq.core",
    "stq.workflow",
    "stq.enterprises",
    "stq.collection",
    "stq.declarations",
    "stq.risk",
    "stq.audits",
    "stq.reports",
    "stq.feedback",
    "stq.legacy",
    "stq.help",
    "stq.exchange",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "mozilla_django_oidc",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "stq.core.guard.InputGuardMiddleware",  # NUL / invalid characters, oversized bodies: 400/413 naming the field
    "stq.core.ratelimit.SignInRateLimitMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stq.core.db_routing.ReplicaReadMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "stq.core.errorpages.ErrorPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "stq.core.db_unavailable.DatabaseUnavailableMiddleware",  # last: sees the views' exceptions first
]
if env_bool("STQ_SERVER_TIMING"):  # the time spent in Django, as a response header (tests, diagnosis)
    MIDDLEWARE.insert(0, "stq.core.timing.ServerTimingMiddleware")

ROOT_URLCONF = "stq.urls"
WSGI_APPLICATION = "stq.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stq.org.context_processors.layout",
                "stq.org.oidc.context",
            ],
        },
    }
]

# Persistent connections are checked before each request reuses them (CONN_HEALTH_CHECKS): after a database
# failover the dead connection is dropped and libpq's host list finds the new primary, without a restart.
DATABASES = {
    "default": dburl.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'stq.sqlite3'}",
        conn_max_age=int(os.environ.get("STQ_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dburl.parse(os.environ["DATABASE_REPLICA_URL"],
                                       conn_max_age=int(os.environ.get("STQ_DB_CONN_MAX_AGE", "60")),
                                       conn_health_checks=True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # tests: the replica alias reads the test database
    DATABASE_ROUTERS = ["stq.core.db_routing.ReplicaRouter"]
STQ_REPLICA_PIN_SECONDS = int(os.environ.get("STQ_REPLICA_PIN_SECONDS", "10"))
# Heavy reads sent to the replica (GET/HEAD only; regular expressions on the path): reports, declaration search,
# risk pages, exports.
STQ_REPLICA_READ_PATHS = [
    r"^/reports/", r"^/api/v1/reports/",
    r"^/declarations/(?!imports/)", r"^/api/v1/declarations/(?!imports/)",
    r"^/risk/", r"^/api/v1/risk/",
    r"\.(xlsx|pdf|csv)$", r"/export/",
]
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # the peer-price index's INCLUDE columns (an index-only read on PostgreSQL) are simply ignored by SQLite
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Local passwords (the demo, break-glass accounts) and the central sign-in; the latter does nothing until configured.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", "stq.org.oidc.CentralSignInBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Internationalisation: Vietnamese by default, English as the second language.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [SRC_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(os.environ.get("STQ_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Development serves static files straight from the source folders; production serves the compressed copies that
# `collectstatic` wrote to STATIC_ROOT (finders would shadow them with the uncompressed originals).
WHITENOISE_USE_FINDERS = DEBUG or env_bool("STQ_STATIC_FROM_SOURCE")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "stq.org.oidc.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only (the uploads name their multipart parsers): a form-encoded body has no null and no types,
    # and DRF would read its empty field as null — a date "" silently became null instead of a 400 naming it
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "stq.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "STQ API",
    "DESCRIPTION": "Post-clearance audit and risk management (KTSTQ & QLRR) — REST API v1",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "stq.core.api_schema.postprocess",  # the shared error responses (401/403/404/400/429), page ≥ 1
    ],
}

_tasks_backend = os.environ.get("STQ_TASKS_BACKEND", "db")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if _tasks_backend == "immediate"
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# ---- Security -------------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads nothing from it: base.html passes the token in hx-headers
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "stq.core.errorpages.csrf_failure"  # the site's own 403 page, translated, with the way back
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
BEHIND_TLS = env_bool("STQ_BEHIND_TLS")
if BEHIND_TLS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("STQ_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$"]  # probes speak plain HTTP on the loopback


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


_oidc_origins = sorted({_origin(os.environ.get(n, "")) for n in ("STQ_OIDC_AUTHORIZATION_ENDPOINT",
                                                                  "STQ_OIDC_LOGOUT_ENDPOINT")} - {""})

# Content security policy (django-csp): no inline or foreign scripts at all. Style *attributes* stay allowed
# (templates use a few for widths; CSSOM writes by Bootstrap/Chart.js need nothing); <style> elements only with the
# hashes of two vendored ones (tests/e2e/test_content_security_policy.py fails when a library update changes them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": [
            "'self'",
            "'sha256-faU7yAF8NxuMTNEwVmBz+VcYeIoBQ2EMHW3WaVxCvnk='",  # vendored htmx's indicator rules
            "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='",  # drf-spectacular's Swagger UI page
        ],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        # Sign-out posts a form that is redirected to the identity provider's logout page.
        "form-action": ["'self'", *_oidc_origins],
    }
}

# Sign-in rate limits (stq.core.ratelimit): failed attempts per client address and per user name.
STQ_RATE_LIMITS = {
    "attempts": int(os.environ.get("STQ_SIGNIN_MAX_FAILURES", "10")),
    "window_seconds": int(os.environ.get("STQ_SIGNIN_WINDOW_SECONDS", "300")),
}
# One address per client: behind nginx the last X-Forwarded-For entry is the address nginx saw.
STQ_TRUST_X_FORWARDED_FOR = env_bool("STQ_TRUST_X_FORWARDED_FOR", BEHIND_TLS)

# Uploads (stq.core.uploads): size limit; uploaded files are stored under generated names, never the client's.
STQ_UPLOAD_MAX_BYTES = int(float(os.environ.get("STQ_UPLOAD_MAX_MB", "50")) * 1024 * 1024)
STQ_IMPORT_MAX_BYTES = int(float(os.environ.get("STQ_IMPORT_MAX_MB", "2048")) * 1024 * 1024)
# Seed-policy periods (issue 16), in working days, configurable per deployment:
# an approved information collection delivers its results report within this many working days of the approval;
# a report that finds months whose kept totals are stale asks the worker to recompute them (off: cron runs
# `manage.py refresh_report_totals`; the reports read those months from the records meanwhile)
STQ_REPORTS_REFRESH_ON_READ = env_bool("STQ_REPORTS_REFRESH_ON_READ", True)
STQ_COLLECTION_RESULTS_WORKING_DAYS = int(os.environ.get("STQ_COLLECTION_RESULTS_WORKING_DAYS", "30"))
# a returned audit proposal not resubmitted within this many working days loses its filing priority.
STQ_PROPOSAL_RETURNED_PRIORITY_WORKING_DAYS = int(os.environ.get("STQ_PROPOSAL_RETURNED_PRIORITY_WORKING_DAYS", "5"))
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

_cache_url = os.environ.get("STQ_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url,
         "KEY_PREFIX": os.environ.get("STQ_CACHE_KEY_PREFIX", "stq")}
        if _cache_url.startswith(("redis://", "rediss://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "stq"}
    )
}

# ---- Central sign-in (OpenID Connect, mozilla-django-oidc) ------------------------------------------------------
# Off unless STQ_OIDC_CLIENT_ID is set. Users are matched on the token's `sub` (User.external_subject), never on
# e-mail; the unit and roles come from configurable claims (stq.org.oidc); nothing is granted when no claim maps.
STQ_OIDC_ENABLED = bool(os.environ.get("STQ_OIDC_CLIENT_ID"))
OIDC_RP_CLIENT_ID = os.environ.get("STQ_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("STQ_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("STQ_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("STQ_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("STQ_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("STQ_OIDC_JWKS_ENDPOINT", "")
STQ_OIDC_LOGOUT_ENDPOINT = os.environ.get("STQ_OIDC_LOGOUT_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("STQ_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("STQ_OIDC_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # for the provider's logout (id_token_hint)
OIDC_TIMEOUT = 10
OIDC_CREATE_USER = True
OIDC_OP_LOGOUT_URL_METHOD = "stq.org.oidc.provider_logout_url"
OIDC_DRF_AUTH_BACKEND = "stq.org.oidc.CentralSignInBackend"
LOGIN_REDIRECT_URL_FAILURE = "/login/"  # a path: mozilla-django-oidc does not resolve URL names here
STQ_OIDC_UNIT_CLAIM = os.environ.get("STQ_OIDC_UNIT_CLAIM", "stq_unit")
STQ_OIDC_ROLES_CLAIM = os.environ.get("STQ_OIDC_ROLES_CLAIM", "stq_roles")
# {"provider's role or group name": "STQ role"}; a trailing "+" on the STQ role covers the units below.
STQ_OIDC_ROLE_MAP = json.loads(os.environ.get("STQ_OIDC_ROLE_MAP", "{}"))

# ---- The connection to the clearance system (VNACCS/VCIS) through RabbitMQ: off unless STQ_BROKER_URL is set -------
STQ_BROKER_URL = os.environ.get("STQ_BROKER_URL", "")
STQ_BROKER_PREFIX = os.environ.get("STQ_BROKER_PREFIX", "stq")
STQ_RESULTS_DIR = Path(os.environ.get("STQ_RESULTS_DIR", VAR_DIR / "results"))

# ---- Logging: text for development, one JSON object per line on stdout in production -----------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "stq.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if os.environ.get("STQ_LOG_FORMAT", "text") == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("STQ_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "pika": {"level": "WARNING"}},
}
FORMAT_MODULE_PATH = ["stq.formats"]
