"""Settings for kam, driven by environment variables.

Development works after a clone with no variables at all (SQLite under var/, DEBUG on).
Production is DEBUG=false; then a missing SECRET_KEY or ALLOWED_HOSTS is a loud error
rather than a silent insecure default.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from kam.core.currency import is_currency

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KAM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. In production (DEBUG=false) kam refuses to start without "
            "it: generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'` "
            "and put it in the environment."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG=false.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "kam.core",
    "kam.users",
    "kam.accounts",
    "kam.people",
    "kam.sales",
    "kam.web",
    "kam.value",
    "kam.care",
    "kam.demo",
    "kam.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kam.web.middleware.KamCSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    # Static files are answered here, before the middleware below: they keep their caching.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Needs request.user, and runs before CSRF's check reads the body.
    "kam.web.middleware.BodyLimitMiddleware",
    "kam.web.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees a view's Http404 first (kam's 404 page when DEBUG is on).
    "kam.web.middleware.ErrorPagesMiddleware",
]

ROOT_URLCONF = "kam.urls"
WSGI_APPLICATION = "kam.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kam" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kam.web.navigation.navigation",
            ],
        },
    },
]

SQLITE_PATH = VAR_DIR / "kam.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while an import writes; IMMEDIATE avoids lock upgrades failing.
    # A write waits up to KAM_SQLITE_TIMEOUT seconds for another's lock (an import's final
    # transaction takes a few), then gets kam's "busy, try again" page (503, never a 500):
    # well under gunicorn's 30 s, which would kill the worker mid-request instead.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": float(os.environ.get("KAM_SQLITE_TIMEOUT", "10")),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

AUTH_USER_MODEL = "users.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Signing in: password policy, login throttling (django-axes), two-factor (django-otp) ---
# Kept in one block so that it merges cleanly with the security headers above and below.
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE += [
    "kam.users.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: it turns a lockout into kam's page
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out sign-ins
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# After AXES_FAILURE_LIMIT wrong passwords in a row for one user name from one address, that
# pair is locked for the cool-off; after KAM_USERNAME_FAILURE_LIMIT from any addresses, the
# user name itself is (see kam.users.lockout). A right sign-in clears the count.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
KAM_USERNAME_FAILURE_LIMIT = int(
    os.environ.get("KAM_USERNAME_FAILURE_LIMIT", str(3 * AXES_FAILURE_LIMIT))
)
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "kam.users.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kam.users.lockout.lockout_response"
AXES_VERBOSE = False
# Behind reverse proxies the client's address is read from X-Forwarded-For only when
# KAM_REVERSE_PROXIES says how many there are (nginx in front of kam: 1); a header that does
# not have exactly that shape is ignored, so a client cannot choose its own address.
KAM_REVERSE_PROXIES = int(os.environ.get("KAM_REVERSE_PROXIES", "0"))
if KAM_REVERSE_PROXIES > 0:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_ORDER = "left-most"
    AXES_IPWARE_PROXY_COUNT = KAM_REVERSE_PROXIES - 1
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# Authenticator apps show this name next to the user name.
OTP_TOTP_ISSUER = os.environ.get("KAM_2FA_ISSUER", "kam")
# Staff and superusers must turn on two-factor sign-in before anything else; on by default in
# production.
KAM_REQUIRE_2FA_FOR_ADMINS = env_bool("KAM_REQUIRE_2FA_FOR_ADMINS", not DEBUG)
# --- end of signing in ---

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
# each language named in itself, so a reader of either finds their own in the switch
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "kam" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# The company's currency (ISO 4217): the symbol on every page and workbook; imports in
# another currency are refused (kam converts nothing).
KAM_CURRENCY = os.environ.get("KAM_CURRENCY", "CNY").strip().upper()
if not is_currency(KAM_CURRENCY):
    raise ImproperlyConfigured(
        f"KAM_CURRENCY={KAM_CURRENCY!r} is not an ISO 4217 currency code (CNY, USD, EUR, GBP …)."
    )
# Largest ERP export the import page accepts (bytes); the CLI has no limit.
KAM_IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("KAM_IMPORT_MAX_UPLOAD_BYTES", 200 * 1024 * 1024))
# An Excel/ODS file is a zip: refused before parsing when its parts would unpack to more
# than this in all (default 10 × the upload limit), or when a part of 1 MB or more unpacks
# more than this many times its stored size (real sheets: 5–30 times; the
# memory-exhausting "zip bomb" workbooks: hundreds to thousands). Applies to the CLI too.
KAM_IMPORT_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("KAM_IMPORT_MAX_UNCOMPRESSED_BYTES", 10 * KAM_IMPORT_MAX_UPLOAD_BYTES)
)
KAM_IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("KAM_IMPORT_MAX_COMPRESSION_RATIO", "100"))
# Longest cell an import reads (Excel's own limit); a longer one is refused, row and column named.
KAM_IMPORT_MAX_CELL_CHARS = int(os.environ.get("KAM_IMPORT_MAX_CELL_CHARS", "32767"))
# Uploads never imported (and refused or failed ones) are deleted, file and record, after
# this many days by `kam import cleanup` (schedule it daily; see the admin guide).
KAM_UPLOAD_RETENTION_DAYS = int(os.environ.get("KAM_UPLOAD_RETENTION_DAYS", "7"))

# --- Work outside web requests (docs/en/admin.md, "The worker") -----------------------------
# Django's tasks framework (the django-tasks backport) with its database backend: a page
# queues a job, `kam worker` runs it, any app server and any worker may share the database.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A running import writes a heartbeat this often (seconds); one without a heartbeat for
# KAM_JOB_HEARTBEAT_TIMEOUT seconds is taken to have died with its worker and is failed, by
# the worker's sweep every KAM_WORKER_SWEEP_SECONDS and whenever an import is requested.
KAM_JOB_HEARTBEAT_SECONDS = float(os.environ.get("KAM_JOB_HEARTBEAT_SECONDS", "2"))
KAM_JOB_HEARTBEAT_TIMEOUT = float(os.environ.get("KAM_JOB_HEARTBEAT_TIMEOUT", "30"))
KAM_WORKER_SWEEP_SECONDS = float(os.environ.get("KAM_WORKER_SWEEP_SECONDS", "10"))
# A queued import that no worker starts within this many seconds is failed (no worker?).
KAM_IMPORT_QUEUE_TIMEOUT = float(os.environ.get("KAM_IMPORT_QUEUE_TIMEOUT", "600"))
# Each import runs in a child process of the worker with these limits: address space (MB)
# and wall-clock seconds. Beyond them the import fails with the reason, writing nothing.
KAM_IMPORT_MEMORY_MB = int(os.environ.get("KAM_IMPORT_MEMORY_MB", "8192"))
KAM_IMPORT_TIME_LIMIT = float(os.environ.get("KAM_IMPORT_TIME_LIMIT", "3600"))

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Uploaded ERP exports until imported: any storage of Django's storage API will do (all
    # app servers and workers must reach the same one); by default a folder under var/.
    "imports": {
        "BACKEND": os.environ.get(
            "KAM_IMPORT_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": {
            "location": str(VAR_DIR / "uploads"),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        }
        if not os.environ.get("KAM_IMPORT_STORAGE")
        else {},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Security (docs/en/admin.md, "Security settings") ----------------------------------------
# In every mode: what the browser may do with kam's pages.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# htmx sends the CSRF token from the page (hx-headers in base.html), never from the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "kam.web.views.csrf_failure"

# Content-Security-Policy (django-csp): only kam's own files run; no inline script or
# style, no eval, no plugin, no framing, forms post only to kam. Charts are json_script
# data drawn by kam.js; htmx is told (base.html) not to inject its <style>.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Permissions-Policy (django-permissions-policy): kam uses no device or payment feature.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Request bodies before sign-in (a login form is a few hundred bytes): larger ones get 413
# unread. Signed-in users may send up to KAM_IMPORT_MAX_UPLOAD_BYTES (the import page).
KAM_ANONYMOUS_MAX_BODY_BYTES = int(os.environ.get("KAM_ANONYMOUS_MAX_BODY_BYTES", 64 * 1024))

if not DEBUG:
    # Behind a reverse proxy that terminates HTTPS and sets X-Forwarded-Proto.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
