"""Guide's settings: every value comes from the environment (django-environ), with a safe
local default. Each variable is documented in `.env.example` and the README."""

from __future__ import annotations

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local `.env` (git-ignored, written by `make run`) is read when present. Real environment
# variables always win over it. GUIDE_ENV_FILE="" turns the file off (the test settings do).
_env_file = os.environ.get("GUIDE_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    env.read_env(_env_file)

DEBUG = env.bool("DEBUG", default=False)

_INSECURE_DEV_KEY = "django-insecure-local-development-only-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_DEV_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. With DEBUG off Guide needs a long random SECRET_KEY: "
        'generate one with `python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The address Ashby can reach this Guide at; webhook URLs shown to admins are built from it.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Where Guide talks to Ashby. The local demo points this at the sandbox mounted below.
ASHBY_API_URL = env.str("ASHBY_API_URL", default="https://api.ashbyhq.com").rstrip("/")
# Mounts the Ashby sandbox (ashby_sandbox/) under /sandbox/ashby/. Off unless asked for when
# DEBUG is off, so a production deployment never exposes it by accident.
ASHBY_SANDBOX = env.bool("ASHBY_SANDBOX", default=DEBUG)

# Secrets at rest (Ashby API keys, webhook secrets) are encrypted with MultiFernet over these
# keys, newest first; older keys still decrypt, so a key can rotate with no downtime.
GUIDE_ENCRYPTION_KEYS = env.list("GUIDE_ENCRYPTION_KEYS", default=[])


def _check_encryption_keys(keys: list[str]) -> None:
    how = (
        'Generate one with `python -c "from cryptography.fernet import Fernet; '
        'print(Fernet.generate_key().decode())"` and set GUIDE_ENCRYPTION_KEYS to it '
        "(comma-separated, newest first, when rotating). `make run` writes one into .env for you."
    )
    if not keys:
        raise ImproperlyConfigured(f"GUIDE_ENCRYPTION_KEYS is not set. {how}")
    from cryptography.fernet import Fernet

    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"GUIDE_ENCRYPTION_KEYS: key number {position} is not a valid Fernet key "
                f"(32 url-safe base64-encoded bytes). {how}"
            ) from None


_check_encryption_keys(GUIDE_ENCRYPTION_KEYS)

INSTALLED_APPS = [
    "guide_project.apps.ConsoleAdminConfig",  # django.contrib.admin, Guide's console site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_q",
    "tenants",
    "guides",
    "integrations",
    "integrations.ashby",  # Ashby's pages and templates; no models
    "emails",  # the emails Guide sends candidates (issue 20)
]
if ASHBY_SANDBOX:
    INSTALLED_APPS.append("ashby_sandbox")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tenants.console_format.ConsoleTimeMiddleware",  # the console's times in a named zone
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "guide_project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.tenancy",
            ],
        },
    },
]

WSGI_APPLICATION = "guide_project.wsgi.application"
ASGI_APPLICATION = "guide_project.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's own queries bind on the client and are never prepared; this lets the few that
    # bind on the server (the webhook receiver's INSERT) be prepared after a few uses on a
    # connection, which halves what PostgreSQL spends on each. Turn it off behind a pooler
    # in transaction mode without prepared-statement support (PgBouncer before 1.21, or
    # max_prepared_statements = 0).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        5 if env.bool("DATABASE_PREPARED_STATEMENTS", default=True) else None
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the qcluster worker write to one SQLite file: wait for the lock
    # instead of failing at once, and let readers run beside the writer (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses sign-ins while a username/address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The languages of the candidate's pages (guides/languages.py picks one per request: the
