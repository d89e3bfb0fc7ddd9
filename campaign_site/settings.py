"""Settings for the campaign site.

Everything comes from the environment. The defaults give a working first run
(SQLite, local-memory cache, tasks in-process, email written to var/mail/);
production refuses to start without its secrets. See README.md.
"""

import os
import secrets
import sys
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from campaign_site.roles import ROLES

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CAMPAIGN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or default


DEBUG = env_bool("DJANGO_DEBUG")
# A one-process demo with debug off (SQLite, tasks inside the request, a per-process cache):
# allowed only when asked for by name, and the admin home says so.
SINGLE_PROCESS = env_bool("SINGLE_PROCESS")


def production_setting(name: str, what: str, *, demo_may_omit: bool = True) -> str:
    """The variable's value, or "" where the caller's development default may stand in: with
    debug on, or in a SINGLE_PROCESS demo when `demo_may_omit`. Otherwise a missing one stops
    start-up with one line naming it (no traceback): production never falls back silently."""
    value = os.environ.get(name, "").strip()
    if value or DEBUG or (SINGLE_PROCESS and demo_may_omit):
        return value
    sys.exit(
        f"Refusing to start: {name} is not set. Production (DJANGO_DEBUG off) needs {what}. "
        "For development set DJANGO_DEBUG=1; for a one-process demo, SINGLE_PROCESS=1."
    )


SECRET_KEY = (
    production_setting("DJANGO_SECRET_KEY", "a long random string", demo_may_omit=False)
    or "dev-only-insecure-key-used-while-DJANGO_DEBUG-is-on"
)  # noqa: S105

SITE_URL = (
    production_setting("SITE_URL", "the site's public address, e.g. https://example.org")
    or "http://localhost:8000"
).rstrip("/")
_site = urlsplit(SITE_URL)
SITE_IS_HTTPS = _site.scheme == "https"
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [_site.hostname or "localhost", "localhost", "127.0.0.1"]
)
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

INSTALLED_APPS = [
    "campaign_site.core.apps.CampaignAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "axes",
    "campaign_site.core.apps.TwoFactorDevicesConfig",
    "django_otp.plugins.otp_static",
    "crispy_forms",
    "crispy_bootstrap5",
    "anymail",
    "campaign_site.core",
    "volunteers",
    "events",
    "events.phonebank",
    "donations",
]

MIDDLEWARE = [
    # Outermost, so it sees every cookie any other layer sets (see pagecache).
    "campaign_site.core.pagecache.EdgeCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "campaign_site.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "campaign_site.core.sources.SourceCodeMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "campaign_site.urls"
WSGI_APPLICATION = "campaign_site.wsgi.application"

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
                "campaign_site.core.context_processors.campaign",
                "donations.context_processors.donations",
                "campaign_site.core.pagecache.page_cache_context",
            ],
        },
    },
]

DATABASE_URL = production_setting(
    "DATABASE_URL", "PostgreSQL, e.g. postgres://user:password@host/db"
)
if DATABASE_URL.startswith("sqlite") and not (DEBUG or SINGLE_PROCESS):
    sys.exit(
        "Refusing to start: DATABASE_URL names SQLite, which production (DJANGO_DEBUG off) does "
        "not use: set it to PostgreSQL, or SINGLE_PROCESS=1 for a one-process demo."
    )
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'campaign.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "campaign_site.User"
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username and address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Staff roles (groups and their permissions), synced after every migrate.
CAMPAIGN_ROLES = ROLES


