"""Settings shared by every environment; everything that differs comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("SHOPCREW_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Reverse proxies in front of the console (addresses or CIDRs, comma-separated). Only a request arriving from
# one of them has its client address read from X-Forwarded-For (core.middleware.client_ip); none by default.
SHOPCREW_TRUSTED_PROXIES = env_list("SHOPCREW_TRUSTED_PROXIES")
# A refused form post (CSRF) gets the console's framed 403 page (core.views_errors).
CSRF_FAILURE_VIEW = "core.views_errors.csrf_failure"

INSTALLED_APPS = [
    "core.admin_site.ClosedAdminConfig",  # django.contrib.admin, read-only and without secrets (core.admin_site)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "core",
    "audit",
    "staff",
    "stores",
    "sandbox",
    "rbac",
    "notifications",
]

MIDDLEWARE = [
    # /healthz and /readyz answer before the host check and the HTTPS redirect (an orchestrator's plain probe).
    "core.views_health.HealthProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.middleware.AuditActorMiddleware",
    "core.denied.DeniedRequestMiddleware",
    "core.middleware.SecondFactorRequiredMiddleware",
    "core.middleware.LastActiveMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.ErrorPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "core.context_processors.console",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'shopcrew.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded database: writers take the lock up front, so two concurrent grants queue instead of
    # racing (SQLite cannot enforce the partial unique constraints PostgreSQL does).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
    # Known and handled (above and in rbac.services): SQLite skips the partial unique constraints;
    # migrate need not warn about them on every start.
    SILENCED_SYSTEM_CHECKS = ["models.W039", "models.W047"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

AUTH_USER_MODEL = "staff.Staff"
# The store model, for the layers below `stores` (core.stores.get_store_model), as AUTH_USER_MODEL is for users.
SHOPCREW_STORE_MODEL = "stores.Store"
# The demo world the console's demo data and the simulators both read (core.seeding, sandbox.demo_world).
SHOPCREW_DEMO_WORLD = BASE_DIR / "config" / "demo_world.json"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rbac.backends.StoreRoleBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after idle time: every request renews the expiry.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Sign-in throttling (core.lockout, after OWASP ASVS 2.2.1): an account from one address is locked after
# AXES_FAILURE_LIMIT failures with a tiered cool-off (15 min → 1 h → 24 h); one address after
# SHOPCREW_SIGNIN_ADDRESS_LIMIT failures across accounts; one account after SHOPCREW_SIGNIN_ACCOUNT_LIMIT failures
# from every address, but only for addresses it never signed in from. No key includes the User-Agent.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
SHOPCREW_SIGNIN_ADDRESS_LIMIT = int(os.environ.get("SHOPCREW_SIGNIN_ADDRESS_LIMIT", "20"))
SHOPCREW_SIGNIN_ACCOUNT_LIMIT = int(os.environ.get("SHOPCREW_SIGNIN_ACCOUNT_LIMIT", "20"))
AXES_COOLOFF_TIME = "core.lockout.cooloff"
# What a successful sign-in clears: its own account+address pair (core.lockout counts the three rules itself).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.middleware.client_ip"  # the address the audit log records (trusted proxies)
AXES_VERBOSE = False
AXES_HANDLER = "core.lockout.ThrottleHandler"
# Each failure row expires on its own (so one pair's tier never shortens another's), a blocked attempt
# does not extend the lockout, and every lockout leaves one AccessFailureLog row the tiers are counted from.
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

OTP_TOTP_ISSUER = "ShopCrew"

# django-guardian: no anonymous pseudo-staff row (nobody anonymous holds store permissions here).
ANONYMOUS_USER_NAME = None
# django-otp throttling: after n wrong codes the next try must wait 2^(n-1) seconds (per device).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.SessionAuthentication",
        "core.api.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.SignedInWithSecondFactor"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ShopCrew API",
    "DESCRIPTION": "Staff, stores, per-store roles and audit for multi-store Shopee and Ozon sellers.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The docs page works offline: Swagger UI and Redoc are served from our own static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the catalogue's permission codenames, wherever a serializer offers them.
    "ENUM_NAME_OVERRIDES": {"StorePermissionEnum": "rbac.api.serializers.CODENAME_CHOICES"},
}

# Beat's schedule (the rest of Celery's settings: "The Celery runtime" at the end of this file).
CELERY_BEAT_SCHEDULE: dict = {
    "stores-refresh-shopee-tokens": {"task": "stores.tasks.refresh_due_shopee_tokens", "schedule": 300.0},
    "rbac-expire-due": {"task": "rbac.tasks.expire_due", "schedule": 60.0},
    # Intake (orders.polling): claim due stores every minute; Shopee's missed pushes; authorizations ending soon.
    "orders-poll-dispatch": {"task": "orders.tasks.poll_dispatch", "schedule": 60.0, "options": {"expires": 55}},
    "orders-poll-lost-pushes": {"task": "orders.tasks.poll_lost_pushes", "schedule": 300.0},
    "orders-poll-auth-expiring": {"task": "orders.tasks.poll_auth_expiring", "schedule": 86400.0},
}
# People's work (orders.work_tasks): after-sales escalation every 5 minutes, daily / weekly digests every 15.
CELERY_BEAT_SCHEDULE["orders-escalate-due-cases"] = {"task": "orders.work_tasks.escalate_due_cases", "schedule": 300.0}
CELERY_BEAT_SCHEDULE["orders-emit-digests"] = {"task": "orders.work_tasks.emit_digests", "schedule": 900.0}
# The audit log's daily checkpoint: verify the chain, sign its head, send count and head to the security robot.
CELERY_BEAT_SCHEDULE["security-audit-checkpoint"] = {"task": "security.tasks.audit_checkpoint", "schedule": 86400.0}
# Retention: events older than the security policy's period move to archive files (none while it keeps all).
CELERY_BEAT_SCHEDULE["security-audit-archive"] = {"task": "security.tasks.audit_archive", "schedule": 86400.0}
# Access reviews (rbac.services.reviews): a reminder a day per reviewer (deduplicated), the deadline's escalation.
CELERY_BEAT_SCHEDULE["rbac-access-reviews"] = {"task": "rbac.tasks.access_reviews", "schedule": 3600.0}
# Ads (ads.polling): due stores claimed every minute, each polled every SHOPCREW_ADS_POLL_INTERVAL seconds.
SHOPCREW_ADS_POLL_INTERVAL = float(os.environ.get("SHOPCREW_ADS_POLL_INTERVAL", "3600"))
CELERY_BEAT_SCHEDULE["ads-poll-dispatch"] = {"task": "ads.tasks.poll_dispatch", "schedule": 60.0, "options": {"expires": 55}}
# The board's daily rollups (reports.rollup): today and yesterday of every store, one statement, every 10 minutes.
CELERY_BEAT_SCHEDULE["reports-rollup-days"] = {"task": "reports.tasks.rollup_days", "schedule": 600.0}
# …and the last 35 days once a night: orders cancelled and returns opened late correct the day they belong to.
CELERY_BEAT_SCHEDULE["reports-rollup-month"] = {
    "task": "reports.tasks.rollup_days",
    "schedule": crontab(hour=3, minute=17),
    "kwargs": {"days_back": 35},
}
# The currency the board converts sales and costs to (reports.ExchangeRate gives each other currency's rate).
SHOPCREW_COMPANY_CURRENCY = os.environ.get("SHOPCREW_COMPANY_CURRENCY", "CNY")
SHOPCREW_AUDIT_ARCHIVE_DIR = Path(os.environ.get("SHOPCREW_AUDIT_ARCHIVE_DIR", VAR_DIR / "audit-archive"))
# Delivery's safety net every 10 s: interrupted sends, due retries, quiet hours that ended, a lost kick.
CELERY_BEAT_SCHEDULE["notifications-deliver-due"] = {
    "task": "notifications.tasks.deliver_due",
    "schedule": 10.0,
    "options": {"expires": 10.0},
}

# Push receivers (orders.receivers): the console's public address as the platforms call it (the URL Shopee signs,
# behind a proxy), and Shopee push keys by partner id when the console issued one apart from the partner key
# ("2001887=key,2001888=key"). Intake polling intervals etc.: orders.polling (SHOPCREW_POLL_*), defaults there.
SHOPCREW_PUSH_BASE_URL = os.environ.get("SHOPCREW_PUSH_BASE_URL", "").rstrip("/")
SHOPCREW_SHOPEE_PUSH_KEYS = dict(pair.split("=", 1) for pair in env_list("SHOPCREW_SHOPEE_PUSH_KEYS") if "=" in pair)

# Secrets at rest: Fernet keys, newest first; older ones still decrypt while data is rotated.
SHOPCREW_FERNET_KEYS = env_list("SHOPCREW_FERNET_KEYS")
# The audit log's checkpoints (audit.checkpoints) are signed with HMAC-SHA256 under these keys, newest first (older
# ones still verify what they signed). Kept in the environment, never the database: its owner must not be able to
# sign a checkpoint. Local settings make one under var/; production's `check --deploy` flags a missing one.
SHOPCREW_AUDIT_CHECKPOINT_KEYS = env_list("SHOPCREW_AUDIT_CHECKPOINT_KEYS")

SHOPEE_BASE_URL = os.environ.get("SHOPEE_BASE_URL", "https://partner.shopeemobile.com")
OZON_BASE_URL = os.environ.get("OZON_BASE_URL", "https://api-seller.ozon.ru")
# The Ozon Performance API (ads): its own host and keys, beside the Seller API.
OZON_PERFORMANCE_BASE_URL = os.environ.get("OZON_PERFORMANCE_BASE_URL", "https://api-performance.ozon.ru")
WECOM_BASE_URL = os.environ.get("WECOM_BASE_URL", "https://qyapi.weixin.qq.com")
OZON_FBS_LIST_VERSION = os.environ.get("OZON_FBS_LIST_VERSION", "v4")  # "v3" while a seller still has it

# Demo mode mounts the platform simulators inside the console under /sandbox/.
SHOPCREW_DEMO = env_bool("SHOPCREW_DEMO")

LAST_ACTIVE_INTERVAL = timedelta(minutes=1)

# Per-store roles: the hot-path loader, and how long an access request waits for a second person.
SHOPCREW_PERMISSION_LOADER = "rbac.permissions.load_permissions"
ACCESS_REQUEST_TTL = timedelta(hours=int(os.environ.get("ACCESS_REQUEST_TTL_HOURS", "72")))
# API tokens (staff.ApiToken): the lifetime offered by default and the longest allowed, in days; the core's token
# authentication asks this function to recognise a secret.
SHOPCREW_API_TOKEN_DEFAULT_DAYS = int(os.environ.get("SHOPCREW_API_TOKEN_DEFAULT_DAYS", "90"))
SHOPCREW_API_TOKEN_MAX_DAYS = int(os.environ.get("SHOPCREW_API_TOKEN_MAX_DAYS", "365"))
SHOPCREW_TOKEN_AUTHENTICATOR = "staff.token_services.api_token_authenticate"
# Every refused write request is handed to this recorder (core.denied): one `denied` audit event per actor
# and URL per minute.
SHOPCREW_DENIAL_RECORDER = "audit.services.denied_record"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "core.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # runserver's access log would otherwise print query strings (demo mode calls /sandbox/ with keys)
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Orders into WeCom (issue 9): apps, the Celery queues and the intake defaults --------------------------
INSTALLED_APPS += ["events", "orders", "security", "sop"]
INSTALLED_APPS += ["reports", "ads"]
# Three queues so a backlog of one kind never starves another: intake (push receivers' fetches), polling (the
# dispatcher and per-store pollers), delivery (WeCom sends). A worker per queue scales out across machines on
# the same broker and database; anything not routed goes to "default". (The broker: "The Celery runtime" below.)
CELERY_TASK_DEFAULT_QUEUE = "default"
SHOPCREW_TASK_QUEUES = ("default", "intake", "polling", "delivery")
CELERY_TASK_ROUTES = {
    "orders.tasks.intake_*": {"queue": "intake"},
    "orders.tasks.poll_*": {"queue": "polling"},
    "ads.tasks.poll_*": {"queue": "polling"},
    "notifications.tasks.deliver_*": {"queue": "delivery"},
    "events.tasks.*": {"queue": "delivery"},
}
# A store's low-stock threshold when it has not set one (orders.StoreSettings), in sellable units.
SHOPCREW_LOW_STOCK_THRESHOLD = int(os.environ.get("SHOPCREW_LOW_STOCK_THRESHOLD", "5"))

# --- The Celery runtime (issue 9) ---------------------------------------------------------------------------
# The broker is Redis (REDIS_URL) unless CELERY_BROKER_URL says otherwise. `bin/run` on a machine without Redis
# sets CELERY_BROKER_URL=filesystem:// — kombu's filesystem transport, an embedded broker that works across
# processes without a server, kept under var/celery-broker/ — and SHOPCREW_RATE_LIMITER=database.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# JSON only, both ways: a message that is anything else is refused, never unpickled.
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# Soft and hard limits for every task that declares none (core.tasks.AuditedTask declares 60 / 90).
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
# At-least-once: a message is acknowledged after its task ran, one message reserved per worker process, and a
# task whose worker process died (killed, out of memory) goes back to the queue. Tasks are idempotent
# (dedupe keys, unique deliveries), so a redelivery repeats no effect.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker that loses the broker cancels the tasks it was running (they are redelivered) instead of finishing
# them unacknowledged and running them twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_MAX_TASKS_PER_CHILD = 1000
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Redis hands an unacknowledged message to another worker after the visibility timeout: it must outlast the
# hard limit and the longest retry countdown (core.tasks: 30 s doubled, at most 8 min), or a running or
# waiting task would run twice. A task held by a worker that died comes back after this long.
CELERY_REDIS_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))


def celery_transport_options(broker_url: str) -> dict:
    """kombu's transport options for the broker: the visibility timeout on Redis; the folders of the embedded
    (filesystem) broker, all under CELERY_BROKER_DIR, one for messages in and out so every process shares it."""
    if broker_url.startswith("filesystem:"):
        queue = str(CELERY_BROKER_DIR / "queue")
        return {
            "data_folder_in": queue,
            "data_folder_out": queue,
            "control_folder": str(CELERY_BROKER_DIR / "control"),
            "processed_folder": str(CELERY_BROKER_DIR / "processed"),
            "store_processed": False,
            "polling_interval": 0.5,
        }
    if broker_url.startswith(("redis:", "rediss:")):
        return {"visibility_timeout": CELERY_REDIS_VISIBILITY_TIMEOUT}
    return {}


CELERY_BROKER_TRANSPORT_OPTIONS = celery_transport_options(CELERY_BROKER_URL)

# The per-robot send limit (20 a minute) is shared by every worker: in Redis ("redis", the default), or in
# the database ("database": bin/run's fallback on a machine without Redis; slower, same guarantee).
SHOPCREW_RATE_LIMITER = os.environ.get("SHOPCREW_RATE_LIMITER", "redis").strip().lower()
if SHOPCREW_RATE_LIMITER not in ("redis", "database"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured('SHOPCREW_RATE_LIMITER must be "redis" or "database".')
# Seconds a WeCom send may take before it counts as a timeout (then retried: it may have been posted).
SHOPCREW_WECOM_SEND_TIMEOUT = float(os.environ.get("SHOPCREW_WECOM_SEND_TIMEOUT", "10"))

# Demo mode keeps the simulated shops producing orders, shipments and returns: a beat task calls the
# simulators' control API (POST <this URL>/demo/tick) every 20 seconds. bin/run sets it to
# http://HOST:PORT/sandbox/control; empty (the default) turns the task into a no-op.
SHOPCREW_SANDBOX_CONTROL_URL = os.environ.get("SHOPCREW_SANDBOX_CONTROL_URL", "").rstrip("/")
# Mounted in the console, the simulators' pages and control API answer only signed-in super admins, and the
# console's own processes (the demo tick, push subscriptions, Shopee authorizations) with this credential in
# "Authorization: Bearer ..." (core.sandbox_mount). Derived from SECRET_KEY (local and test settings) unless set.
SHOPCREW_SANDBOX_CONTROL_TOKEN = os.environ.get("SHOPCREW_SANDBOX_CONTROL_TOKEN", "")


def derived_secret(secret_key: str, purpose: str) -> str:
    """A secret for one purpose, derived from SECRET_KEY (HMAC-SHA256): the same in every process of the console."""
    import hashlib
    import hmac

    return hmac.new(secret_key.encode(), f"shopcrew.{purpose}".encode(), hashlib.sha256).hexdigest()


SHOPCREW_DEMO_TICK_SECONDS = float(os.environ.get("SHOPCREW_DEMO_TICK_SECONDS", "20"))
if SHOPCREW_DEMO:
    CELERY_BEAT_SCHEDULE["sandbox-demo-tick"] = {
        "task": "sandbox.tasks.demo_tick",
        "schedule": SHOPCREW_DEMO_TICK_SECONDS,
        # A tick not picked up before the next one is due is dropped, not stacked up behind a stopped worker.
        "options": {"expires": SHOPCREW_DEMO_TICK_SECONDS},
    }
    # The demo's board fills within a minute of the first orders, its history (the shops' last weeks, read at the
    # first polls) within ten: five stores, a rollup of milliseconds.
    CELERY_BEAT_SCHEDULE["reports-rollup-days"] = {"task": "reports.tasks.rollup_days", "schedule": 60.0}
    CELERY_BEAT_SCHEDULE["reports-rollup-month"] = {
        "task": "reports.tasks.rollup_days",
        "schedule": 600.0,
        "kwargs": {"days_back": 35},
    }
    # The demo's ads are read every 20 seconds (a simulated spend spike reaches the 广告/运营 robot within a minute).
    SHOPCREW_ADS_POLL_INTERVAL = float(os.environ.get("SHOPCREW_ADS_POLL_INTERVAL", "20"))
    CELERY_BEAT_SCHEDULE["ads-poll-dispatch"] = {
        "task": "ads.tasks.poll_dispatch",
        "schedule": 10.0,
        "options": {"expires": 9},
    }
    # The simulators in the console forget push subscriptions and Shopee authorizations when it restarts:
    # re-register them (orders.demo).
    CELERY_BEAT_SCHEDULE["orders-demo-push-subscriptions"] = {
        "task": "orders.tasks.poll_demo_push_subscriptions",
        "schedule": 10.0,  # so the demo's first messages come within a minute of starting
        "options": {"expires": 9},
    }

# Checklists (sop.checklists): each active store's daily check is made once its local time reaches
# SHOPCREW_SOP_DAILY_AT and is due at its local SHOPCREW_SOP_DAILY_DUE; an overdue one is announced once.
SHOPCREW_SOP_DAILY_AT = os.environ.get("SHOPCREW_SOP_DAILY_AT", "06:00")
SHOPCREW_SOP_DAILY_DUE = os.environ.get("SHOPCREW_SOP_DAILY_DUE", "18:00")
CELERY_BEAT_SCHEDULE["sop-generate-daily-checks"] = {"task": "sop.tasks.generate_daily_checks", "schedule": 900.0}
CELERY_BEAT_SCHEDULE["sop-remind-overdue-checklists"] = {
    "task": "sop.tasks.remind_overdue_checklists",
    "schedule": 900.0,
}
