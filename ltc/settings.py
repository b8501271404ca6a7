"""Settings for LTC, read from the environment.

Defaults give an embedded, single-machine setup (SQLite in ./var/). Production sets
DATABASE_URL, LTC_SECRET_KEY, LTC_ALLOWED_HOSTS and LTC_HTTPS=1; see docs/deploy.md.
"""

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("LTC_VAR_DIR", BASE_DIR.parent / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use LTC_SECRET_KEY, or a key generated once and kept in ./var for local installs."""
    if key := os.environ.get("LTC_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("LTC_DEBUG")
ALLOWED_HOSTS = os.environ.get("LTC_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("LTC_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "template_partials",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # its static Swagger UI files: the API docs work without a CDN
    "ltc.core",
    "ltc.org",
    "ltc.customers",
    "ltc.leads",
    "ltc.catalog",
    "ltc.opportunities",
    "ltc.quotes",
    "ltc.contracts",
    "ltc.billing",
    "ltc.marketing",
    "ltc.service",
    "ltc.process",
    "ltc.api",
    "ltc.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ltc.org.middleware.UserLanguageMiddleware",
    "ltc.web.middleware.AmountDisplayMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "ltc.core.middleware.ApiBodyLimitMiddleware",
    "ltc.core.middleware.QueryTextMiddleware",
    "ltc.core.idempotency.IdempotencyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ltc.urls"
WSGI_APPLICATION = "ltc.wsgi.application"

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
                "ltc.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'ltc.sqlite3'}",
        conn_max_age=int(os.environ.get("LTC_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer commits; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "ltc.org.backends.UsernameOrEmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Login attempts: five failures per username and address lock that pair for 15 minutes.
AXES_ENABLED = _env_bool("LTC_AXES_ENABLED", True)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "ltc.org.backends.lockout_key"  # count per account, whatever spelling was typed
AXES_CLIENT_IP_CALLABLE = "ltc.core.net.client_address"
# Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed.
LTC_TRUSTED_PROXIES = [
    str(ipaddress.ip_network(p.strip(), strict=False))
    for p in os.environ.get("LTC_TRUSTED_PROXIES", "").split(",")
    if p.strip()
]
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
AXES_RESET_ON_SUCCESS = True

FORMAT_MODULE_PATH = ["ltc.formats"]
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("LTC_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "web" / "vendor"] if (BASE_DIR / "web" / "vendor").exists() else []
STORAGES: dict[str, dict[str, object]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
if os.environ.get("LTC_STORAGE", "").lower() == "s3":
    # Several app servers share their files in S3-compatible object storage (docs/deploy.md).
    # Private objects, no signed URLs: every file is streamed through an access-checked view.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["LTC_S3_BUCKET"],
            "endpoint_url": os.environ.get("LTC_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("LTC_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("LTC_S3_SECRET_KEY") or None,
            "region_name": os.environ.get("LTC_S3_REGION") or None,
            "default_acl": "private",
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }

TASKS = {
    "default": {
        "BACKEND": os.environ.get("LTC_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
if redis_url := os.environ.get("LTC_REDIS_URL"):
    # Scale-out: several workers share one Redis queue (pip install 'ltc[redis]', run `ltc worker`).
    TASKS["default"] = {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
    RQ_QUEUES = {"default": {"URL": redis_url}}
    INSTALLED_APPS.append("django_tasks_rq")

EMAIL_BACKEND = os.environ.get("LTC_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("LTC_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("LTC_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("LTC_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("LTC_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("LTC_EMAIL_USE_TLS")
# A mail server that does not answer must not hold a worker for long (core.mail claims for 2 minutes).
EMAIL_TIMEOUT = int(os.environ.get("LTC_EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("LTC_FROM_EMAIL", "ltc@localhost")
# The site's public address: every absolute link (e-mails, the customer's quote links, web form
# snippets) is built on it, never on a request's host. `check --deploy` warns while it is local.
LTC_BASE_URL = os.environ.get("LTC_BASE_URL", "http://localhost:8000").rstrip("/")

LTC_DEFAULT_CURRENCY = "CNY"
LTC_IDEMPOTENCY_TTL = timedelta(hours=24)
# Issued invoices are announced to their AR and finance this many days before they fall due.
LTC_INVOICE_DUE_NOTICE_DAYS = int(os.environ.get("LTC_INVOICE_DUE_NOTICE_DAYS", "3"))
# Warranties and service contracts ending within this many days get a renewal deal (ltc.service).
LTC_RENEWAL_DAYS = int(os.environ.get("LTC_RENEWAL_DAYS", "90"))
# Case e-mail (ltc.service): the address customers write to (replies thread by service+<key>@…),
# and the shared secret the mail server's forwarder sends to /api/v1/service/inbound-email
# (empty: the endpoint refuses everything). The largest raw mail taken.
LTC_SERVICE_EMAIL = os.environ.get("LTC_SERVICE_EMAIL", "service@ltc.example")
LTC_INBOUND_EMAIL_SECRET = os.environ.get("LTC_INBOUND_EMAIL_SECRET", "")
LTC_INBOUND_EMAIL_MAX_BYTES = int(os.environ.get("LTC_INBOUND_EMAIL_MAX_MB", "10")) * 1024 * 1024
# A background job whose worker sent no sign of life for this long is taken back and queued again.
LTC_JOB_LEASE = timedelta(seconds=int(os.environ.get("LTC_JOB_LEASE_SECONDS", "300")))
# The largest request body taken at all (the largest upload: documents of a deal, 50 MB, plus
# the form around it); a JSON body is held to DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
LTC_MAX_REQUEST_BYTES = 51 * 1024 * 1024
# The largest file attached to a record (ltc.core.attachments).
LTC_ATTACHMENT_MAX_BYTES = int(os.environ.get("LTC_ATTACHMENT_MAX_MB", "25")) * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Scripts come from this site only (no inline script, no eval: pages declare behaviour with data
# attributes read by web/ltc.js); styles also inline, for the document previews and style
# attributes; nothing may frame the pages.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if _env_bool("LTC_HTTPS"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LTC_LOG_LEVEL", "WARNING")},
}
