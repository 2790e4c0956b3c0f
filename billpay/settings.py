"""BillPay settings: one module, every value read from the environment.

Defaults are for a developer's machine (SQLite, a file-based Celery broker, the Codat sandbox).
With DEBUG off, the secrets below must be set or start-up fails naming the missing variable.
The README's Configuration table lists every variable.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)


def _required(name: str, dev_default: str) -> str:
    """A secret: its dev default only while DEBUG is on, else it must be set."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"Set the {name} environment variable (required when DEBUG is off).")


# --- Core ---------------------------------------------------------------------------------------
SECRET_KEY = _required(
    "SECRET_KEY", "dev-only-insecure-key-8f3c1e0b7a6d4f29b1c5e2d9a7f60b3c4e8d1a2f"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
APP_BASE_URL = env.str("APP_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[APP_BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # widget templates for the TemplatesSetting form renderer
    "django_htmx",
    "template_partials",
    "csp",  # django-csp: its system checks (the policy itself is CONTENT_SECURITY_POLICY below)
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",  # authenticator apps (6-digit codes)
    "django_otp.plugins.otp_static",  # recovery codes, each good once
    "billpay.core",
    "billpay.onboarding",
    "billpay.notifications",
    "billpay.approvals",
    "billpay.bills",
    "billpay.mapping",
    "billpay.payments",
    "billpay.insights",
    "billpay.runs",
    "billpay.recurring",
    "billpay.inbound",
    "billpay.pushes",  # after the apps whose writes it sends: their adapters are registered
]  # + "billpay.sandbox" when SANDBOX_ENABLED (below)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every response that has none of its own.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware (Django's order): the browser's Accept-Language,
    # or the language cookie the header's chooser sets.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second login step.
    "django_otp.middleware.OTPMiddleware",
    # A logged-in user's own choice of language wins over the browser's (needs request.user).
    "billpay.onboarding.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "billpay.urls"
WSGI_APPLICATION = "billpay.wsgi.application"

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
                "billpay.onboarding.context_processors.navigation",
            ],
        },
    }
]

FORM_RENDERER = "billpay.core.forms.FormRenderer"

