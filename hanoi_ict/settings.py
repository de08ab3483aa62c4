"""Settings of the portal, all from the environment (see README.md, "Configuration").

A wrong or missing value stops the process with one sentence that names the variable, not a
traceback: ``SystemExit`` is what Django's command runner and gunicorn print plainly.
"""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def _fail(message: str) -> None:
    raise SystemExit(f"Cấu hình sai / configuration error: {message}")


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    _fail(f"{name} must be true or false, not {raw!r}.")
    return default


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        _fail(f"{name} must be a whole number of at least {minimum}, not {raw!r}.")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


if sys.version_info < (3, 12):
    _fail(
        f"Python {sys.version_info.major}.{sys.version_info.minor} is not supported; "
        "the portal needs Python 3.12 or newer."
    )

DEBUG = env_bool("DEBUG", default=False)
# The test suite runs with production-like settings (DEBUG off) and needs no secrets.
TESTING = "pytest" in sys.modules or env_bool("TESTING")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        _fail("SECRET_KEY is not set; set it to a long random string (or set DEBUG=true locally).")
    SECRET_KEY = "insecure-key-for-development-and-tests-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
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
    "import_export",
    "django_htmx",
    "django_tasks_db",
    "axes",
    "assessments",
    "rankings",
    "awards",
    # Last: its ready() connects the security and audit log receivers to the apps' models.
    "hanoi_ict.apps.PortalConfig",
]

# The security headers come first, so every answer carries them: static files (whitenoise),
# cached public pages, error pages, the 503 of an unreachable database, the API. Only the HEAD
# handling is outside them: it makes no answer of its own, and empties every HEAD answer's body.
MIDDLEWARE = [
    "hanoi_ict.middleware.HeadWithoutBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "hanoi_ict.middleware.InlinePdfMiddleware",
    "hanoi_ict.middleware.DatabaseUnavailableMiddleware",
    "hanoi_ict.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hanoi_ict.middleware.RefusedAccessLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "assessments.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hanoi_ict.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a blocked login into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hanoi_ict.urls"
WSGI_APPLICATION = "hanoi_ict.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "assessments.context_processors.workspace",
            ],
        },
    },
]

_default_database_url = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
_database_url = os.environ.get("DATABASE_URL") or _default_database_url
try:
    _database = dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
except ValueError as exc:
    _fail(f"DATABASE_URL is malformed ({exc}); expected e.g. postgres://user@host:5432/name.")
if not _database.get("ENGINE") or not _database.get("NAME"):
    _fail("DATABASE_URL is malformed: it names no database; e.g. postgres://user@host:5432/name.")
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server, the task worker and tests share the file;
    # connections persist (CONN_MAX_AGE) so each request does not reopen the file and its pragmas.
    _database["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif _database["ENGINE"] == "django.db.backends.postgresql":
    # While the server is unreachable, fail within seconds (the 503 page) rather than hold a
    # worker until gunicorn kills it; a value in DATABASE_URL (?connect_timeout=) wins.
    _database.setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )
DATABASES = {"default": _database}

# Rendered public pages are kept here (rankings/public.py), keyed by the published versions, so a
# new publication never serves a stale page. Per process; a shared cache (e.g. Redis) fits too.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "hanoi-ict-public-pages",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}
# Keep rendered public pages in that cache (rankings/public.py); off, every request renders.
PUBLIC_PAGE_CACHE = env_bool("PUBLIC_PAGE_CACHE", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work (certificate batches): the django-tasks-db queue, run by `manage.py db_worker`
# (started by `make run`); in tests tasks run at once, in-process.
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "assessments:dashboard"
LOGOUT_REDIRECT_URL = "rankings:home"

# Login protection (django-axes): 10 failed logins for one username, or from one address, block
# further logins of that username / from that address until 15 minutes after the last failure
# counted; the portal's login, the admin's and the API's token login alike. A success does not
# wipe the count (it would let one valid account reset its address's count), and failures while
# blocked do not extend the block, so the page can say when it ends.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "hanoi_ict.middleware.lockout_response"
AXES_CLIENT_IP_CALLABLE = "hanoi_ict.logging.client_address"
AXES_VERBOSE = False
# How many reverse proxies in front of the portal append to X-Forwarded-For (nginx:
# ``proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;``). The client address is read
# that many entries from the right; 0 trusts REMOTE_ADDR only. Production runs behind one proxy
# (SECURE_PROXY_SSL_HEADER trusts it already), development and tests behind none.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0 if DEBUG or TESTING else 1)

# A session idle this long is over (hanoi_ict.middleware.IdleSessionMiddleware pushes the expiry
# back while the user works). Cookies are out of reach of scripts; Secure outside development.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Forms and htmx take the token from the page ({% csrf_token %}, hx-headers), never the cookie.
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Security headers on every answer (SecurityMiddleware, XFrameOptionsMiddleware, Django's CSP).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere: every script is a file of the portal's own. Styles too, except
# those carrying the request's nonce (the Django admin's one inline <style>); pages that carry a
# nonce are never public, so no cached page holds a stale one. PDFs shown in the browser get
# their own policy (hanoi_ict.middleware.InlinePdfMiddleware).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Evidence and certificates are private: MEDIA_ROOT is never served under a public URL.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "hanoi_ict.storage.StaticStorage"
        )
    },
}

