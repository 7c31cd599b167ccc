"""Settings shared by every environment. Configuration comes from environment variables only.

With nothing set the project runs on one machine with no service: SQLite in ``var/``, Celery tasks
run eagerly in-process, mail is printed to the console and media live in ``var/media/``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-never-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "lms.apps.LmsConfig",
    # Our rooms, in the order of ARCHITECTURE.md.
    "people",
    "skills",
    "quizzes",
    "courses",
    "progress",
    "paths",
    "certificates",
    "home",
    # Wagtail.
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # Infrastructure.
    "axes",
    "django_celery_beat",
    # Django.
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wagtail.contrib.settings.context_processors.settings",
                "home.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite in var/ unless DATABASE_URL says otherwise.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(exist_ok=True)
    # IMMEDIATE: a transaction that will write takes the write lock at its start, so that concurrent
    # read-then-write transactions wait for each other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: the Celery broker and the cache when REDIS_URL is set.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "capnum",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Accounts.
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "home:dashboard"
LOGOUT_REDIRECT_URL = "people:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # reset and invitation links last three days
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions: a working day for agents; staff roles (HR, trainers, administrators) get a shorter one,
# set at login by people.signals.
SESSION_COOKIE_AGE = 60 * 60 * 10
STAFF_SESSION_AGE = 60 * 60 * 2
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Brute-force protection: locked per (username, IP) so that fifty agents behind one town-hall
# address are not locked out together.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "people.backends.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "people/locked_out.html"
# Number of trusted reverse proxies in front of the web processes (1 behind deploy/nginx.conf.sample).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "people.backends.client_ip"

# Internationalisation: French first, English available.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# Static files and media.
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_BUCKET = env("MEDIA_BUCKET", default="")
if MEDIA_BUCKET:
    # S3-compatible object storage (Scaleway, OVHcloud, Outscale, MinIO…) for several machines.
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_BUCKET,
            "endpoint_url": env("MEDIA_ENDPOINT_URL", default=None),
            "region_name": env("MEDIA_REGION", default=None),
            "access_key": env("MEDIA_ACCESS_KEY_ID", default=None),
            "secret_key": env("MEDIA_SECRET_ACCESS_KEY", default=None),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# E-mail: printed to the console unless EMAIL_URL says otherwise (smtp+tls://user:pass@host:587).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
if vars().get("EMAIL_FILE_PATH") and not str(EMAIL_FILE_PATH).startswith("/"):  # noqa: F821
    # django-environ drops the leading slash of filemail:///var/mail; the path is meant absolute.
    EMAIL_FILE_PATH = "/" + EMAIL_FILE_PATH  # noqa: F821
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Cap Numérique <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: eager in-process without REDIS_URL; configured not to lose work with one.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SOFT_TIME_LIMIT = 10 * 60
CELERY_TASK_TIME_LIMIT = 15 * 60
# Longer than the hard time limit of any task, so that an unacknowledged task is not redelivered
# while a worker is still running it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic tasks beat starts with (django-celery-beat copies them to its table, where an operator can
# change them in the admin).
CELERY_BEAT_SCHEDULE = {
    "progress-send-statements": {"task": "progress.tasks.send_statements", "schedule": 60.0},
    "certificates-requeue-stuck": {"task": "certificates.tasks.requeue_stuck_certificates", "schedule": 300.0},
    "paths-send-notifications": {"task": "paths.tasks.send_notifications", "schedule": 3600.0},
    "paths-requeue-stuck-assignments": {"task": "paths.tasks.requeue_stuck_assignments", "schedule": 300.0},
    "paths-resend-undelivered": {"task": "paths.tasks.resend_undelivered_notifications", "schedule": 600.0},
    "paths-run-rules": {"task": "paths.tasks.run_rules", "schedule": crontab(hour=2, minute=30)},
    "skills-refresh-expired-levels": {
        "task": "skills.tasks.refresh_expired_levels",
        "schedule": crontab(hour=3, minute=15),
    },
}

# Learning Record Store: with LRS_ENDPOINT set (e.g. https://lrs.example.org/xAPI), the learning
# record is sent there as xAPI 1.0.3 statements, in batches, by a Celery task.
LRS_ENDPOINT = env("LRS_ENDPOINT", default="")
LRS_USERNAME = env("LRS_USERNAME", default="")
LRS_PASSWORD = env("LRS_PASSWORD", default="")
LRS_TIMEOUT = env.float("LRS_TIMEOUT", default=10.0)
LRS_BATCH_SIZE = env.int("LRS_BATCH_SIZE", default=100)

# Open Badges: the platform's Ed25519 private key (32 bytes, base64) signs the credentials exported with
# certificates (DataIntegrityProof, eddsa-jcs-2022). Unset: credentials are exported unsigned.
OPENBADGES_SIGNING_KEY = env("OPENBADGES_SIGNING_KEY", default="")

# Wagtail.
WAGTAIL_SITE_NAME = "Cap Numérique"
WAGTAILADMIN_BASE_URL = SITE_URL
# Catalogue search: the database backend by default (PostgreSQL full-text search in French); an
# OpenSearch or Elasticsearch cluster when SEARCH_URL is set (the client package of that engine,
# e.g. opensearch-py, must then be installed beside requirements.txt).
SEARCH_URL = env("SEARCH_URL", default="")
SEARCH_BACKEND = env("SEARCH_BACKEND", default="wagtail.search.backends.opensearch2")
if SEARCH_URL:
    WAGTAILSEARCH_BACKENDS = {
        "default": {"BACKEND": SEARCH_BACKEND, "URLS": [SEARCH_URL], "INDEX": env("SEARCH_INDEX", default="capnum")}
    }
else:
    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "french"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "ods", "odp", "pdf", "pptx", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAIL_ENABLE_UPDATE_CHECK = False
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Agent import.
AGENT_IMPORT_MAX_BYTES = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

CAPNUM_SETTINGS_NAME = "base"
