"""Settings for dealreg, read from the environment (see .env.example).

SQLite is the embedded default so that a fresh checkout runs with one command;
production sets DATABASE_URL to PostgreSQL.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A developer's own .env, if any; real deployments set the environment itself.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see .env.example).")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
if not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY is too short for production: use at least 50 random characters "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
# Where the reviewers' admin lives; another path keeps it out of drive-by scans.
ADMIN_URL = env.str("ADMIN_URL", default="admin/").strip("/") + "/"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Before portal: portal.admin takes django-otp's device admins out again.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portal",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    "ninja",  # its docs page's assets, served here
]
# Benchmark and scale-seeding commands (`bench`, `seed_scale`): tooling, not the product.
# On by default so that a checkout can measure itself; a deployment may leave them out.
if env.bool("BENCH_TOOLS", default=True):
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.replica.PinAfterWriteMiddleware",
    "portal.middleware.NoStoreWhenLoggedInMiddleware",
    "portal.middleware.LazyOTPMiddleware",
    "portal.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.UserLanguageMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dealreg.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.branding",
            ],
        },
    },
]

# The vendor's name and logo in the navigation bar and the page titles (a URL, or a path
# under STATIC_URL's files); empty: "Partner Portal" and a neutral mark.
VENDOR_NAME = env.str("VENDOR_NAME", default="")
VENDOR_LOGO_URL = env.str("VENDOR_LOGO_URL", default="")

WSGI_APPLICATION = "dealreg.wsgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections, checked before reuse so that a restarted server
    # costs one failed check, not a failed request.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a concurrent writer rather than fail with "database is locked"; in WAL mode
    # readers (an export, a list) and the one writer no longer block each other, and
    # synchronous=NORMAL is WAL's durable-on-checkpoint setting (a commit is not an fsync).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )

# An optional read replica of the primary (PostgreSQL streaming replication): lists,
# exports and dashboards read from it, everything else and every write from the primary,
# and so do the reads of a user for REPLICA_PIN_SECONDS after they changed something
# (longer than the replica's usual lag). See portal/replica.py.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    DATABASES["replica"].update(
        CONN_MAX_AGE=DATABASES["default"].get("CONN_MAX_AGE", 0),
        CONN_HEALTH_CHECKS=DATABASES["default"].get("CONN_HEALTH_CHECKS", False),
        TEST={"MIRROR": "default"},  # tests read the primary's test database through it
    )
DATABASE_ROUTERS = ["portal.replica.Router"]
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=10)

# One process keeps its cache in local memory (the embedded default needs nothing else);
# several app nodes share Redis through Django's cache framework (CACHE_URL=
# redis://127.0.0.1:6379/1) and keep the sessions there too, written through to the
# database, so that any node serves any user and a Redis restart logs nobody out.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"
# ModelBackend that loads the user with their organisation and reviewer flag (one query).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pl", _("Polish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Warsaw")
# One date format per language (dealreg/formats): 15 Mar 2027 in English, 15.03.2027 in Polish.
FORMAT_MODULE_PATH = ["dealreg.formats"]
USE_I18N = True
USE_TZ = True

# Files the portal writes (background exports); never served directly, only through views
# that check who asks. Shared by the app nodes and the task worker.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Deal attachments: the largest file, and the kinds accepted (checked from the bytes).
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_KINDS = env.list(
    "ATTACHMENT_KINDS",
    default=[
        "pdf",
        "png",
        "jpeg",
        "gif",
        "docx",
        "xlsx",
        "pptx",
        "odt",
        "ods",
        "doc",
        "xls",
        "csv",
    ],
)
# An export of more rows than this is written in the background instead of streamed.
EXPORT_STREAM_MAX_ROWS = env.int("EXPORT_STREAM_MAX_ROWS", default=20_000)
RETENTION_EXPORT_DAYS = env.int("RETENTION_EXPORT_DAYS", default=7)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
ATTACHMENT_STORAGE = env.str(
    "ATTACHMENT_STORAGE", default="django.core.files.storage.FileSystemStorage"
)
# Where the files live: the filesystem under MEDIA_ROOT (one machine, or a volume every
# app node and the worker mount), or FILE_STORAGE=s3, an S3-compatible object store
# (django-storages, the `s3` extra) that several nodes share without a shared disk.
# Neither is ever served by URL: views stream the files after their access checks.
FILE_STORAGE = env.str("FILE_STORAGE", default="filesystem")
if FILE_STORAGE == "s3":
    _object_store = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            # Empty: the machine's own credentials (an instance role, the usual AWS_ files).
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "file_overwrite": False,
            "default_acl": None,
        },
    }
    _files = _object_store
    _attachments = {
        **_object_store,
        "OPTIONS": {**_object_store["OPTIONS"], "location": "attachments"},
    }
elif FILE_STORAGE == "filesystem":
    _files = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    # ATTACHMENT_STORAGE names another Django storage backend for attachments alone,
    # configured by that backend's own settings.
    _attachments = {
        "BACKEND": ATTACHMENT_STORAGE,
        "OPTIONS": {"location": os.path.join(MEDIA_ROOT, "attachments")}
        if ATTACHMENT_STORAGE.endswith("FileSystemStorage")
        else {},
    }
else:
    raise ImproperlyConfigured(f"FILE_STORAGE is 'filesystem' or 's3', not {FILE_STORAGE!r}")
STORAGES = {
    # Background exports (`exports/`).
    "default": _files,
    # Deal attachments: outside static and any URL (a view serves them after the deal's
    # access check).
    "attachments": _attachments,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Tests and a DEBUG run serve straight from the finders; production serves
# the collected, hashed files.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Deal Registration <dealreg@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security: secure by default whenever DEBUG is off. A plain-HTTP trial run
# (docker-compose on localhost) turns the HTTPS-only parts off explicitly.
_https = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_https)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_https)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_https)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # One INFO line per task start and end is noise; failures still show.
    "loggers": {"django_tasks": {"level": "WARNING"}},
}

# The vendor's registration rules.
DEAL_VALIDITY_DAYS = env.int("DEAL_VALIDITY_DAYS", default=90)
DEAL_DEFAULT_DISCOUNT_PERCENT = env.float("DEAL_DEFAULT_DISCOUNT_PERCENT", default=10.0)
DEAL_DECISION_BUSINESS_DAYS = env.int("DEAL_DECISION_BUSINESS_DAYS", default=2)
# How many times an approved registration's validity may be extended, and by how much by default.
DEAL_MAX_EXTENSIONS = env.int("DEAL_MAX_EXTENSIONS", default=1)
DEAL_EXTENSION_DAYS = env.int("DEAL_EXTENSION_DAYS", default=DEAL_VALIDITY_DAYS)
# A deal returned to the partner (Action Required) and not answered within this many days
# is withdrawn by `manage.py expire_deals`.
ACTION_REQUIRED_ANSWER_DAYS = env.int("ACTION_REQUIRED_ANSWER_DAYS", default=14)

# Accounts: log in with the username or the e-mail; django-axes first so that a
# locked-out client is refused before any password is checked.
AUTHENTICATION_BACKENDS = [
    "portal.auth.LoginThrottleBackend",
    # Also loads the user's organisation and reviewer flag with the user itself.
    "portal.auth.PortalBackend",
]
# "Remember me" keeps the session this long; without it the session ends with the browser.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=14 * 24 * 3600)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
# Absolute links in e-mails (no request there to take the host from).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Login throttling (django-axes): lock a username from an address after this many failures.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failures and lock-outs are still logged; this only drops the start-up banner and extra detail.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "portal.views.accounts.locked_out"
# Reverse proxies in front of the app: the client address is taken from X-Forwarded-For
# that many hops from the right (portal.netaddr.client_ip), for lock-outs and rate limits.
PROXY_COUNT = env.int("PROXY_COUNT", default=env.int("AXES_PROXY_COUNT", default=0))
AXES_CLIENT_IP_CALLABLE = "portal.netaddr.client_ip"
# The account however its login was typed ("Partner2@…", " partner2@…" are one account).
AXES_USERNAME_CALLABLE = "portal.auth.login_key"

# Retention (manage.py prune_records): how long the login log and task results are kept.
RETENTION_LOGIN_LOG_DAYS = env.int("RETENTION_LOGIN_LOG_DAYS", default=30)
RETENTION_TASK_RESULT_DAYS = env.int("RETENTION_TASK_RESULT_DAYS", default=14)

# Two-factor authentication (django-otp, portal.mfa): required for reviewers on the admin
# unless DEBUG is on (the demo logs in with passwords only).
MFA_REQUIRED_FOR_REVIEWERS = env.bool("MFA_REQUIRED_FOR_REVIEWERS", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Deal Registration")

# Abuse limits (portal.ratelimit): name -> (how many, per how many seconds), counted in the
# database so that every worker and node shares them.
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
RATE_LIMITS = {
    "apply": (env.int("RATE_LIMIT_APPLY_PER_HOUR", default=5), 3600),
    "password_reset_address": (env.int("RATE_LIMIT_RESET_PER_ADDRESS_PER_HOUR", default=3), 3600),
    "password_reset_client": (env.int("RATE_LIMIT_RESET_PER_CLIENT_PER_HOUR", default=10), 3600),
    "login_client": (env.int("RATE_LIMIT_LOGIN_PER_CLIENT_PER_5_MIN", default=30), 300),
    "api_token": (env.int("RATE_LIMIT_API_PER_TOKEN_PER_MINUTE", default=120), 60),
}
# The partner API: the largest request body it reads (a registration is a few KiB).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)
# Webhooks: attempts per delivery (backoff 1 min, 5 min, 30 min, 2 h, 12 h between them),
# failures in a row after which an endpoint is switched off, the time a receiver has to
# answer, and whether a target may be a loopback or private address (never in production).
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
WEBHOOK_DISABLE_AFTER = env.int("WEBHOOK_DISABLE_AFTER", default=15)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=DEBUG)

# Content Security Policy (django-csp 4): no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws its form controls' icons with data: SVGs.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Background work (django-tasks): e-mails are sent from a task so that a slow
# mail server never slows a request. The immediate backend runs the task right
# away in-process; production may set django_tasks_db.DatabaseBackend and run
# `python manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# Reminder sent once when an approved registration's validity ends within this many days.
DEAL_EXPIRY_REMINDER_DAYS = env.int("DEAL_EXPIRY_REMINDER_DAYS", default=14)
