"""Settings for every environment, read from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import config  # noqa: F401  (puts the import roots on sys.path)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw is None or raw == "" else int(raw)


# development | test | production
PLATFORM_ENV = _env("PLATFORM_ENV", "development")
PRODUCTION = PLATFORM_ENV == "production"
DEBUG = _env_bool("PLATFORM_DEBUG", PLATFORM_ENV == "development")

SECRET_KEY = _env("PLATFORM_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("PLATFORM_SECRET_KEY must be set in production")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

# Provinces are addressed as <slug>.<base domain>; the base domain itself is the national scope.
BASE_DOMAIN = _env("PLATFORM_BASE_DOMAIN", "localhost").lower()
NATIONAL_HOSTS = {BASE_DOMAIN, f"national.{BASE_DOMAIN}", "127.0.0.1", "::1", "[::1]"} | {
    h.strip().lower() for h in _env("PLATFORM_NATIONAL_HOSTS").split(",") if h.strip()
}
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1", "[::1]"] + [
    h.strip() for h in _env("PLATFORM_ALLOWED_HOSTS").split(",") if h.strip()
]
# Where public links (certificate QR codes) point: the national scope's public address.
PUBLIC_BASE_URL = _env("PLATFORM_PUBLIC_BASE_URL", f"http://{BASE_DOMAIN}:8000").rstrip("/")
# Portals that cannot use a host per province send this header or use the /p/<slug>/ path prefix.
PROVINCE_HEADER = "X-Province"
PROVINCE_PATH_PREFIX = "p"

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "strawberry_django",
    "core",
    "accounts",
    "notices",
    "registry",
    "national",
    "pages",
]
# Apps whose tables exist once per province schema. Apps listed in both also have a national copy
# in the public schema (national accounts, national notices, the national audit trail).
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "core",
    "accounts",
    "notices",
    "profiles",
    "reviews",
    "exams",
    "certificates",
    "drivers",
    "enterprises",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Province"
TENANT_DOMAIN_MODEL = "tenants.Domain"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
# Issue `SET search_path` once per connection and schema, not before every cursor. Safe here: the flag
# is reset whenever the schema changes (set_tenant, which our backend calls when the context changes),
# on rollback, and on close (a pooled connection handed back), so a reused connection always gets it anew.
TENANT_LIMIT_SET_CALLS = True
AUTH_USER_MODEL = "accounts.User"

MIDDLEWARE = [
    "core.middleware.JsonErrorMiddleware",
    "tenants.middleware.ProvinceMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "core.middleware.GraphQLCsrfMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

CSRF_FAILURE_VIEW = "core.views.csrf_failure"
ROOT_URLCONF = "config.urls_province"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Always PostgreSQL: django-tenants needs schemas. No DATABASE_URL → an embedded server in .data/pg.
_DB_ENGINE = "tenants.postgresql_backend"
DATABASE_URL = _env("DATABASE_URL")
if DATABASE_URL:
    import dj_database_url

    _db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=0))
    _db["ENGINE"] = _DB_ENGINE
else:
    _name = _env("PLATFORM_DB_NAME", "platform")
    _db = {
        "ENGINE": _DB_ENGINE,
        "NAME": _name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "",
        "EMBEDDED_PGDATA": _env("PLATFORM_PGDATA", str(PROJECT_ROOT / ".data" / "pg")),
        "EMBEDDED_CREATE_DATABASE": _name,
    }
if _env("PLATFORM_DB_NAME") and DATABASE_URL:
    _db["NAME"] = _env("PLATFORM_DB_NAME")
_db["TEST"] = {**_db.get("TEST", {}), "NAME": _env("PLATFORM_TEST_DB_NAME", f"test_{_db['NAME']}")}
# Sync request work (Django's middleware chain and the GraphQL view) runs on a fixed pool of this many threads
# per server process (core.asgi_handler), not on a thread started per request.
HTTP_THREADS = max(1, _env_int("PLATFORM_HTTP_THREADS", 8))
# A connection pool per server process (psycopg_pool) instead of a new PostgreSQL connection per request, on by
# default: one connection per HTTP thread plus two for the WebSocket side (database_sync_to_async). Pooled
# connections are safe across provinces: the backend sets search_path before every cursor, and the "already
# set" flag is reset when a connection goes back to the pool. 0 = off (a connection per request).
_DB_POOL_MAX = _env_int("PLATFORM_DB_POOL_MAX_SIZE", HTTP_THREADS + 2)
if _DB_POOL_MAX > 0:
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        **_db.get("OPTIONS", {}),
        "pool": {"min_size": min(2, _DB_POOL_MAX), "max_size": _DB_POOL_MAX, "timeout": 10},
    }
# Fail fast when the database hangs or refuses (issue 17): libpq's connect timeout (a proxy that accepts and
# never answers would otherwise hold every request ~130 s) and a server-side statement timeout. 0 = off.
DB_CONNECT_TIMEOUT_SECONDS = _env_int("PLATFORM_DB_CONNECT_TIMEOUT", 3)
DB_STATEMENT_TIMEOUT_MS = _env_int("PLATFORM_DB_STATEMENT_TIMEOUT_MS", 15000)
_db_options: dict[str, Any] = dict(_db.get("OPTIONS", {}))
# Django disables prepared statements (prepare_threshold None), and psycopg then ignores even an explicit
# `execute(..., prepare=True)`: core.db's hot statements were parsed and planned on every request. A threshold
# no query reaches lets exactly those be prepared; the ORM's client-side-binding cursors never prepare anything.
_db_options.setdefault("prepare_threshold", 2**31 - 1)
if DB_CONNECT_TIMEOUT_SECONDS > 0:
    _db_options["connect_timeout"] = DB_CONNECT_TIMEOUT_SECONDS
if DB_STATEMENT_TIMEOUT_MS > 0:
    _db_options["options"] = f"{_db_options.get('options', '')} -c statement_timeout={DB_STATEMENT_TIMEOUT_MS}".strip()
_db["OPTIONS"] = _db_options
# /healthz answers within this many seconds whatever the database does (503 when the check is not done).
HEALTHZ_TIMEOUT_SECONDS = float(_env("PLATFORM_HEALTHZ_TIMEOUT", "1.5"))
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channels: Redis carries events between server processes; the in-memory layer serves one process only.
REDIS_URL = _env("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": _env("PLATFORM_CHANNEL_PREFIX", "platform")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "subscriptions.layers.InMemoryChannelLayer"}}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Production serves collected files (collectstatic into PLATFORM_STATIC_ROOT); development uses the finders.
STATIC_ROOT = _env("PLATFORM_STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGE_ROOT = Path(_env("PLATFORM_STORAGE_ROOT", str(PROJECT_ROOT / "var" / "storage")))
# Private files (ID photos, documents) are never at a public URL: signed download links live this long.
DOWNLOAD_LINK_MAX_AGE_SECONDS = _env_int("PLATFORM_DOWNLOAD_LINK_MAX_AGE", 300)
# storage_sweep removes unreferenced files only when older than this (uploads in flight are younger).
STORAGE_SWEEP_MIN_AGE_SECONDS = _env_int("PLATFORM_STORAGE_SWEEP_MIN_AGE", 3600)
# 公示期: a passed exam's score is published this many days before the certificate can be applied for.
CERTIFICATE_PUBLICITY_DAYS = _env_int("PLATFORM_CERTIFICATE_PUBLICITY_DAYS", 7)
# Driver qualification fees (seed 002): the payment provider behind the QR code, and the sandbox provider's
# callback signing key (HMAC-SHA256; defaults to one derived from SECRET_KEY).
DRIVER_PAYMENT_PROVIDER = _env("PLATFORM_DRIVER_PAYMENT_PROVIDER") or "sandbox"
DRIVER_SANDBOX_PAYMENT_KEY = _env("PLATFORM_DRIVER_SANDBOX_PAYMENT_KEY") or ""
# The version of the service agreement and privacy policy (《政务交通用户服务协议》) a registration accepts.
DRIVER_CONSENT_VERSION = _env("PLATFORM_DRIVER_CONSENT_VERSION") or "2021-03"
# National regulators (issue 11): a request waiting longer than this (exam registrations: past their plan's
# review deadline) counts as overdue in the national service-level view and statistics.
PLATFORM_REVIEW_SLA_DAYS = _env_int("PLATFORM_REVIEW_SLA_DAYS", 20)
# How often the national dashboard subscription re-reads its counters (it sends only changes).
NATIONAL_DASHBOARD_INTERVAL_SECONDS = float(_env("PLATFORM_NATIONAL_DASHBOARD_INTERVAL", "2"))

AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []  # the domain's own rules live in accounts.validators

# GraphQL hardening. Production: no introspection, no IDE, no field suggestions, unexpected errors masked.
GRAPHQL_IDE = _env_bool("PLATFORM_GRAPHQL_IDE", not PRODUCTION)
GRAPHQL_INTROSPECTION = _env_bool("PLATFORM_GRAPHQL_INTROSPECTION", not PRODUCTION)
GRAPHQL_FIELD_SUGGESTIONS = _env_bool("PLATFORM_GRAPHQL_FIELD_SUGGESTIONS", not PRODUCTION)
GRAPHQL_MASK_ERRORS = _env_bool("PLATFORM_GRAPHQL_MASK_ERRORS", PRODUCTION)
GRAPHQL_MAX_DEPTH = _env_int("PLATFORM_GRAPHQL_MAX_DEPTH", 12)
GRAPHQL_MAX_ALIASES = _env_int("PLATFORM_GRAPHQL_MAX_ALIASES", 30)
GRAPHQL_MAX_TOKENS = _env_int("PLATFORM_GRAPHQL_MAX_TOKENS", 4000)
GRAPHQL_MAX_BATCH = _env_int("PLATFORM_GRAPHQL_MAX_BATCH", 10)
GRAPHQL_WS_INIT_TIMEOUT_SECONDS = float(_env("PLATFORM_WS_INIT_TIMEOUT", "3"))
GRAPHQL_WS_MAX_SUBSCRIPTIONS = _env_int("PLATFORM_WS_MAX_SUBSCRIPTIONS", 20)
# Live seat counts: at most one update per session per this many seconds under a booking storm.
SEAT_EVENT_INTERVAL_SECONDS = float(_env("PLATFORM_SEAT_EVENT_INTERVAL", "0.2"))
GRAPHQL_WS_ALLOWED_ORIGINS = [o.strip() for o in _env("PLATFORM_WS_ALLOWED_ORIGINS").split(",") if o.strip()]
# Portals allowed to frame the seat board (CSP frame-ancestors), e.g. https://jtyst.yn.gov.cn; none: same origin.
EMBED_ALLOWED_ORIGINS = [o.strip() for o in _env("PLATFORM_EMBED_ALLOWED_ORIGINS").split(",") if o.strip()]
MAX_REQUEST_BODY_BYTES = _env_int("PLATFORM_MAX_REQUEST_BODY_BYTES", 4 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# Accounts: how verification codes travel (console | email | outbox | dotted path of a sender class),
# which proxies may set X-Forwarded-For, and the brute-force / rate limits (see README, "Accounts").
PLATFORM_MESSAGE_SENDER = _env("PLATFORM_MESSAGE_SENDER", "console")
PLATFORM_TRUSTED_PROXIES = [p.strip() for p in _env("PLATFORM_TRUSTED_PROXIES").split(",") if p.strip()]
PLATFORM_LOGIN_MAX_FAILURES = _env_int("PLATFORM_LOGIN_MAX_FAILURES", 5)
PLATFORM_LOGIN_ADDRESS_MAX_FAILURES = _env_int("PLATFORM_LOGIN_ADDRESS_MAX_FAILURES", 20)
PLATFORM_LOGIN_LOCK_MINUTES = _env_int("PLATFORM_LOGIN_LOCK_MINUTES", 15)
PLATFORM_CODES_PER_DESTINATION_PER_HOUR = _env_int("PLATFORM_CODES_PER_DESTINATION_PER_HOUR", 5)
PLATFORM_CODES_PER_ADDRESS_PER_HOUR = _env_int("PLATFORM_CODES_PER_ADDRESS_PER_HOUR", 20)
DEFAULT_FROM_EMAIL = _env("PLATFORM_EMAIL_FROM", "noreply@localhost")
EMAIL_HOST = _env("PLATFORM_EMAIL_HOST", "localhost")
EMAIL_PORT = _env_int("PLATFORM_EMAIL_PORT", 25)
EMAIL_HOST_USER = _env("PLATFORM_EMAIL_USER")
EMAIL_HOST_PASSWORD = _env("PLATFORM_EMAIL_PASSWORD")
EMAIL_USE_TLS = _env_bool("PLATFORM_EMAIL_USE_TLS", False)

SERVER_HOST = _env("PLATFORM_HOST", "127.0.0.1")
SERVER_PORT = _env_int("PLATFORM_PORT", 8000)

# Hardening (issue 17): expensive operations per HTTP request (all aliases and batched operations together)
# and per account; upload quotas per account; the test-only captcha answer.
PLATFORM_PASSWORD_CHECKS_PER_REQUEST = _env_int("PLATFORM_PASSWORD_CHECKS_PER_REQUEST", 1)
PLATFORM_PDFS_PER_REQUEST = _env_int("PLATFORM_PDFS_PER_REQUEST", 2)
PLATFORM_PDFS_PER_ACCOUNT_PER_10_MINUTES = _env_int("PLATFORM_PDFS_PER_ACCOUNT_PER_10_MINUTES", 30)
PLATFORM_UPLOADS_PER_ACCOUNT_PER_DAY = _env_int("PLATFORM_UPLOADS_PER_ACCOUNT_PER_DAY", 40)
PLATFORM_UPLOAD_BYTES_PER_ACCOUNT_PER_DAY = _env_int("PLATFORM_UPLOAD_BYTES_PER_ACCOUNT_PER_DAY", 10 * 1024 * 1024)
PLATFORM_DOCUMENT_GRACE_HOURS = _env_int("PLATFORM_DOCUMENT_GRACE_HOURS", 48)
PLATFORM_REGISTER_PER_ADDRESS_PER_HOUR = _env_int("PLATFORM_REGISTER_PER_ADDRESS_PER_HOUR", 30)
PLATFORM_RECOVERY_PER_ADDRESS_PER_HOUR = _env_int("PLATFORM_RECOVERY_PER_ADDRESS_PER_HOUR", 20)
# Portals' own integration tests log in with this captcha answer. Test-only: refused in production.
CAPTCHA_TEST_ANSWER = _env("PLATFORM_CAPTCHA_TEST_ANSWER")
if CAPTCHA_TEST_ANSWER and PRODUCTION:
    raise RuntimeError("PLATFORM_CAPTCHA_TEST_ANSWER is a test-only setting and must not be set in production")

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _env("PLATFORM_LOG_LEVEL", "INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}, "django.db.backends": {"level": "INFO"}},
}