# browser's Accept-Language when Guide has it, else the tenant's choice); the staff pages
# stay in English. The catalogues are compiled and committed (locale/*/LC_MESSAGES/django.mo).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploaded images (interviewer photos): through STORAGES["default"], local files under
# MEDIA_ROOT by default, served by Guide at MEDIA_URL with long cache headers (the names are
# random and never reused). Any Django storage (e.g. S3) can take its place in STORAGES.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"
# How long an interviewer's profile link works (guides/profile_invites.py).
GUIDE_PROFILE_LINK_DAYS = env.float("GUIDE_PROFILE_LINK_DAYS", default=14)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- django-q2 -------------------------------------------------------------------------
# ORM broker by default (nothing else to run locally); Redis when REDIS_URL is set, as in
# production. `timeout` must stay below `retry`, or a slow task is handed to a second worker
# while the first still runs it.
#
# Two queues, each served by its own workers (django-q2's named clusters: a cluster's name is
# its queue's name): "realtime" applies webhook deliveries (and sweeps them), "bulk" runs the
# syncs, so a delivery never waits behind a tenant's full sync. Run one of each:
# `Q_CLUSTER_NAME=realtime python manage.py qcluster` and `Q_CLUSTER_NAME=bulk ...`
# (tenants/queue.py names them; README "Production" sizes them). A `qcluster` without a name
# serves only "guide", the one queue of releases before the split. "name" stays "guide": it
# salts the signature of every queued task, so all clusters must share it.
REDIS_URL = env.str("REDIS_URL", default="")
Q_WORKERS = env.int("Q_WORKERS", default=2)
Q_CLUSTER = {
    "name": "guide",
    "workers": Q_WORKERS,
    "ALT_CLUSTERS": {
        "realtime": {"workers": env.int("Q_REALTIME_WORKERS", default=Q_WORKERS)},
        "bulk": {"workers": env.int("Q_BULK_WORKERS", default=Q_WORKERS)},
    },
    "timeout": env.int("Q_TIMEOUT", default=600),
    "retry": env.int("Q_RETRY", default=720),
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=3),
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = env.float("Q_POLL", default=0.5)

# --- Retention of webhook deliveries (integrations/retention.py) ---------------------------
# Bodies (personal data) are kept GUIDE_DELIVERY_BODY_DAYS, then replaced by a note; rows
# GUIDE_DELIVERY_ROW_DAYS, then deleted. An hourly schedule on the bulk queue does it in
# batches of GUIDE_RETENTION_BATCH rows, GUIDE_RETENTION_PAUSE_MS apart, for at most
# GUIDE_RETENTION_MAX_SECONDS a run.
GUIDE_DELIVERY_BODY_DAYS = env.int("GUIDE_DELIVERY_BODY_DAYS", default=30)
GUIDE_DELIVERY_ROW_DAYS = env.int("GUIDE_DELIVERY_ROW_DAYS", default=180)
GUIDE_RETENTION_BATCH = env.int("GUIDE_RETENTION_BATCH", default=500)
GUIDE_RETENTION_PAUSE_MS = env.int("GUIDE_RETENTION_PAUSE_MS", default=50)
GUIDE_RETENTION_MAX_SECONDS = env.int("GUIDE_RETENTION_MAX_SECONDS", default=600)
if not 1 <= GUIDE_DELIVERY_BODY_DAYS <= GUIDE_DELIVERY_ROW_DAYS:
    raise ImproperlyConfigured(
        f"GUIDE_DELIVERY_BODY_DAYS ({GUIDE_DELIVERY_BODY_DAYS}) must be at least 1 and at most "
        f"GUIDE_DELIVERY_ROW_DAYS ({GUIDE_DELIVERY_ROW_DAYS}): a body cannot outlive its row."
    )

# --- Sync of each tenant's Ashby data ---------------------------------------------------
# Every GUIDE_SYNC_INTERVAL_MINUTES an incremental sync of every connected tenant is queued
# (the django-q2 schedule is created, and its interval updated, at `migrate`). A resource
# gets a full pass, which also carries deletions over, at least every
# GUIDE_FULL_SYNC_EVERY_HOURS (0: only when a token is refused or a full sync is asked for).
GUIDE_SYNC_INTERVAL_MINUTES = env.int("GUIDE_SYNC_INTERVAL_MINUTES", default=15)
GUIDE_FULL_SYNC_EVERY_HOURS = env.float("GUIDE_FULL_SYNC_EVERY_HOURS", default=24)
# A running sync whose heartbeat (written after every page) is older than this is marked
# failed, so a killed worker never leaves a run "running" forever.
GUIDE_SYNC_STALE_MINUTES = env.int("GUIDE_SYNC_STALE_MINUTES", default=10)
# A sync task may outlive Q_RETRY: a redelivered copy finds the run running and leaves it.
GUIDE_SYNC_TIMEOUT_SECONDS = env.int("GUIDE_SYNC_TIMEOUT_SECONDS", default=3600)
# Finished sync runs are kept this many days (the latest one always).
GUIDE_SYNC_KEEP_RUNS_DAYS = env.int("GUIDE_SYNC_KEEP_RUNS_DAYS", default=30)
# Records asked of Ashby per page (Ashby's maximum and default is 100).
GUIDE_SYNC_PAGE_SIZE = env.int("GUIDE_SYNC_PAGE_SIZE", default=100)
# A sync task works one slice, then queues the next behind the other tenants' work: a slice
# ends after this many seconds or pages stored, whichever comes first (0: no bound on it).
GUIDE_SYNC_SLICE_SECONDS = env.float("GUIDE_SYNC_SLICE_SECONDS", default=20.0)
GUIDE_SYNC_SLICE_PAGES = env.int("GUIDE_SYNC_SLICE_PAGES", default=200)

