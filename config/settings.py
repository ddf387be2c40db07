"""Xinyuan settings: one file, driven by the environment.

Production mode (``XINYUAN_ENV=production``) refuses to start with a missing or weak key
(xinyuan/core/keys.py; the audit signing key included) or with DEBUG on, and redirects plain
HTTP; an unknown ``XINYUAN_ENV`` refuses to start; demo users are never created in production
mode and the demo password is refused at sign-in.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Known environments: anything else (a typo such as "prod") refuses to start rather than run
# with development defaults. The test suite runs as "development".
ENVIRONMENTS = ("development", "production")
ENV = os.environ.get("XINYUAN_ENV", "development").strip().lower()
if ENV not in ENVIRONMENTS:
    raise ImproperlyConfigured(
        f"XINYUAN_ENV={os.environ.get('XINYUAN_ENV', '')!r} is not known: set it to "
        "'production' on a server or 'development' (the default) on a workstation."
    )
PRODUCTION = ENV == "production"
DATA_DIR = Path(os.environ.get("XINYUAN_DATA_DIR", BASE_DIR / "var")).resolve()

DEFAULT_SECRET_KEY = "insecure-development-key-change-me"  # noqa: S105 - refused in production
SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
PORT = int(os.environ.get("PORT", "8000"))

# Keys for caller identifiers (HL-08): an HMAC key for matching and a Fernet key for the
# encrypted copy. They live outside the database; in development they are derived from
# SECRET_KEY so that `make run` needs no set-up.
IDENTITY_HMAC_KEY = os.environ.get("XINYUAN_IDENTITY_HMAC_KEY", "")
# Retired HMAC keys, kept only while `manage.py rotate_keys` re-hashes the identities.
IDENTITY_HMAC_OLD_KEYS = env_list("XINYUAN_IDENTITY_HMAC_OLD_KEYS", "")
FIELD_ENCRYPTION_KEYS = env_list("XINYUAN_FIELD_ENCRYPTION_KEYS", "")

# The sealed audit log (docs/decisions/0007-sealed-audit-log.md): the sealer signs checkpoints
# with this Ed25519 key (base64 of a 32-byte seed), which the database does not hold; in
# development it is derived from SECRET_KEY. verify_audit needs only public keys: the current
# key's, and those of retired keys (XINYUAN_AUDIT_VERIFY_KEYS, base64) for older checkpoints.
AUDIT_SIGNING_KEY = os.environ.get("XINYUAN_AUDIT_SIGNING_KEY", "")
AUDIT_VERIFY_KEYS = env_list("XINYUAN_AUDIT_VERIFY_KEYS", "")
# Every checkpoint is also appended here, outside the database (keep it beside the backups).
AUDIT_CHECKPOINT_FILE = Path(
    os.environ.get("XINYUAN_AUDIT_CHECKPOINT_FILE", DATA_DIR / "audit-checkpoints.jsonl")
)
# An event unsealed for longer than this is a warning of verify_audit (a failure with
# --strict), and the sealer's routine search looks back this far for late commits.
# Keys that seal a contact's clinical words, kept per process once committed (audit/shred.py):
# off in the test suite, whose flushed databases reuse record ids.
# A bearer token found valid is trusted for this long in each worker without looking it up again
# (accounts/actions.authenticate_token): a revoked token or a deactivated account stops working
# within it. 0 looks every request up. Off in the test suite.
API_TOKEN_CACHE_SECONDS = int(os.environ.get("XINYUAN_API_TOKEN_CACHE_SECONDS", "10"))
AUDIT_CACHE_SEALING_KEYS = env_bool("XINYUAN_AUDIT_CACHE_SEALING_KEYS", True)
AUDIT_SEAL_GRACE_SECONDS = int(os.environ.get("XINYUAN_AUDIT_SEAL_GRACE_SECONDS", "300"))

if PRODUCTION:
    from xinyuan.core import keys

    # Every key and how it is checked (xinyuan/core/keys.py; the rule in docs/security.md).
    # A new key adds its line here.
    KEY_CHECKS = [
        keys.secret_problems("SECRET_KEY", SECRET_KEY, default=DEFAULT_SECRET_KEY),
        keys.secret_problems("XINYUAN_IDENTITY_HMAC_KEY", IDENTITY_HMAC_KEY),
        keys.distinct_problems(
            ("XINYUAN_IDENTITY_HMAC_KEY", IDENTITY_HMAC_KEY), ("SECRET_KEY", SECRET_KEY)
        ),
        keys.fernet_key_problems("XINYUAN_FIELD_ENCRYPTION_KEYS", FIELD_ENCRYPTION_KEYS),
        keys.signing_key_problems("XINYUAN_AUDIT_SIGNING_KEY", AUDIT_SIGNING_KEY),
    ]
    problems = [problem for check in KEY_CHECKS for problem in check]
    if DEBUG:
        problems.append("DEBUG must be off: remove DEBUG from the environment")
    if problems:
        raise ImproperlyConfigured(
            "Refusing to start in production mode (XINYUAN_ENV=production):\n- "
            + "\n- ".join(problems)
        )

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "xinyuan.core",
    "xinyuan.accounts",
    "xinyuan.audit",
    "xinyuan.directory",
    "xinyuan.cases",
    "xinyuan.hotline",
    "xinyuan.operations",
    "xinyuan.reports",
    "xinyuan.assessments",
]

# "Browser…" middleware runs for every request except an API request with a bearer token, which
# has no session, CSRF cookie or messages (xinyuan/core/middleware.py: BrowserOnly).
MIDDLEWARE = [
    "xinyuan.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "xinyuan.core.middleware.BrowserSessionMiddleware",
    "xinyuan.core.locale.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "xinyuan.core.middleware.BrowserCsrfMiddleware",
    "xinyuan.core.middleware.BrowserAuthenticationMiddleware",
    "xinyuan.core.middleware.BrowserMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "xinyuan.core.middleware.BrowserHtmxMiddleware",
    "xinyuan.core.middleware.LoginRequiredMiddleware",
    "xinyuan.accounts.middleware.BrowserIdleTimeoutMiddleware",
    "xinyuan.accounts.middleware.BrowserTwoFactorRequiredMiddleware",
    "xinyuan.core.middleware.SecurityHeadersMiddleware",
    "xinyuan.audit.middleware.AuditContextMiddleware",
    "xinyuan.core.middleware.KeyUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xinyuan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xinyuan.core.context_processors.xinyuan",
            ],
        },
    },
]

SQLITE_PATH = DATA_DIR / "xinyuan.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, creating the directory 0700 and the database files 0600.
    DATABASES["default"]["ENGINE"] = "xinyuan.core.sqlite"
    # Connections are kept 60 s as for PostgreSQL: opening one (7 PRAGMAs) cost 40 % of a small
    # request (docs/benchmarks.md). Restore needs the app stopped anyway (docs/deployment.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("XINYUAN_TEST_SQLITE", "")}
else:
    # No health check (a "SELECT 1") before each request: a connection broken by a database
    # restart fails its next request once and is then replaced (docs/deployment.md).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    if os.environ.get("XINYUAN_TEST_DB_NAME"):
        DATABASES["default"]["TEST"] = {"NAME": os.environ["XINYUAN_TEST_DB_NAME"]}

# Reports may read from a PostgreSQL streaming replica (xinyuan/reports/replica.py); in tests the
# replica alias mirrors the default database unless a test points it at a real replica.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=60
    )
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "hotline:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "xinyuan" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("XINYUAN_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "xinyuan" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# E-mail (the directors hear of coverage gaps by e-mail): Django's e-mail framework. By default
# `make run` writes each e-mail to the console of the worker; set EMAIL_BACKEND to
# django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST etc. for a real mail server, or
# the file backend (EMAIL_FILE_PATH) to keep them as files.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xinyuan@localhost")

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

SESSION_COOKIE_AGE = int(os.environ.get("XINYUAN_SESSION_SECONDS", 8 * 3600))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1 * 1024 * 1024
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Plain HTTP is redirected to HTTPS (the TLS front end sets X-Forwarded-Proto); the load
    # balancer's health check may stay on plain HTTP.
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

FORMS_URLFIELD_ASSUME_HTTPS = True
NINJA_PAGINATION_MAX_LIMIT = 200  # the API never returns unbounded lists of clinical records

# Sign-in security (等级保护): two-factor sign-in for privileged roles, throttling, idle timeout.
REQUIRE_2FA = env_bool("XINYUAN_REQUIRE_2FA", PRODUCTION)
# Throttling (docs/decisions/0008-sign-in-throttling.md): failed sign-ins are counted per
# (user name as typed, client network) and per network, within a sliding window; no account is
# ever locked by failures from elsewhere. 0 switches a limit off.
SIGNIN_WINDOW_MINUTES = int(os.environ.get("XINYUAN_SIGNIN_WINDOW_MINUTES", "15"))
SIGNIN_LIMIT_PER_NAME = int(os.environ.get("XINYUAN_SIGNIN_LIMIT_PER_NAME", "5"))
SIGNIN_LIMIT_PER_ADDRESS = int(os.environ.get("XINYUAN_SIGNIN_LIMIT_PER_ADDRESS", "20"))
SIGNIN_ALERT_PER_ACCOUNT = int(os.environ.get("XINYUAN_SIGNIN_ALERT_PER_ACCOUNT", "30"))
SIGNIN_CODE_LIMIT_PER_ACCOUNT = int(os.environ.get("XINYUAN_SIGNIN_CODE_LIMIT_PER_ACCOUNT", "10"))
# A half-finished sign-in (password given, code not yet) and a new authenticator waiting for its
# first code are forgotten after this long.
TWO_FACTOR_PENDING_MINUTES = 10
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR blocks); nobody else's.
TRUSTED_PROXIES = env_list("XINYUAN_TRUSTED_PROXIES", "")
IDLE_TIMEOUT_MINUTES = int(os.environ.get("XINYUAN_IDLE_TIMEOUT_MINUTES", "30"))
# The page warns this long before an idle sign-out, with a "continue" button.
IDLE_WARNING_SECONDS = 120
# A page with the user's own contact in progress, or a supervisor's or director's page (the
# alerts), keeps the session alive without activity — never longer than this after sign-in.
SESSION_HARD_MAX_HOURS = float(os.environ.get("XINYUAN_SESSION_HARD_MAX_HOURS", "12"))

DEMO_PASSWORD = os.environ.get("XINYUAN_DEMO_PASSWORD", "xinyuan-demo-2026")

# Centre administration: where people reach this site (links printed by ``create_centre`` and
# e-mailed invitations), how long a one-time set-password link works, how long a request to
# reset someone's two-factor sign-in waits for a second person, and whether invitations are also
# e-mailed (Django's EMAIL_* settings; the page always shows the link).
BASE_URL = os.environ.get("XINYUAN_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Links handed to people (invitations, set-password links) use BASE_URL once it is configured,
# never the Host header of the request that made them.
BASE_URL_CONFIGURED = bool(os.environ.get("XINYUAN_BASE_URL"))
SIGN_IN_LINK_HOURS = int(os.environ.get("XINYUAN_SIGN_IN_LINK_HOURS", "72"))
TWO_FACTOR_RESET_HOURS = int(os.environ.get("XINYUAN_TWO_FACTOR_RESET_HOURS", "24"))
INVITE_BY_EMAIL = env_bool("XINYUAN_INVITE_BY_EMAIL", False)

# HL-03: typical length of a general contact, shown against the timer; calls for someone else or
# for information are short (their own target).
CONTACT_TYPICAL_MINUTES = (30, 50)
CONTACT_TYPICAL_MINUTES_BY_TYPE = {"for_others": (10, 20), "information": (3, 10)}
# An in-progress contact nobody touched for this long is closed by the background sweep as
# "not completed" (counted apart in the statistics).
CONTACT_STALE_HOURS = float(os.environ.get("XINYUAN_CONTACT_STALE_HOURS", "4"))
# HL-08: more than this many contacts from one identity within the window marks a repeat caller.
REPEATED_CALLER_THRESHOLD = 5
REPEATED_CALLER_WINDOW_DAYS = 7
# HL-06: a high-risk follow-up is due within this many hours.
FOLLOW_UP_WITHIN_HOURS = 24
# The assigned counsellor is reminded this long before a follow-up is due (cases/tasks.py).
FOLLOW_UP_REMINDER_LEAD_MINUTES = int(
    os.environ.get("XINYUAN_FOLLOW_UP_REMINDER_LEAD_MINUTES", "120")
)
# The daily escalation of overdue follow-ups commits this many follow-ups per transaction.
FOLLOW_UP_ESCALATION_BATCH = int(os.environ.get("XINYUAN_FOLLOW_UP_ESCALATION_BATCH", "500"))
# HL-07: a silent contact may be closed after this many seconds of silence.
SILENT_CALL_SECONDS = 120
# Supervisors' alert poll interval (the alert must appear within 5 seconds); the counsellor's
# page polls the acknowledgement of its alert as often.
ALERT_POLL_SECONDS = 3
# An alert nobody takes within this long goes to the director and every supervisor of the
# centre, on duty or not (at once when nobody is on duty, and for a public-safety report).
ALERT_ESCALATE_MINUTES = float(os.environ.get("XINYUAN_ALERT_ESCALATE_MINUTES", "3"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors": {"()": "xinyuan.core.logging.ClientErrorsWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_errors"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Emergency (break-glass) access to another centre's contact: read-only, for this long.
BREAK_GLASS_MINUTES = int(os.environ.get("XINYUAN_BREAK_GLASS_MINUTES", "60"))

# HL-13: records are kept at least three years after the last activity, then anonymised by
# `manage.py apply_retention` (daily). A centre may keep them longer, never shorter.
RETENTION_YEARS = max(3, int(os.environ.get("XINYUAN_RETENTION_YEARS", "3")))

# AS-01: a site adds a scale by dropping a file (validated on load) into this directory.
EXTRA_SCALES_DIR = os.environ.get("XINYUAN_EXTRA_SCALES_DIR", "")
# AS-02: the centre whose public self-test portal /s/ is (by name); the first centre if empty.
PORTAL_ORGANISATION = os.environ.get("XINYUAN_PORTAL_ORGANISATION", "")
# The public portal under attack: beyond this many tasks (urgent results, call-back requests)
# from one device or from one network (an IPv4 address, an IPv6 /64) within the window, a new
# one is folded into the open task already there; the result is kept and the help channels are
# shown all the same. 0: no limit.
SELFTEST_DEVICE_LIMIT = int(os.environ.get("XINYUAN_SELFTEST_DEVICE_LIMIT", "3"))
SELFTEST_NETWORK_LIMIT = int(os.environ.get("XINYUAN_SELFTEST_NETWORK_LIMIT", "10"))
SELFTEST_WINDOW_MINUTES = int(os.environ.get("XINYUAN_SELFTEST_WINDOW_MINUTES", "60"))
# HL-15: the public complaints and feedback form. Beyond this many entries from one device or
# one network within the window, the form refuses more and gives the hotline's number instead.
FEEDBACK_DEVICE_LIMIT = int(os.environ.get("XINYUAN_FEEDBACK_DEVICE_LIMIT", "3"))
FEEDBACK_NETWORK_LIMIT = int(os.environ.get("XINYUAN_FEEDBACK_NETWORK_LIMIT", "10"))
FEEDBACK_WINDOW_MINUTES = int(os.environ.get("XINYUAN_FEEDBACK_WINDOW_MINUTES", "60"))
# Public entries to one centre per window from anywhere (0: no centre-wide limit).
FEEDBACK_CENTRE_LIMIT = int(os.environ.get("XINYUAN_FEEDBACK_CENTRE_LIMIT", "200"))
# A complaint or feedback entry not resolved after this many days is marked overdue (0: never).
COMPLAINT_OVERDUE_DAYS = int(os.environ.get("XINYUAN_COMPLAINT_OVERDUE_DAYS", "15"))