def redis_cache(location: str, timeout_seconds: float = 1) -> dict:
    """The cache on Redis (django-redis). Everything cached can be recomputed from the
    database, so an outage is a miss on every cache method, never an error page; it is
    logged, and /healthz/ reports it."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": "campaign",
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": timeout_seconds,
            "SOCKET_TIMEOUT": timeout_seconds,
            "IGNORE_EXCEPTIONS": True,
        },
    }


DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
REDIS_URL = production_setting(
    "REDIS_URL", "Redis for the cache and the task queue, e.g. redis://127.0.0.1:6379/0"
)
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# Django's en-gb, with 24-hour times (campaign_site/formats/en_GB/formats.py).
FORMAT_MODULE_PATH = ["campaign_site.formats"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and generated pictures (the candidate's photo, the logo, share images).
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or VAR_DIR / "media")
# On S3-compatible storage when a bucket is named (README: Running in production).
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
if MEDIA_S3_BUCKET:
    try:
        import storages  # noqa: F401
    except ImportError as exc:
        raise ImproperlyConfigured(
            "MEDIA_S3_BUCKET is set, so media go to S3-compatible storage, which needs "
            "django-storages and boto3: pip install 'django-storages[s3]==1.14.6'"
        ) from exc
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "access_key": os.environ.get("MEDIA_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
            # Pages load nothing from another origin: the proxy serves the bucket under
            # SITE_URL/media/, and URLs are written that way.
            "custom_domain": os.environ.get("MEDIA_S3_CUSTOM_DOMAIN") or f"{_site.netloc}/media",
            "url_protocol": f"{_site.scheme}:",
            "querystring_auth": False,
            "default_acl": None,
            "file_overwrite": False,
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# The site serves var/media itself unless media are elsewhere (a proxy in front can serve
# the folder directly instead: MEDIA_SERVE=0).
MEDIA_SERVE = env_bool("MEDIA_SERVE", default=not MEDIA_S3_BUCKET)
# Files only staff may see (the spending ledger's invoices and receipts): on this host's disk,
# outside MEDIA_ROOT, never served by URL; admin serves each after a permission check.
PRIVATE_FILES_DIR = Path(os.environ.get("PRIVATE_FILES_DIR") or VAR_DIR / "private")

# `manage.py backup` (nightly from the deploy recipe's timer) writes here, keeps this many
# days of backups, and then runs the off-site command with {file} for the backup.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR") or VAR_DIR / "backups")
BACKUP_KEEP_DAYS = int(os.environ.get("BACKUP_KEEP_DAYS", "14"))
BACKUP_OFFSITE_COMMAND = os.environ.get("BACKUP_OFFSITE_COMMAND", "")
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email -----------------------------------------------------------------
# SMTP (EMAIL_HOST) by default; ANYMAIL_ESP (postmark, mailgun, amazon_ses, brevo, sparkpost,
# mailjet, ...) sends through that provider's API with django-anymail instead. (Bounce and
# complaint handling is tested with Postmark's and Brevo's payloads.)
# Every other ANYMAIL_<NAME> variable becomes anymail's <NAME> setting, e.g.
# ANYMAIL_POSTMARK_SERVER_TOKEN, ANYMAIL_MAILGUN_API_KEY, ANYMAIL_BREVO_API_KEY, and
# ANYMAIL_WEBHOOK_SECRET ("user:password", the basic auth of the tracking webhooks at
# SITE_URL/anymail/<esp>/tracking/).
# The sender of the campaign's emails unless campaign settings name one in admin (a name left
# out here is the campaign's, "Chris Williamson for Derby North").
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "campaign@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL_ESP = os.environ.get("ANYMAIL_ESP", "").strip().lower()
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("ANYMAIL_") and name != "ANYMAIL_ESP" and value
}
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if ANYMAIL_ESP:
    if ANYMAIL_ESP not in {
        "amazon_ses",
        "brevo",
        "mailersend",
        "mailgun",
        "mailjet",
        "mailtrap",
        "mandrill",
        "postal",
        "postmark",
        "resend",
        "scaleway",
        "sendgrid",
        "sparkpost",
        "unisender_go",
    }:
        raise ImproperlyConfigured(f"ANYMAIL_ESP={ANYMAIL_ESP!r} is not a provider anymail knows.")
    if ANYMAIL_ESP == "amazon_ses" and find_spec("boto3") is None:
        raise ImproperlyConfigured("ANYMAIL_ESP=amazon_ses needs boto3: pip install boto3.")
    if not DEBUG and not ANYMAIL.get("WEBHOOK_SECRET"):
        raise ImproperlyConfigured(
            "ANYMAIL_ESP is set but ANYMAIL_WEBHOOK_SECRET is not: set it to user:password "
            "and give the provider SITE_URL/anymail/<esp>/tracking/ with that basic auth, so "
            "bounces and complaints reach the site."
        )
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
# Without a secret of its own, the tracking webhooks accept no one (never anyone at all).
ANYMAIL.setdefault("WEBHOOK_SECRET", f"unset:{secrets.token_urlsafe(32)}")
# A hard bounce or a complaint suppresses an address for bulk email at once; soft bounces
# do after this many within this many days.
OUTBOX_SOFT_BOUNCE_LIMIT = int(os.environ.get("OUTBOX_SOFT_BOUNCE_LIMIT", "3"))
OUTBOX_SOFT_BOUNCE_DAYS = int(os.environ.get("OUTBOX_SOFT_BOUNCE_DAYS", "30"))
# A bulk send pauses itself once this many of its emails have gone and more than these
# shares of them bounced or were reported as spam. Who handles the pause, by what the
# emails are about:
OUTBOX_PAUSE_MIN_SAMPLE = int(os.environ.get("OUTBOX_PAUSE_MIN_SAMPLE", "200"))
OUTBOX_PAUSE_BOUNCE_RATE = float(os.environ.get("OUTBOX_PAUSE_BOUNCE_RATE", "0.05"))
OUTBOX_PAUSE_COMPLAINT_RATE = float(os.environ.get("OUTBOX_PAUSE_COMPLAINT_RATE", "0.003"))
OUTBOX_BULK_PAUSE_SERVICES = {"volunteers.update": "volunteers.update_services.update_pause"}

# The outbox: a row that fails is tried again after OUTBOX_RETRY_BASE_SECONDS, doubling up
# to OUTBOX_RETRY_MAX_SECONDS, until OUTBOX_GIVE_UP_AFTER_HOURS after it was written.
OUTBOX_RETRY_BASE_SECONDS = int(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "30"))
OUTBOX_RETRY_MAX_SECONDS = int(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", "3600"))
OUTBOX_GIVE_UP_AFTER_HOURS = float(os.environ.get("OUTBOX_GIVE_UP_AFTER_HOURS", "36"))
# Rows per task, and per claim: a worker claims a few rows at a time and renews its claim
# while it sends; a claim not renewed for OUTBOX_STALE_SENDING_SECONDS (its worker died)
# goes back to the queue at the next sweep.
OUTBOX_BATCH_SIZE = 200
OUTBOX_CLAIM_SIZE = int(os.environ.get("OUTBOX_CLAIM_SIZE", "20"))
OUTBOX_STALE_SENDING_SECONDS = float(os.environ.get("OUTBOX_STALE_SENDING_SECONDS", "90"))
OUTBOX_SWEEP_GRACE_SECONDS = int(os.environ.get("OUTBOX_SWEEP_GRACE_SECONDS", "120"))
# The content of emails sent longer ago than this is blanked every night (keys stay).
OUTBOX_KEEP_BODIES_DAYS = int(os.environ.get("OUTBOX_KEEP_BODIES_DAYS", "30"))

# New-session alerts: sessions published within this many minutes of the first go out in one
# email per supporter, at most one a day, never before this hour (UK time).
ALERT_DIGEST_WINDOW_MINUTES = int(os.environ.get("ALERT_DIGEST_WINDOW_MINUTES", "10"))
ALERT_DIGEST_EARLIEST_HOUR = int(os.environ.get("ALERT_DIGEST_EARLIEST_HOUR", "8"))

# --- Celery ----------------------------------------------------------------
# With no REDIS_URL, tasks run in-process (a first run needs no broker).
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A broker outage must not hang a web request: publishing gives up quickly
# and the outbox sweep sends whatever was not queued.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# No task runs for ever: a stuck SMTP conversation or query is cut off and retried by its
# sweep. Long fan-outs set their own, higher limits (they resume where they stopped).
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "300"))
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
# `make run` has no beat: its server process runs the schedule below itself, in a thread
# (campaign_site/core/sweeps.py). Production runs beat instead, and the admin home says when
# beat has stopped.
RUN_SWEEPS_IN_PROCESS = env_bool("RUN_SWEEPS_IN_PROCESS")
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "campaign_site.core.tasks.outbox_sweep_task",
        "schedule": crontab(minute="*"),
    },
    # Session reminders that are due, and new-session alert digests whose window has closed.
    "events-sweep": {
        "task": "events.tasks.events_sweep_task",
        "schedule": crontab(minute="*"),
    },
    # Restart an update's fan-out that stalled (broker down when Send was pressed, worker died).
    "update-fan-out-sweep": {
        "task": "volunteers.tasks.update_fan_out_sweep_task",
        "schedule": crontab(minute="*"),
    },
    # Monthly payments whose payment intent Stripe could not name when they arrived.
    "donations-sweep": {
        "task": "donations.tasks.donations_sweep_task",
        "schedule": crontab(minute="*/10"),
    },
    # Phonebank: holds long past their 15 minutes go back to the pool (counts stay true).
    "phonebank-sweep": {
        "task": "events.phonebank.tasks.phonebank_sweep_task",
        "schedule": crontab(minute="*/5"),
    },
    # Phonebank: political-opinion answers on the retention date, the rest after it.
    "phonebank-retention": {
        "task": "events.phonebank.tasks.phonebank_retention_task",
        "schedule": crontab(hour="3", minute="15"),
    },
    # Blank the content of emails sent more than OUTBOX_KEEP_BODIES_DAYS ago.
    "outbox-blank-old-bodies": {
        "task": "campaign_site.core.tasks.outbox_blank_old_bodies_task",
        "schedule": crontab(hour="4", minute="15"),
    },
    # Erase volunteers' personal data once the campaign's retention date has passed.
    "retention-erase": {
        "task": "volunteers.tasks.retention_erase_task",
        "schedule": crontab(hour="3", minute="30"),
    },
}

# --- Security --------------------------------------------------------------
# How many proxies (load balancer, nginx) stand in front of the site and append the client's
# address to X-Forwarded-For. Rate limits and sign-in lockout key on the client's address.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Staff sign in to admin with a password and a code from an authenticator app.
ADMIN_REQUIRE_TWO_FACTOR = env_bool("ADMIN_REQUIRE_TWO_FACTOR", default=not DEBUG)
OTP_TOTP_ISSUER = f"Campaign admin ({_site.hostname or 'localhost'})"
# Sign-in lockout (django-axes, campaign_site/core/login_guard.py): five failures for one
# username from one address lock that pair for 15 minutes; kept in the database.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = False  # cleared only once both factors pass (login_failures_clear)
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "campaign_site.core.login_guard.login_client_address"
AXES_VERBOSE = False
# The admin sign-in form shows a lockout itself, as a form error on the normal page, so
# axes' middleware (which would answer with a page of its own) is not used.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]
SESSION_COOKIE_HTTPONLY = True
# Organisers share laptops: a sign-in lasts a working day and ends with the browser.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# No script reads the CSRF cookie: forms carry the token in the page.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and SITE_IS_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    # Subdomains and the browsers' preload list are a choice: preloading is hard to undo on
    # a domain a campaign may give up after the election.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS")
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD")
    if not SECURE_HSTS_INCLUDE_SUBDOMAINS:
        SILENCED_SYSTEM_CHECKS.append("security.W005")  # chosen, see above
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Errors reach someone -------------------------------------------------------
# DJANGO_ADMINS: comma-separated addresses that get an email for every server error (Django's
# request errors, and failed Celery tasks). SENTRY_DSN: errors also go to Sentry, without
# personal data (no cookies, users or request bodies: sign-up forms hold email addresses;
# no signed-link tokens).
ADMINS = [(address, address) for address in env_list("DJANGO_ADMINS", [])]
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    from campaign_site.core.redaction import sentry_before_send

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        # Signed links' tokens masked in URLs, breadcrumbs and a view's `token` argument.
        before_send=sentry_before_send,
        traces_sample_rate=0,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "filters": {
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        # "Not Found: /events/cancel/[token]/": no signed link's token in a log line.
        "signed_links_masked": {"()": "campaign_site.core.redaction.SignedLinksMasked"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["signed_links_masked"],
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["signed_links_masked", "require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A task that raised (Django's own request errors already go to ADMINS).
        "celery.app.trace": {"handlers": ["console", "mail_admins"], "propagate": False},
    },
}

# --- Donations (Stripe) ------------------------------------------------------
# Donations switch on when the secret key and the webhook signing secret are set;
# without them /donate/ says donations are not set up yet. Checkout is Stripe's hosted
# page, so the publishable key is read but no Stripe script is ever loaded on our pages.
# STRIPE_API_BASE is empty for Stripe's own API; tests point it at a local fake.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