# --- Webhooks ---------------------------------------------------------------------------
# After a webhook secret is rotated, deliveries signed with the previous secret are accepted
# for this many hours (until someone pastes the new one into Ashby); 0: refused at once.
GUIDE_WEBHOOK_SECRET_GRACE_HOURS = env.float("GUIDE_WEBHOOK_SECRET_GRACE_HOURS", default=24.0)
if GUIDE_WEBHOOK_SECRET_GRACE_HOURS < 0:
    raise ImproperlyConfigured(
        "GUIDE_WEBHOOK_SECRET_GRACE_HOURS must be 0 or more hours "
        f"(it is {GUIDE_WEBHOOK_SECRET_GRACE_HOURS:g})."
    )

# --- Ashby's request budget, shared by every Guide process (integrations/budget.py) -------
# In Redis when REDIS_URL is set, in the database otherwise. At most GUIDE_ASHBY_MAX_RPS
# requests a second from all of Guide together (0: no cap), and at most
# GUIDE_ASHBY_TENANT_CONCURRENCY requests in flight per tenant (0: no cap).
GUIDE_ASHBY_MAX_RPS = env.float("GUIDE_ASHBY_MAX_RPS", default=10)
GUIDE_ASHBY_TENANT_CONCURRENCY = env.int("GUIDE_ASHBY_TENANT_CONCURRENCY", default=2)

# --- Metrics for Prometheus: GET /metrics (integrations/metrics.py, docs/metrics.md) -------
# Answered only with `Authorization: Bearer <token>`, one of GUIDE_METRICS_TOKEN
# (comma-separated while replacing one); without any, /metrics does not exist (404).
GUIDE_METRICS_TOKENS = [t.strip() for t in env.list("GUIDE_METRICS_TOKEN", default=[]) if t.strip()]
for _position, _token in enumerate(GUIDE_METRICS_TOKENS, start=1):
    if len(_token) < 16:
        raise ImproperlyConfigured(
            f"GUIDE_METRICS_TOKEN: token number {_position} is {len(_token)} characters long; "
            'use 16 or more, e.g. `python -c "import secrets; print(secrets.token_urlsafe(32))"`.'
        )
# One directory per machine, shared by its gunicorn and django-q2 processes: each process
# writes its counts there and a scrape adds them all up (prometheus-client's multiprocess
# mode). Without it a scrape sees only the answering process's counts.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
# --- Email to candidates (emails/) ---------------------------------------------------------
# EMAIL_URL picks Django's email backend: smtp://user:pass@host:587 (smtp+tls:// for
# STARTTLS, smtp+ssl:// for TLS from the start), consolemail:// (printed by the process that
# sends: `make run` shows them in its terminal), filemail:///path, dummymail://. Without it:
# the console with DEBUG on, else smtp://localhost:25.
globals().update(
    env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# The address every email comes from; each tenant sets the sender's name and where replies go
# (its own domain in From would fail SPF/DMARC unless it authorises Guide's mail server).
DEFAULT_FROM_EMAIL = env.str("GUIDE_EMAIL_FROM", default="guide@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
GUIDE_EMAIL_MAX_ATTEMPTS = env.int("GUIDE_EMAIL_MAX_ATTEMPTS", default=5)
GUIDE_EMAIL_BATCH = env.int("GUIDE_EMAIL_BATCH", default=200)
GUIDE_EMAIL_CLAIM_MINUTES = env.int("GUIDE_EMAIL_CLAIM_MINUTES", default=10)

# --- Production hardening (DEBUG off) ----------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # /healthz is probed by load balancers over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # /metrics too: Prometheus scrapes each machine at its own address, inside the network.
    SECURE_REDIRECT_EXEMPT.append(r"^metrics$")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