# --- Database -----------------------------------------------------------------------------------
# SQLite under var/ on a developer's machine; PostgreSQL (DATABASE_URL) in tests and production.
# ATOMIC_REQUESTS stays off: services own their transactions, and a request-wide one would wrap
# the calls to Codat.
DATABASES = {
    "default": env.db_url_config(
        _required("DATABASE_URL", f"sqlite:///{VAR_DIR / 'billpay.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE let the web process and the Celery worker share the file without
    # "database is locked" errors.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis and cache ----------------------------------------------------------------------------
REDIS_URL = _required("REDIS_URL", "") if not DEBUG else env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # Shared between the web process and the worker in `make run`, with no server to install.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery -------------------------------------------------------------------------------------
# Without Redis the broker is kombu's filesystem transport, so `make run` needs no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_TASK_IGNORE_RESULT = True  # state lives in the database, not in a result backend
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks cap their retry countdown here (retry_backoff_max); Redis must not redeliver an unacked
# message before a task could have finished, so the visibility timeout exceeds both limits.
CELERY_RETRY_BACKOFF_MAX = 600
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "control").mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        data_folder_in=str(_queue_dir),
        data_folder_out=str(_queue_dir),
        control_folder=str(VAR_DIR / "celery" / "control"),
        store_processed=False,
    )
# How often beat syncs every linked company (Codat also pushes read.completed webhooks).
SYNC_INTERVAL_MINUTES = env.int("SYNC_INTERVAL_MINUTES", default=15)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Every minute, record that a worker is alive; the health check reports how long ago.
    "worker-heartbeat": {"task": "billpay.core.tasks.worker_heartbeat_task", "schedule": 60.0},
    # Every SYNC_INTERVAL_MINUTES, read what changed in the books of every linked company.
    "sync-all-companies": {
        "task": "billpay.bills.tasks.bills_sync_all_task",
        "schedule": 60.0 * SYNC_INTERVAL_MINUTES,
    },
    # Every minute: follow up writes to the books with no news (missed webhooks, lost tasks,
    # crashed workers), whatever they write.
    "pushes-sweep": {"task": "billpay.pushes.tasks.push_sweep_task", "schedule": 60.0},
    # Every minute: check again recorded payments whose verification went quiet.
    "payments-verify-sweep": {
        "task": "billpay.payments.tasks.payments_verify_sweep_task",
        "schedule": 60.0,
    },
    # Every minute: verify again pay runs whose payments all settled but which went quiet.
    "runs-verify-sweep": {"task": "billpay.runs.tasks.runs_verify_sweep_task", "schedule": 60.0},
    # Every minute: submit scheduled payments that are due (holding any whose bill changed).
    "payments-submit-due": {
        "task": "billpay.payments.tasks.payments_submit_due_all_task",
        "schedule": 60.0,
    },
    # Every day at 6:00: make the recurring bills that are due (one task per company), and
    # prepare their payments once the bills are in the books.
    "recurring-bills": {
        "task": "billpay.recurring.tasks.recurring_run_all_task",
        "schedule": crontab(minute=0, hour=6),
    },
    # Mondays at 7:00: each company's members hear what is due this week (notifications).
    "bills-weekly-digest": {
        "task": "billpay.bills.tasks.bills_weekly_digest_task",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
}

# --- Codat --------------------------------------------------------------------------------------
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)
CODAT_BASE_URL = env.str("CODAT_BASE_URL", default=f"{APP_BASE_URL}/sandbox/api").rstrip("/")
CODAT_API_KEY = _required("CODAT_API_KEY", "sandbox-key")
CODAT_SYNC_PAGE_SIZE = env.int(
    "CODAT_SYNC_PAGE_SIZE", default=2000
)  # records per page read (≤ 5000)
# While Codat's first read of a new connection runs, check its dataStatus this often, this many times.
SYNC_WAIT_SECONDS = env.int("SYNC_WAIT_SECONDS", default=3)
SYNC_WAIT_RETRIES = env.int("SYNC_WAIT_RETRIES", default=200)
# A sync run that has not moved for this long died with its worker: the next request fails it.
SYNC_STALE_SECONDS = env.int("SYNC_STALE_SECONDS", default=30 * 60)
# Largest invoice file (PDF, PNG, JPEG) accepted with a new bill.
BILL_ATTACHMENT_MAX_BYTES = env.int("BILL_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# E-invoices in (issue 17): the largest file read (PDF or XML), and the domain of the inbound
# addresses (bills-<token>@INBOUND_EMAIL_DOMAIN) that the email provider forwards to our webhook.
INBOUND_MAX_BYTES = env.int("INBOUND_MAX_BYTES", default=10 * 1024 * 1024)
INBOUND_EMAIL_DOMAIN = env.str("INBOUND_EMAIL_DOMAIN", default="inbound.billpay.localhost")
# Email-in: one inbound email's largest size as the provider posts it (attachments in base64 make
# it about 4/3 of the files), and how many of its files are read (the rest are refused drafts).
INBOUND_MAX_MESSAGE_BYTES = env.int("INBOUND_MAX_MESSAGE_BYTES", default=40 * 1024 * 1024)
INBOUND_MAX_ATTACHMENTS = env.int("INBOUND_MAX_ATTACHMENTS", default=20)
# The upload page: one request's largest size (all its files together), refused before reading.
INBOUND_UPLOAD_MAX_BYTES = env.int("INBOUND_UPLOAD_MAX_BYTES", default=100 * 1024 * 1024)
# django-anymail's inbound webhooks (/webhooks/inbound/<provider>/). A provider's webhook is off
# (404) until its secret is set, in DEBUG too: an unset secret never means "accept anything".
# ANYMAIL_WEBHOOK_SECRET is the "user:password" basic auth put in the webhook URL (Postmark,
# SendGrid, Brevo, and Mailgun too when set); Mailgun signs with MAILGUN_WEBHOOK_SIGNING_KEY;
# Brevo's webhook also needs BREVO_API_KEY (it downloads each attachment from Brevo's API).
ANYMAIL = {
    key: value
    for key, value in {
        "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=""),
        "MAILGUN_WEBHOOK_SIGNING_KEY": env.str("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
        "BREVO_API_KEY": env.str("BREVO_API_KEY", default=""),  # Brevo's webhook fetches files
    }.items()
    if value
}
# How long a platform's options/* rules (required fields, lengths, currencies) are cached.
PUSH_OPTIONS_CACHE_SECONDS = env.int("PUSH_OPTIONS_CACHE_SECONDS", default=6 * 3600)
CODAT_WEBHOOK_SECRET = _required(
    "CODAT_WEBHOOK_SECRET", "whsec_ZGV2LW9ubHktd2ViaG9vay1zZWNyZXQtY2hhbmdlLW1l"
)

# Payment methods offered when paying a bill: key, label (lazy: shown in the reader's language),
# and the Codat bank account type it pays from (Debit: a bank account for transfers and checks;
# Credit: a card).
PAYMENT_METHODS = [
    ("bank_transfer", gettext_lazy("Bank transfer / ACH"), "Debit"),
    ("check", gettext_lazy("Check"), "Debit"),
    ("card", gettext_lazy("Card"), "Credit"),
]
# Every write to the books (a push): the polling fallback when no webhook arrives, in seconds
# between follow-ups (then the sweep takes over), how old a claim without an answer must be to
# count as crashed, how long a push must be quiet before the sweep kicks it, and how long a
# first poll leaves a webhook to arrive.
PUSH_POLL_DELAYS = [
    int(s)
    for s in env.list(
        "PUSH_POLL_DELAYS", default=["2", "4", "8", "15", "30", "60", "120", "300", "600"]
    )
]
PUSH_STALE_CLAIM_SECONDS = env.int("PUSH_STALE_CLAIM_SECONDS", default=300)
PUSH_SWEEP_SECONDS = env.int("PUSH_SWEEP_SECONDS", default=60)
PUSH_WEBHOOK_GRACE_SECONDS = env.int("PUSH_WEBHOOK_GRACE_SECONDS", default=10)

# --- Codat sandbox (the offline Codat emulator served under /sandbox/) ---------------------------
SANDBOX_API_KEYS = env.list("SANDBOX_API_KEYS", default=["sandbox-key"])
SANDBOX_REDIRECT_URL = env.str(
    "SANDBOX_REDIRECT_URL",
    default=f"{APP_BASE_URL}/connect/return/?companyId={{companyId}}&connectionId={{connectionId}}"
    "&statusCode={statusCode}&errorMessage={errorMessage}",
)
# Seconds before a push operation completes (Success/Failed); applied lazily on the next request.
SANDBOX_PUSH_DELAY_SECONDS = env.int("SANDBOX_PUSH_DELAY_SECONDS", default=1)
# Seconds before a queued dataset (data/queue, first read after linking) completes.
SANDBOX_SYNC_DELAY_SECONDS = env.int("SANDBOX_SYNC_DELAY_SECONDS", default=2)
# Codat's sync schedule: a read re-pulls a data type whose cache is older than this (0 = never).
SANDBOX_CACHE_REFRESH_SECONDS = env.int("SANDBOX_CACHE_REFRESH_SECONDS", default=3600)
# Data types Codat's first read fetches after linking ("Fetch on first link"; Bill Pay's defaults).
SANDBOX_FIRST_READ_DATA_TYPES = env.list(
    "SANDBOX_FIRST_READ_DATA_TYPES",
    default=[
        "bankAccounts",
        "bills",
        "billPayments",
        "chartOfAccounts",
        "company",
        "paymentMethods",
        "suppliers",
    ],
)
# Bills generated for a connection approved on the Link page while its books are empty.
SANDBOX_DEFAULT_BILLS = env.int("SANDBOX_DEFAULT_BILLS", default=150)
# Requests per minute per API key before 429 (Codat's DoS cap is 1,000/min per IP).
SANDBOX_RATE_LIMIT_PER_MINUTE = env.int("SANDBOX_RATE_LIMIT_PER_MINUTE", default=1000)
# Requests per UTC day per API key before 429 (the X-Rate-Limit-Limit header).
SANDBOX_RATE_LIMIT_PER_DAY = env.int("SANDBOX_RATE_LIMIT_PER_DAY", default=100000)
# Share of API requests (0..1) answered 500 or 503 (a company's admin fields override the faults).
SANDBOX_FAULT_ERROR_RATE = env.str("SANDBOX_FAULT_ERROR_RATE", default="0")
# Milliseconds of latency added to every API request.
SANDBOX_FAULT_LATENCY_MS = env.int("SANDBOX_FAULT_LATENCY_MS", default=0)
# Chance (0..1) that a request starts a burst of 429s with Retry-After.
SANDBOX_FAULT_429_RATE = env.str("SANDBOX_FAULT_429_RATE", default="0")
# Requests refused in a row once a 429 burst starts.
SANDBOX_FAULT_429_BURST = env.int("SANDBOX_FAULT_429_BURST", default=3)
# Share of writes (0..1) that are applied but answered 502, as if the response were lost.
SANDBOX_FAULT_LOST_RESPONSE_RATE = env.str("SANDBOX_FAULT_LOST_RESPONSE_RATE", default="0")
# Seed for the fault RNG, so a fault sequence can be replayed exactly.
SANDBOX_FAULT_SEED = env.int("SANDBOX_FAULT_SEED", default=0)
# A first read's data types end in this dataStatus error (e.g. FetchError) unless a company's
# admin fields say otherwise; empty = first reads succeed.
SANDBOX_FAULT_FIRST_READ_ERROR = env.str("SANDBOX_FAULT_FIRST_READ_ERROR", default="")
# Which first-read data types that error hits (empty = all of them).
SANDBOX_FAULT_FIRST_READ_ERROR_TYPES = env.list("SANDBOX_FAULT_FIRST_READ_ERROR_TYPES", default=[])
# Where the sandbox POSTs signed webhooks (empty = no webhooks), e.g. the app's receiver URL.
SANDBOX_WEBHOOK_URL = env.str("SANDBOX_WEBHOOK_URL", default="")
# The whsec_ secret webhooks are signed with (the app verifies with CODAT_WEBHOOK_SECRET).
SANDBOX_WEBHOOK_SECRET = env.str("SANDBOX_WEBHOOK_SECRET", default=CODAT_WEBHOOK_SECRET)
# Seconds the sandbox waits for the receiver to answer a webhook.
SANDBOX_WEBHOOK_TIMEOUT_SECONDS = env.int("SANDBOX_WEBHOOK_TIMEOUT_SECONDS", default=5)
# Deliver webhooks from a background thread after commit (off: inline, for tests).
SANDBOX_WEBHOOK_IN_THREAD = env.bool("SANDBOX_WEBHOOK_IN_THREAD", default=True)

if SANDBOX_ENABLED:
    # The emulator is an app only where it runs: production has neither its models, admin,
    # checks, commands nor tasks (its URLs are mounted under the same condition).
    INSTALLED_APPS.append("billpay.sandbox")
    # Every 2 seconds, the sandbox does what Codat does on its own: finishes due pushes and reads
    # and sends their webhooks (without it they advance only when a request touches them).
    CELERY_BEAT_SCHEDULE["sandbox-tick"] = {
        "task": "billpay.sandbox.tasks.sandbox_tick_task",
        "schedule": 2.0,
    }

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "onboarding.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while an address is locked out
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "onboarding:home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)
# Login throttling: lock a username+address pair out for an hour after 5 failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Behind N proxies (e.g. 1 on Heroku-style routers) the client address is the Nth from the right
# of X-Forwarded-For; without this every user would share the router's address and lock-out.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)
if AXES_IPWARE_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field name, though users type an email
AXES_USERNAME_CALLABLE = "billpay.onboarding.auth.axes_username"
# Two-step login (django-otp): the name authenticator apps show next to the account.
OTP_TOTP_ISSUER = "BillPay"
# How long the password step is remembered while the code is asked for, in seconds.
TWO_FACTOR_PENDING_SECONDS = 300

# --- Email --------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="BillPay <billpay@localhost>")

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
# Compiled catalogues (.mo) are committed next to their .po: `make messages` rebuilds them.
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60  # the header's choice outlives the session
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One date format per language, "5 Mar 2025" and "5 mars 2025" (billpay/core/formats/<lang>/):
# Django's own locale formats would win over DATE_FORMAT below, so they come from there.
FORMAT_MODULE_PATH = ["billpay.core.formats"]
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
DATE_INPUT_FORMATS = ["%d %b %Y", "%d %B %Y", "%Y-%m-%d"]

# The most bills one pay run pays ("Pay all matching" takes the first this many of the filter).
PAY_RUN_MAX_BILLS = 1000

# --- Security (production) ----------------------------------------------------------------------
# Sessions are kept in the database and read through the cache (Redis; files in `make run`):
# a page reads its session without a query, and a cache flush loses no one's login.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (issue 15): only this site's own files run, style or load; no inline
# script, no style attribute, no eval (htmx is told so in base.html's htmx-config). Pages are
# framed by no one, as X_FRAME_OPTIONS says: the invoice preview, framed by the bill's own page,
# sends its own stricter policy with frame-ancestors 'self' (bills/views/review.py).
# The same in development, tests and production, so a violation shows up before it ships.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # Behind Heroku-style routers TLS ends at the proxy, which sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
