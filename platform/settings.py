"""Django settings for Nuandong, read from the environment with safe production defaults."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from nuandong.queues import all_queues

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NUANDONG_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-for-debug"
    else:
        raise ImproperlyConfigured("SECRET_KEY is not set (the `nuandong` launcher sets one for development).")

BASE_DOMAIN = os.environ.get("NUANDONG_BASE_DOMAIN", "localhost")
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}"] + [
    h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h
]
# One login works across the district site and its street subdomains: the session cookie is
# set for the base domain. Browsers refuse Domain=localhost, so development keeps host-only
# cookies there and the login page carries the user on (see tenants/views.py).
_cookie_domain = os.environ.get("SESSION_COOKIE_DOMAIN") or (None if BASE_DOMAIN == "localhost" else BASE_DOMAIN)
SESSION_COOKIE_DOMAIN = _cookie_domain
CSRF_COOKIE_DOMAIN = _cookie_domain
SECURE = env_bool("NUANDONG_SECURE", not DEBUG and BASE_DOMAIN != "localhost")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
# Health probes of load balancers and containers speak plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
_scheme = "https" if SECURE else "http"
CSRF_TRUSTED_ORIGINS = [f"{_scheme}://{BASE_DOMAIN}", f"{_scheme}://*.{BASE_DOMAIN}"] + [
    o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
# Production = not DEBUG and a real domain: refuses weak keys and requires the separate ID keys
# (nuandong/keys.py, docs/security.md).
PRODUCTION = not DEBUG and BASE_DOMAIN != "localhost"
# An audit action missing from core/audit/actions.py raises in development and tests, is logged in production.
NUANDONG_AUDIT_STRICT = os.environ.get("NUANDONG_AUDIT_STRICT", "0" if PRODUCTION else "1") == "1"
if BASE_DOMAIN == "localhost":
    CSRF_TRUSTED_ORIGINS += ["http://localhost:8000", "http://*.localhost:8000"]

# --- apps -------------------------------------------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "nuandong.apps.PlatformConfig",  # bootstraps the Celery app (platform/apps.py)
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
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
    "axes",
    "csp",
    "core.audit",
    "core.once",
    "core.ui",
    "core.notifications",
    "core.jobs",
    "core.events",
    "core.integrations",
    "core.campaigns",
    "core.reliefpolicy",
    "core.rollup",
    "api",
    "reports",
    # front doors and composers without tables (docs/architecture.md)
    "district",
    "home",
    "demo",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "core.audit",
    "core.once",
    "core.org",
    "core.deadlines",
    "core.registry",
    "core.inspections",
    "core.requests",
    "core.rectification",
    "reports",
    "core.relief",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.StreetOffice"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New street offices are cloned from this template schema, kept migrated by `nuandong setup`
# (docs/adr/0003-tenant-creation-by-cloning.md).
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
PUBLIC_SCHEMA_URLCONF = "nuandong.urls_public"
ROOT_URLCONF = "nuandong.urls_tenant"
AUTH_USER_MODEL = "tenants.User"

MIDDLEWARE = [
    "nuandong.middleware.RequestIdMiddleware",
    # /healthz answers before tenant routing (which needs the database): nuandong/outage.py
    "nuandong.outage.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Above WhiteNoise so stylesheets are compressed too when no pre-compressed copy exists (a
    # phone on a weak signal pays for every byte); WhiteNoise's own .gz/.br copies pass untouched.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "nuandong.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "nuandong.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "nuandong.middleware.MembershipMiddleware",
    "nuandong.request_guard.UnstorableInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: login protection (django-axes) answers locked-out sign-ins (nuandong/login_guard.py).
    "axes.middleware.AxesMiddleware",
    # Last: runs a POST form's view inside the claim of its one-time token (core/ui/once.py).
    "core.ui.once.FormOnceMiddleware",
]

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
                "core.ui.context.navigation",
            ],
            # {% csrf_token %} also writes the one-time form token (core/ui/templatetags/once_csrf.py).
            "builtins": ["core.ui.templatetags.once_csrf"],
        },
    }
]
WSGI_APPLICATION = "nuandong.wsgi.application"

# --- database and broker ----------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    from nuandong.embedded import embedded_postgres_url

    DATABASE_URL = embedded_postgres_url(VAR_DIR)
# Persistent connections (a new PostgreSQL connection costs ~11 ms under load) and a backend that
# sends `SET search_path` only when the session's path differs from the street office's
# (docs/adr/0015-search-path-and-connections.md). NUANDONG_DB_ENGINE / NUANDONG_CONN_MAX_AGE exist
# so the visit-load benchmark can run django-tenants' own backend without persistence side by side.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(os.environ.get("NUANDONG_CONN_MAX_AGE", "300")), conn_health_checks=True
    )
}
DATABASES["default"]["ENGINE"] = os.environ.get("NUANDONG_DB_ENGINE", "nuandong.db_backend")
if os.environ.get("NUANDONG_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["NUANDONG_TEST_DB_NAME"]}
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if not REDIS_URL:
    from nuandong.embedded import embedded_redis_url

    REDIS_URL = embedded_redis_url(VAR_DIR)

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("NUANDONG_CELERY_QUEUE", "celery")
# Separate queues for imports, reports and the minute scanner (platform/queues.py); a worker started
# without -Q consumes them all.
CELERY_TASK_QUEUES = [Queue(name) for name in all_queues(CELERY_TASK_DEFAULT_QUEUE)]
CELERY_TASK_ROUTES = ["nuandong.queues.route_task"]
# Fail fast on a dead broker: a page hands work over after its commit and must not wait 19 s
# (durable jobs wait in the database; core/jobs).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 10, "max_retries": 1}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 10
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BEAT_SCHEDULE: dict = {
    # The clock scanner (due soon / overdue / escalation) and the notification outbox safety net.
    "deadlines-scan": {"task": "deadlines.scan", "schedule": 60.0},
    "notifications-dispatch": {"task": "notifications.outbox_dispatch", "schedule": 60.0},
    # Expired web form tokens and API Idempotency-Keys (core/once).
    "once-purge": {"task": "once.purge_expired", "schedule": 3600.0},
    "login-handoffs-purge": {"task": "tenants.login_handoffs_purge", "schedule": 24 * 3600.0},
    "relief-daily": {"task": "relief.daily", "schedule": 3600.0},
    # Submission slots (报送) of the report periods that have begun; pages never create them.
    "reports-submission-slots": {"task": "reports.submission_slots", "schedule": 3600.0},
    # Durable jobs (core/jobs): send what waited for the broker, resume what a dead worker left.
    "jobs-sweep": {"task": "jobs.sweep", "schedule": 60.0},
    # Domain events (core/events): deliver what a lost message or a failing consumer left pending.
    "events-sweep": {"task": "events.sweep", "schedule": 60.0},
    "roster-files-purge": {"task": "registry.roster_files_purge", "schedule": 3600.0},
    # The district rollup, rebuilt nightly (core/rollup; between changes it is refreshed per street).
    "rollup-rebuild": {"task": "rollup.rebuild", "schedule": crontab(hour=2, minute=30)},
    # Webhook deliveries due (new ones the broker never got, retries after backoff): core/integrations.
    "webhooks-dispatch": {"task": "integrations.webhooks_dispatch", "schedule": 60.0},
}
CELERY_TIMEZONE = "Asia/Shanghai"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- auth -------------------------------------------------------------------------------
# Argon2id first (Django's recommendation); older hashes still verify and are re-hashed on login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "core" / "ui" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("NUANDONG_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Nuandong 暖冬 API",
    "DESCRIPTION": "REST API of the winter relief campaign platform. Authenticate with "
    "`POST /api/v1/auth/token/` and send `Authorization: Token <token>`, or use an integration's API key "
    "(`Authorization: Api-Key <prefix>.<secret>`, made on the 接口与推送 page; narrowed to its scopes). "
    "Street-office endpoints "
    "live on the street's own domain; district endpoints on the district domain.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Error responses and request-body examples on every operation (api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.postprocess",
    ],
    # Choice sets that share a field name ("kind", "status") get explicit, stable names.
    "ENUM_NAME_OVERRIDES": {
        "SupportStatusEnum": "core.registry.models.Person.SupportStatus",
        "CommunityKindEnum": "core.org.models.Community.Kind",
        "VisitKindEnum": "core.inspections.models.Visit.Kind",
        "NeedStatusEnum": "core.inspections.models.Need.Status",
        "ProblemStatusEnum": "core.inspections.models.Problem.Status",
        "RosterImportStatusEnum": "core.registry.models.RosterImport.Status",
        "DurationUnitEnum": "core.campaigns.models.UNIT_CHOICES",
        "RequestStatusEnum": "core.requests.models.RequestStatus",
        "RectificationStatusEnum": "core.rectification.models.RectificationStatus",
        "ClockStateEnum": "core.deadlines.models.ClockState",
        "CalendarDayKindEnum": "core.campaigns.models.CalendarDay.Kind",
        "DeliverableKindEnum": "core.campaigns.models.Deliverable.Kind",
        "ReliefCaseKindEnum": "core.relief.models.CaseKind",
        "ReliefCaseStatusEnum": "core.relief.models.CaseStatus",
        "ReliefEvidenceKindEnum": "core.relief.models.EvidenceKind",
        "StockMovementKindEnum": "core.relief.models.MovementKind",
        "ReliefPaymentStatusEnum": "core.relief.models.Payment.Status",
    },
    # Swagger UI assets are served from our own static files: street offices' networks may not
    # reach a public CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- personal data keys ---------------------------------------------------------------
# Resident ID numbers are encrypted (Fernet) and looked up by keyed hash (HMAC-SHA256), each with
# its own key, never SECRET_KEY. Old encryption keys (comma-separated) still decrypt until
# `nuandong id_keys rotate` has re-encrypted everything (docs/security.md).
NUANDONG_ID_ENCRYPTION_KEY = os.environ.get("NUANDONG_ID_ENCRYPTION_KEY", "")
NUANDONG_ID_ENCRYPTION_OLD_KEYS = [k for k in os.environ.get("NUANDONG_ID_ENCRYPTION_OLD_KEYS", "").split(",") if k]
NUANDONG_ID_HASH_KEY = os.environ.get("NUANDONG_ID_HASH_KEY", "")
# The campaign's full-inspection phase (实施步骤 2), local dates, inclusive; read only through

# Notification channels besides the in-app inbox; SMS provider (the default only logs).
NUANDONG_NOTIFY_CHANNELS = [c for c in os.environ.get("NUANDONG_NOTIFY_CHANNELS", "email,sms").split(",") if c]
# Development prints messages (console / log); production sends them (SMTP, a configured SMS
# provider) or, without a provider, drops SMS with a count only — never prints names, texts or mobiles.
NUANDONG_SMS_BACKEND = os.environ.get(
    "NUANDONG_SMS_BACKEND",
    "core.notifications.channels.DisabledSmsBackend" if PRODUCTION else "core.notifications.channels.LoggingSmsBackend",
)

# Webhooks (core/integrations/webhooks.py): receivers must be public addresses (SSRF) except these
# networks — none in production, loopback in development and tests (where the test receiver listens).
NUANDONG_WEBHOOK_ALLOWED_NETWORKS = [
    n.strip() for n in os.environ.get(
        "NUANDONG_WEBHOOK_ALLOWED_NETWORKS", "" if PRODUCTION else "127.0.0.0/8,::1/128"
    ).split(",") if n.strip()
]
NUANDONG_WEBHOOK_TIMEOUT_S = float(os.environ.get("NUANDONG_WEBHOOK_TIMEOUT_S", "10"))

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "nuandong@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"quiet_forbidden": {"()": "nuandong.log_filters.QuietForbidden"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["quiet_forbidden"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"}},
}

# --- protection (docs/security.md) ------------------------------------------------------
from nuandong.security_settings import *  # noqa: E402,F403 - CSP, login protection, key checks