_mail_backend = os.environ.get(
    "MAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_mail_options: dict[str, object] = {}
if _mail_backend.endswith("smtp.EmailBackend"):
    _mail_options = {
        "host": os.environ.get("MAIL_HOST", "localhost"),
        "port": int(os.environ.get("MAIL_PORT", "25")),
        "username": os.environ.get("MAIL_USER", ""),
        "password": os.environ.get("MAIL_PASSWORD", ""),
        "use_tls": env_bool("MAIL_USE_TLS"),
    }
MAILERS = {"default": {"BACKEND": _mail_backend, "OPTIONS": _mail_options}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cntt-xephang@hanoi.gov.vn")

REST_FRAMEWORK = {
    # Token first: a request with neither answers 401 (with WWW-Authenticate), not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON only; the interactive documentation is /api/v1/docs/ (Swagger UI).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "hanoi_ict.api_parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Every error in one shape: {"detail", "code", "errors"?} (assessments/api/common.py).
    "EXCEPTION_HANDLER": "assessments.api.common.exception_handler",
    # Obtaining a token (/api/v1/auth/token/) is throttled per client address.
    "DEFAULT_THROTTLE_RATES": {"api-auth": "10/minute"},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Hanoi IT application ranking — API",
    "DESCRIPTION": (
        "Published results of the yearly evaluation of IT application in Hanoi's state agencies, "
        "and the officers' and reviewers' work, scoped exactly as on the portal's pages."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The interactive documentation's scripts are served by the portal (whitenoise), not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request and response bodies as separate components (file uploads, read-only fields).
    "COMPONENT_SPLIT_REQUEST": True,
}

# The public address of the portal: certificates' QR codes point at PORTAL_BASE_URL/verify/<code>.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# Evidence uploads may not exceed this many bytes.
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))

# Imported CSV/XLSX files (assessments/spreadsheets.py): size, rows, .xlsx unpacked size.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000, minimum=1)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 50 * 1024 * 1024, minimum=1)

# Logs: one JSON object a line, UTC timestamps (hanoi_ict/logging.py), on stderr and, with
# LOG_FILE, appended to that file too (reopened when logrotate moves it). Security and audit
# events are written whatever LOG_LEVEL says.
LOG_FILE = os.environ.get("LOG_FILE", "")
if LOG_FILE and not Path(LOG_FILE).parent.is_dir():
    _fail(f"LOG_FILE is in a folder that does not exist: {Path(LOG_FILE).parent}.")
_log_handlers: dict[str, dict[str, object]] = {
    "console": {"class": "logging.StreamHandler", "formatter": "json"},
}
if LOG_FILE:
    _log_handlers["file"] = {
        "class": "logging.handlers.WatchedFileHandler",
        "filename": LOG_FILE,
        "encoding": "utf-8",
        "formatter": "json",
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "hanoi_ict.logging.JsonFormatter"}},
    "handlers": _log_handlers,
    "root": {"handlers": list(_log_handlers), "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "hanoi_ict.security": {"level": "INFO"},
        "hanoi_ict.audit": {"level": "INFO"},
        "hanoi_ict.database": {"level": "INFO"},
        "django.security": {"level": "INFO"},
        # django-axes' own lines repeat hanoi_ict.security's, with the names masked.
        "axes": {"level": "ERROR"},
    },
}

if not (DEBUG or TESTING):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
