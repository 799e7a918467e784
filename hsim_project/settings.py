"""hsim settings: one module, driven by environment variables.

Every default runs with no services at all (SQLite and a filesystem broker under ./var), so
`make run` works on a fresh machine; production sets DATABASE_URL, CELERY_BROKER_URL and
friends (see README's configuration table).
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from hsim_project.cache_config import cache_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HSIM_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Empty counts as missing; web, worker and Flower refuse this default when DEBUG is off.
SECRET_KEY = os.environ.get("SECRET_KEY") or "hsim-insecure-development-key-change-me"
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # API tokens, stored hashed (services/tokens.py)
    "axes",  # admin login lockout
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simulator_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: answers a locked-out login with 429 (axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hsim_project.urls"
WSGI_APPLICATION = "hsim_project.wsgi.application"

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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hsim.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        # A kept connection (web requests, and a worker's from task to task) is checked once
        # before its first query of each request or task: a server restart costs a reconnect.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The embedded default runs web, worker, beat and backfills against one file. WAL lets
    # readers and the one writer work at once; a transaction takes the write lock when it
    # begins (IMMEDIATE), so it waits its turn (timeout, seconds) instead of failing with
    # "database is locked" when it upgrades from a read; writers keep transactions short
    # (HSIM_SQLITE_MAX_TRANSACTION_ROWS) so nobody waits long.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=30,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Value databases every generated batch is written to. JSON list of
# {"key": ..., "url": ..., "primary": bool}; "url": "default" means the project's own database.
HSIM_VALUE_DATABASES = json.loads(
    os.environ.get("HSIM_VALUE_DATABASES", '[{"key": "default", "url": "default", "primary": true}]')
)
HSIM_TIMESCALE_CHUNK_INTERVAL = os.environ.get("HSIM_TIMESCALE_CHUNK_INTERVAL", "7 days")
# How many intervals one tick generates at most; the rest is queued as backfill chunks.
HSIM_MAX_INTERVALS_PER_TICK = int(os.environ.get("HSIM_MAX_INTERVALS_PER_TICK", "96"))
HSIM_BACKFILL_CHUNK_INTERVALS = int(os.environ.get("HSIM_BACKFILL_CHUNK_INTERVALS", "2880"))
# A pending/running backfill job with no progress for this long, whose simulator no runner
# holds, lost its worker: it is expired (failed, logged) and stops holding its org's quota.
# 0 = never (services/backfill_expiry.py).
HSIM_BACKFILL_STALE_SECONDS = int(os.environ.get("HSIM_BACKFILL_STALE_SECONDS", "3600"))
# Most rows one transaction writes to a SQLite value database (one writer for the whole file:
# ticks, beat and the web wait for it); SQLite backfills commit in chunks of at most this.
HSIM_SQLITE_MAX_TRANSACTION_ROWS = int(os.environ.get("HSIM_SQLITE_MAX_TRANSACTION_ROWS", "50000"))
# Resilience (issue 9): bounds on every value-database connection, primary included.
HSIM_VALUE_DB_CONNECT_TIMEOUT = int(os.environ.get("HSIM_VALUE_DB_CONNECT_TIMEOUT", "5"))
HSIM_VALUE_DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("HSIM_VALUE_DB_STATEMENT_TIMEOUT_MS",
                                                        "60000"))
HSIM_VALUE_DB_LOCK_TIMEOUT_MS = int(os.environ.get("HSIM_VALUE_DB_LOCK_TIMEOUT_MS", "10000"))
# A failed secondary is not tried again (circuit open) for this long; then one probe.
HSIM_SECONDARY_PROBE_SECONDS = int(os.environ.get("HSIM_SECONDARY_PROBE_SECONDS", "30"))
# Client-side bound on one secondary operation: a frozen server never answers on an open
# connection, and its own statement_timeout cannot fire.
HSIM_SECONDARY_DEADLINE_SECONDS = int(os.environ.get("HSIM_SECONDARY_DEADLINE_SECONDS", "30"))
# Simulators stopped by a primary failure resume by themselves once the primary answers.
HSIM_AUTO_RESUME = env_bool("HSIM_AUTO_RESUME", True)
HSIM_AUTO_RESUME_BACKOFF_SECONDS = int(os.environ.get("HSIM_AUTO_RESUME_BACKOFF_SECONDS", "30"))
HSIM_AUTO_RESUME_MAX_BACKOFF_SECONDS = int(
    os.environ.get("HSIM_AUTO_RESUME_MAX_BACKOFF_SECONDS", "900"))
# A tick never generates intervals later than the database's clock plus this tolerance.
HSIM_CLOCK_TOLERANCE_SECONDS = int(os.environ.get("HSIM_CLOCK_TOLERANCE_SECONDS", "120"))
# Bounds on the work one request can cause (simulator_app.services.history_horizon and
# .backfill_admission): history (backfill starts, catch-up after a stop) reaches back at most
# this many days, never before 1970; an org's pending/running backfill jobs hold at most this
# many intervals not yet written (1,000,000 = 26 simulators' full 400-day horizon at 15 min).
HSIM_HISTORY_HORIZON_DAYS = int(os.environ.get("HSIM_HISTORY_HORIZON_DAYS", "400"))
# Typical-year weather files a building spec may name by file name (`weather.file`); unset:
# only the packaged presets (`weather.preset`). Specs never name paths outside this folder.
HSIM_WEATHER_DIR = os.environ.get("HSIM_WEATHER_DIR") or None
HSIM_ORG_QUEUED_INTERVAL_QUOTA = int(os.environ.get("HSIM_ORG_QUEUED_INTERVAL_QUOTA", "1000000"))
# Most buildings one fleet holds (simulator_app.services.fleets).
HSIM_FLEET_MAX_SIZE = int(os.environ.get("HSIM_FLEET_MAX_SIZE", "20000"))
# Compiled building models each worker process keeps (one per building it serves; README).
HSIM_MODEL_CACHE_SIZE = int(os.environ.get("HSIM_MODEL_CACHE_SIZE", "4096"))

# Django's PBKDF2-SHA256 hashes, plus the Haystack SCRAM verifier of each password that is set
# (simulator_app/haystack/credentials.py); the other hashers verify older hashes as usual.
PASSWORD_HASHERS = [
    "simulator_app.haystack.credentials.ScramPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    # not a check: stores the Haystack SCRAM verifier whenever a password is set
    {"NAME": "simulator_app.haystack.credentials.ScramCredentialHook"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))

# --- Security ---------------------------------------------------------------------------
# Production serves over HTTPS, usually through a TLS-terminating proxy: HSIM_TLS=true turns
# on secure cookies, the HTTPS redirect and HSTS (README "Security"). The deployed entry points
# refuse a published SECRET_KEY when DEBUG is off (hsim_project/deploy_checks.py).
HSIM_TLS = env_bool("HSIM_TLS", False)
if env_bool("HSIM_TRUST_X_FORWARDED_PROTO", HSIM_TLS):
    # Only behind a proxy that sets (overwrites) X-Forwarded-Proto itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HSIM_TLS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks probe plain HTTP
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HSIM_TLS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HSIM_TLS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HSIM_TLS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HSIM_TLS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HSIM_TLS)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Every page hsim serves (admin, Swagger UI, browsable API, dashboard) loads its scripts and
# styles from its own static files and talks only to its own origin. Swagger UI's page adds
# its one inline <style> block (simulator_app/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# API tokens (django-rest-knox): stored as SHA-512 digests, shown once when issued, no expiry
# (service accounts of pollers); revoke by rotating or deleting in the admin.
REST_KNOX = {"TOKEN_TTL": None, "AUTO_REFRESH": False}

# Admin login lockout (django-axes): a username is locked for one client address after
# AXES_FAILURE_LIMIT failures in a row, for AXES_COOLOFF_MINUTES; a success resets the count.
AUTHENTICATION_BACKENDS = [
    "simulator_app.auth_backends.LoginLockoutBackend",
    # Django's ModelBackend, also deriving a missing Haystack SCRAM verifier at a password login
    "simulator_app.haystack.credentials.ScramDerivingBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Only failures are kept (and dropped after the cool-off): no row per successful login.
AXES_DISABLE_ACCESS_LOG = True
# The client address: REMOTE_ADDR, or with HSIM_PROXY_COUNT trusted proxies in front, the
# X-Forwarded-For entry the outermost one added (auth_backends.client_address).
HSIM_PROXY_COUNT = int(os.environ.get("HSIM_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "simulator_app.auth_backends.client_address"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
# axes logs a banner at every start; its failures and lockouts (warnings) still show.
LOGGING.setdefault("loggers", {})["axes.apps"] = {"level": "WARNING"}

# --- Celery -----------------------------------------------------------------------------
# With a host: kombu warns on every connection to a bare filesystem:// URL.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost/")
CELERY_BROKER_FOLDER = Path(os.environ.get("CELERY_BROKER_FOLDER", VAR_DIR / "broker"))
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: one shared folder for in and out lets the web process,
    # the worker and its embedded beat on this machine share the queue.
    for _sub in ("queue", "processed", "control"):
        (CELERY_BROKER_FOLDER / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "store_processed": False,
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Below the shortest sensible interval (1 minute) so a stuck tick never overlaps the next.
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "50"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "55"))
# Task events are what Flower's task pages show; a worker publishes three per task (received,
# started, succeeded), which at fleet scale is a measurable share of the worker's CPU.
CELERY_WORKER_SEND_TASK_EVENTS = env_bool("HSIM_TASK_EVENTS", True)
CELERY_TASK_SEND_SENT_EVENT = True
# DatabaseScheduler that survives database outages and fires interval tasks on their grid.
CELERY_BEAT_SCHEDULER = "simulator_app.beat.scheduler:HsimScheduler"
# The recovery probe: secondaries' circuit breakers and auto-resume after a primary outage.
CELERY_BEAT_SCHEDULE = {
    "hsim:recovery-probe": {
        "task": "simulator_app.tasks.recovery_probe",
        "schedule": float(os.environ.get("HSIM_RECOVERY_PROBE_SECONDS", "15")),
        "options": {"expire_seconds": 60},
    },
    # Retention and compression of every org's values in every value database (issue 13).
    "hsim:retention": {
        "task": "simulator_app.tasks.apply_retention",
        "schedule": float(os.environ.get("HSIM_RETENTION_RUN_SECONDS", "3600")),
        "options": {"expire_seconds": 1800},
    },
}
# Storage that lasts (issue 13): defaults of each org's OrgStoragePolicy. Rows older than
# HSIM_RETENTION_DAYS are dropped (0 = keep forever); TimescaleDB compresses chunks older than
# HSIM_COMPRESS_AFTER_DAYS (0 = never). Without TimescaleDB old rows are deleted in batches of
# HSIM_RETENTION_BATCH_ROWS, at most HSIM_RETENTION_MAX_BATCHES per org and run.
HSIM_RETENTION_DAYS = int(os.environ.get("HSIM_RETENTION_DAYS", "0"))
HSIM_COMPRESS_AFTER_DAYS = int(os.environ.get("HSIM_COMPRESS_AFTER_DAYS", "7"))
HSIM_RETENTION_BATCH_ROWS = int(os.environ.get("HSIM_RETENTION_BATCH_ROWS", "10000"))
HSIM_RETENTION_MAX_BATCHES = int(os.environ.get("HSIM_RETENTION_MAX_BATCHES", "200"))
# A file beat appends one line per send to (sent at, grid point, task id, entry): lateness and
# doubled sends can be measured (bench/bench_fleet.py). Off when empty.
HSIM_BEAT_SEND_LOG = os.environ.get("HSIM_BEAT_SEND_LOG", "")
# Simulators' phases are spread after each boundary so beat sends this many a second at most
# (services/schedule.spread_seconds); a small deployment is not spread at all.
HSIM_BEAT_SENDS_PER_SECOND = int(os.environ.get("HSIM_BEAT_SENDS_PER_SECOND", "200"))
# A standalone beat skips Celery's task-sent event (a second publish per send, half its cost);
# Flower still sees each task from the worker's events.
HSIM_BEAT_TASK_SENT_EVENTS = os.environ.get("HSIM_BEAT_TASK_SENT_EVENTS", "") == "1"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Past one machine (issue 13): HSIM_QUEUE_SHARDS = N > 0 sends each org's ticks and backfills
# to queue sim-<crc32(org id) % N> (services/routing.py); every shard needs a consumer.
HSIM_QUEUE_SHARDS = int(os.environ.get("HSIM_QUEUE_SHARDS", "0"))
CELERY_TASK_ROUTES = ("simulator_app.services.routing.route_task",)

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Authorization: Token <key> or Bearer <key>; keys are stored hashed (knox)
        "simulator_app.api.authentication.TokenAuthentication",
        "simulator_app.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # browsable API, admin users
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "simulator_app.api.renderers.SafeBrowsableAPIRenderer",  # api/renderers.py
    ],
    # DRF's JSON parser with bounded nesting and per-view body sizes (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["simulator_app.api.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "simulator_app.api.errors.exception_handler",
}
# Start, stop, reset and configuration changes per user (or client address); read at request
# time by simulator_app.api.throttles, so it can change without a restart of the class cache.
# "" or "none" switches throttling off.
HSIM_API_CONTROL_THROTTLE_RATE = os.environ.get("HSIM_API_CONTROL_THROTTLE_RATE", "60/min")
# Creating simulators and pollers (POST /poller, POST /api/simulators/) and POST /bulk/value,
# per user, the same way ("none" switches one off).
HSIM_API_CREATE_THROTTLE_RATE = os.environ.get("HSIM_API_CREATE_THROTTLE_RATE", "30/min")
HSIM_API_BULK_THROTTLE_RATE = os.environ.get("HSIM_API_BULK_THROTTLE_RATE", "600/min")
# List endpoints: the largest page a client may ask for (?limit=); the default page size.
HSIM_API_MAX_PAGE_SIZE = int(os.environ.get("HSIM_API_MAX_PAGE_SIZE", "500"))
HSIM_API_PAGE_SIZE = int(os.environ.get("HSIM_API_PAGE_SIZE", "100"))
# /bulk/value limits: values per request and request body size (larger -> 413, nothing read).
HSIM_BULK_MAX_VALUES = int(os.environ.get("HSIM_BULK_MAX_VALUES", "50000"))
HSIM_BULK_MAX_BYTES = int(os.environ.get("HSIM_BULK_MAX_BYTES", str(32 * 1024 * 1024)))
# /simulator/history limits: points per request, and rows = points x intervals in the range
# (the simulator's interval or the rollup's bucket); more is a 400. 2,000,000 rows is a year
# of 57 points at 15 minutes, or a year of hourly rollups of 228 points.
HSIM_HISTORY_MAX_POINTS = int(os.environ.get("HSIM_HISTORY_MAX_POINTS", "1000"))
HSIM_HISTORY_MAX_ROWS = int(os.environ.get("HSIM_HISTORY_MAX_ROWS", "2000000"))
# /metrics (Prometheus): staff sessions or `Authorization: Bearer <HSIM_METRICS_TOKEN>`;
# HSIM_METRICS_PUBLIC=true serves it to anyone (a scraper on a private network).
HSIM_METRICS_TOKEN = os.environ.get("HSIM_METRICS_TOKEN", "")
HSIM_METRICS_PUBLIC = os.environ.get("HSIM_METRICS_PUBLIC", "false").lower() in ("1", "true", "yes")
# Its activity-log counters are kept incrementally (services/metrics_counters.py): a scrape
# reads at most this many log rows newer than the checkpoint, and the checkpoint only moves
# over rows older than the settle time (a transaction still open can commit lower ids).
HSIM_METRICS_SCAN_ROWS = int(os.environ.get("HSIM_METRICS_SCAN_ROWS", "200000"))
HSIM_METRICS_SETTLE_SECONDS = int(os.environ.get("HSIM_METRICS_SETTLE_SECONDS", "600"))
# Every other JSON endpoint takes at most this much (Django's own default, 2.5 MiB).
HSIM_API_MAX_BYTES = int(os.environ.get("HSIM_API_MAX_BYTES", str(2_621_440)))
# Django refuses larger bodies before any view runs: let the largest documented one through,
# so the views answer their own 413 (api/parsers.py, api/views/bulk.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = max(HSIM_BULK_MAX_BYTES, HSIM_API_MAX_BYTES)
# Throttle counters live in the default cache, shared by every web process: HSIM_CACHE_URL
# (redis://..., or `locmem` for one per process); unset, a redis:// broker's server on the
# next database number (broker /0 -> cache /1); else per process (hsim_project/cache_config.py).
CACHES = {"default": cache_settings(os.environ.get("HSIM_CACHE_URL"),
                                    os.environ.get("CELERY_BROKER_URL"))}

SPECTACULAR_SETTINGS = {
    "TITLE": "hsim API",
    "DESCRIPTION": (
        "Haystack building-data simulator: the db-service-layer contracts (/poller,"
        " /bulk/value), simulator control and monitoring (/simulator/..., /api/simulators/)."
        " Authenticate with `Authorization: Token <key>` (or `Bearer <key>`)."
        " Errors share one shape: {\"detail\": str, \"errors\": {field: [message]}}."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",  # local assets: the docs work offline, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "PollerStatusEnum": ["active", "inactive"],
        "RunStatusEnum": ["stopped", "running", "error"],
    },
}

# Project Haystack HTTP API (/haystack/<org key>/<op>): SCRAM-SHA-256 logins issue authTokens
# that expire; watches are bounded per user and per watch.
HSIM_SCRAM_ITERATIONS = int(os.environ.get("HSIM_SCRAM_ITERATIONS", "10000"))
HSIM_HAYSTACK_TOKEN_TTL_SECONDS = int(os.environ.get("HSIM_HAYSTACK_TOKEN_TTL_SECONDS", "86400"))
HSIM_HAYSTACK_WATCH_MAX_IDS = int(os.environ.get("HSIM_HAYSTACK_WATCH_MAX_IDS", "2000"))
HSIM_HAYSTACK_MAX_WATCHES_PER_USER = int(os.environ.get("HSIM_HAYSTACK_MAX_WATCHES_PER_USER", "50"))
