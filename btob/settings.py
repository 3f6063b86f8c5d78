"""Settings for the BTOB Services site, read from the environment.

Every variable is listed in `.env.example` and the README's configuration table.
"""

import mimetypes
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG=0; export a long random SECRET_KEY "
            "or run with DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or (
    ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "articles",
    "leads",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.typed_table_block",
    "wagtail.contrib.redirects",
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
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # Before everything: the page-statistics beacon answers cheaply, with no
    # session, routing or page cache (articles/page_stats.py).
    "articles.page_stats.BeaconMiddleware",
    # First after the beacon, so that it sees every header the others add: who
    # may cache a page.
    "articles.page_cache.EdgeCacheHeadersMiddleware",
    # X-Forwarded-Proto counts only when a trusted proxy sent it.
    "articles.client_address.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "btob.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "btob.middleware.SessionRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Counts readers' 404s for the "Not found" report; before the redirects, so
    # a path that now redirects is no longer counted.
    "articles.not_found.NotFoundMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Turns a login refused by the lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
    # While the database is down, the thank-you page from this host's copy.
    "leads.offline.OfflineThankYouMiddleware",
    # Last, so that a cached page still passes through every middleware above.
    "articles.page_cache.PageCacheMiddleware",
]

ROOT_URLCONF = "btob.urls"
WSGI_APPLICATION = "btob.wsgi.application"

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
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Seconds to wait for PostgreSQL to answer a new connection: a database host
# that does not answer fails fast, and the enquiry view spools the lead,
# instead of holding a gunicorn worker.
DB_CONNECT_TIMEOUT = int(os.environ.get("DB_CONNECT_TIMEOUT", "3"))
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = (
        DB_CONNECT_TIMEOUT
    )
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite (the zero-setup default) has one writer at a time: the web
    # process, the worker and `manage.py` all write (page statistics, the 404
    # report, periodic jobs). A transaction that takes the write lock at its
    # start waits for it (up to `timeout` seconds) instead of failing with
    # "database is locked" when a read inside it turns into a write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE", timeout=20
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "btob",
        }
    }
    # Staff sessions are read from Redis on every app host; written through to
    # the database too, so a Redis restart or eviction logs no editor out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # The database cache is shared by every gunicorn worker and server.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "btob_cache",
            # Every public page is cached here: cull only well past the site's size.
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
# Seconds a rendered public page stays in the shared cache (articles.page_cache),
# also sent as `s-maxage` so that a CDN or caching proxy keeps it as long; browsers
# get `max-age=PAGE_CACHE_BROWSER_SECONDS` (0: they ask again, cheaply, each time).
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
PAGE_CACHE_BROWSER_SECONDS = int(os.environ.get("PAGE_CACHE_BROWSER_SECONDS", "0"))

# Wagtail looks image renditions up here; a miss costs one query, so a
# per-process memory cache is enough and keeps that traffic off the database.
CACHES["renditions"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "renditions",
    "OPTIONS": {"MAX_ENTRIES": 5000},
}

# Checked first, so that a locked-out username and address never reach the
# password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (django-axes), on both admin logins: failures are counted per
# username and client address together, so one attacker locks out neither
# other users nor the same user elsewhere.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "articles.client_address.client_address"
AXES_LOCKOUT_TEMPLATE = "security/lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
# Login and failure logs hold usernames and addresses: kept LOGIN_LOG_DAYS, then
# pruned by a daily periodic job (articles/jobs.py).
LOGIN_LOG_DAYS = int(os.environ.get("LOGIN_LOG_DAYS", "90"))
LOGIN_LOG_PRUNE_SECONDS = 24 * 60 * 60

# Staff sessions end after SESSION_HOURS without a request and when the browser
# closes; Wagtail's "remember me" keeps the cookie for SESSION_HOURS instead. A
# request restarts the period when the last restart is SESSION_REFRESH_SECONDS
# old (btob.middleware.SessionRefreshMiddleware), not with a write every time.
SESSION_HOURS = int(os.environ.get("SESSION_HOURS", "12"))
SESSION_COOKIE_AGE = SESSION_HOURS * 60 * 60
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "en"
TIME_ZONE = "Asia/Karachi"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Media on S3-compatible object storage (django-storages) when MEDIA_S3_BUCKET
# is set, so that every app host sees every upload; local disk otherwise.
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
MEDIA_S3_ENDPOINT_URL = os.environ.get("MEDIA_S3_ENDPOINT_URL", "").rstrip("/")
MEDIA_S3_CUSTOM_DOMAIN = os.environ.get("MEDIA_S3_CUSTOM_DOMAIN", "")
MEDIA_S3_REGION = os.environ.get("AWS_S3_REGION_NAME") or os.environ.get(
    "AWS_DEFAULT_REGION", ""
)
# The bucket's credentials, as django-storages reads them (and articles.E003
# checks them); unset, boto3 falls back on the host's role or ~/.aws/credentials.
AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
if MEDIA_S3_BUCKET:
    # One fixed public address per object, built without asking the store:
    # cached HTML is the same from every process, and no URL is ever signed.
    if MEDIA_S3_CUSTOM_DOMAIN:
        MEDIA_URL = f"https://{MEDIA_S3_CUSTOM_DOMAIN}/"
    elif MEDIA_S3_ENDPOINT_URL:
        MEDIA_URL = f"{MEDIA_S3_ENDPOINT_URL}/{MEDIA_S3_BUCKET}/"
    else:
        MEDIA_URL = (
            f"https://{MEDIA_S3_BUCKET}.s3.{MEDIA_S3_REGION or 'us-east-1'}"
            ".amazonaws.com/"
        )
    # Each object's Content-Type is guessed from its name; Python 3.11 knows
    # WebP only from /etc/mime.types, which a slim server image may lack.
    mimetypes.add_type("image/webp", ".webp")
    media_protocol, _, media_domain = MEDIA_URL.rstrip("/").partition("//")
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": MEDIA_S3_ENDPOINT_URL or None,
            "region_name": MEDIA_S3_REGION or None,
            "addressing_style": "path" if MEDIA_S3_ENDPOINT_URL else None,
            "custom_domain": media_domain,
            "url_protocol": media_protocol,
            "querystring_auth": False,
            # No ACL on any object: the bucket is private, and its policy makes
            # only original_images/ and images/ (renditions) public, never
            # documents/ (deploy/s3-bucket-policy.json).
            "default_acl": None,
            # Two uploads of photo.jpg are two objects, as on local disk.
            "file_overwrite": False,
            # As nginx serves media from local disk (deploy/nginx/btob.conf).
            "object_parameters": {"CacheControl": "public, max-age=2592000"},
        },
    }
# Documents are always served by Wagtail's view, which applies collection
# privacy; on S3 Wagtail would otherwise redirect to the (private) object.
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# In development whitenoise serves straight from the app and project folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Security headers. HTTPS_ONLY=0 is for plain-HTTP runs on a private network.
HTTPS_ONLY = env_bool("HTTPS_ONLY", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS_ONLY else 0
# Both reach beyond this site (every subdomain; browsers' built-in lists), so
# each is its own opt-in.
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY and env_bool(
    "HSTS_INCLUDE_SUBDOMAINS", False
)
SECURE_HSTS_PRELOAD = HTTPS_ONLY and env_bool("HSTS_PRELOAD", False)
# check --deploy recommends both; leaving either off is a choice, not an oversight.
SILENCED_SYSTEM_CHECKS = [
    check
    for check, opted_in in (
        ("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS),
        ("security.W021", SECURE_HSTS_PRELOAD),
    )
    if not opted_in
]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Browser features neither the site nor the admins use are switched off for
# every page and anything it embeds; only names Chromium knows, since it logs
# an error for any other (tests/articles/test_admin_csp_browser.py).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "window-management",
        "xr-spatial-tracking",
    )
}

# Public pages, and the Django admin too: no inline script or style, nothing
# from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
# The directives the Wagtail admin needs looser, found in Chromium
# (tests/articles/test_admin_csp_browser.py): its form widgets start from inline
# scripts, its React editors add <style> elements, the multiple-image uploader
# shows blob: previews, and the preview panel is a same-origin frame. It needs
# no 'unsafe-eval'.
WAGTAIL_ADMIN_PATH_PREFIX = "/admin/"
WAGTAIL_ADMIN_CSP_REPLACE = {
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "frame-ancestors": ["'self'"],
}
# A page previewed in the Wagtail admin keeps the public policy, in its frame.
PREVIEW_CSP_REPLACE = {"frame-ancestors": ["'self'"]}
if MEDIA_S3_BUCKET:
    # Images and renditions come from the bucket (or its CDN), under MEDIA_URL only.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(MEDIA_URL)
    WAGTAIL_ADMIN_CSP_REPLACE["img-src"].append(MEDIA_URL)

# Reverse proxies in front of the app (addresses or CIDR ranges). Only from
# these are X-Forwarded-For and X-Forwarded-Proto believed.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client": {"()": "articles.client_address.ClientAddressFilter"}},
    "formatters": {
        "request": {"format": "%(levelname)s %(name)s client=%(client)s %(message)s"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "request": {
            "class": "logging.StreamHandler",
            "filters": ["client"],
            "formatter": "request",
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.request": {
            "handlers": ["request"],
            "level": "WARNING",
            "propagate": False,
        },
        "django.security": {
            "handlers": ["request"],
            "level": "WARNING",
            "propagate": False,
        },
    },
}

# Background tasks: Wagtail 8 uses django-tasks; the database backend keeps
# queued work across restarts and is drained by `manage.py db_worker`. It is
# django_tasks_db's, with each task's INSERT built once (btob/tasks.py).
TASKS = {"default": {"BACKEND": "btob.tasks.DatabaseBackend"}}
# A task claimed longer ago than this is taken for one whose worker died, and
# queued again; the worker looks for such tasks every TASKS_STALLED_CHECK_SECONDS
# (a periodic job, articles/periodic.py).
TASKS_STALLED_AFTER_SECONDS = int(os.environ.get("TASKS_STALLED_AFTER_SECONDS", "600"))
TASKS_STALLED_CHECK_SECONDS = int(os.environ.get("TASKS_STALLED_CHECK_SECONDS", "60"))
# Scheduled publishing and expiry: the worker checks every this many seconds, so
# a page goes live (or expires) at most this long after its time.
PUBLISH_SCHEDULED_SECONDS = int(os.environ.get("PUBLISH_SCHEDULED_SECONDS", "60"))
# IndexNow (articles/indexnow.py): with a key, publishes, unpublishes and moves
# are posted to the endpoint; a failed post is tried again after these delays.
INDEXNOW_KEY = os.environ.get("INDEXNOW_KEY", "")
INDEXNOW_ENDPOINT = os.environ.get(
    "INDEXNOW_ENDPOINT", "https://api.indexnow.org/indexnow"
)
INDEXNOW_RETRY_DELAYS = (15, 60, 300, 1800, 7200)
# Edge cache purge (articles/edge_cache.py): with FRONTEND_CACHE_URL (the caching
# proxy's purge address, e.g. http://127.0.0.1:6081), every change to what pages
# show sends PURGE for each address of the site there, from a task, each waiting
# at most FRONTEND_CACHE_TIMEOUT seconds. A purge the proxy missed (down, or an
# error answer) is sent again after FRONTEND_CACHE_RETRY_SECONDS, then twice as
# long each time, while the copies have not yet expired (0: no retries).
# wagtail.contrib.frontend_cache is left out of INSTALLED_APPS on purpose: its
# own signal handlers would purge twice.
FRONTEND_CACHE_URL = os.environ.get("FRONTEND_CACHE_URL", "")
FRONTEND_CACHE_TIMEOUT = float(os.environ.get("FRONTEND_CACHE_TIMEOUT", "3"))
FRONTEND_CACHE_RETRY_SECONDS = float(
    os.environ.get("FRONTEND_CACHE_RETRY_SECONDS", "15")
)
if FRONTEND_CACHE_URL:
    WAGTAILFRONTENDCACHE = {
        "default": {
            "BACKEND": "articles.edge_cache.HTTPBackend",
            "LOCATION": FRONTEND_CACHE_URL,
        }
    }
# The "Not found" report (articles/not_found.py): at most this many rows (path
# and referrer host) a day, kept NOT_FOUND_DAYS and pruned daily by the worker.
NOT_FOUND_MAX_PATHS_PER_DAY = int(os.environ.get("NOT_FOUND_MAX_PATHS_PER_DAY", "1000"))
NOT_FOUND_DAYS = int(os.environ.get("NOT_FOUND_DAYS", "90"))
NOT_FOUND_PRUNE_SECONDS = 24 * 60 * 60
# Review cycle (articles/review.py): an article is due for review this many days
# after its last review (or its publication date) and shows readers a notice that
# its figures may be out of date after ARTICLE_STALE_DAYS. The worker mails each
# owner a digest of their due articles every REVIEW_DIGEST_SECONDS; articles
# without an owner's address go to EDITORS_NOTIFY_EMAILS (comma-separated).
ARTICLE_REVIEW_DAYS = int(os.environ.get("ARTICLE_REVIEW_DAYS", "180"))
ARTICLE_STALE_DAYS = int(os.environ.get("ARTICLE_STALE_DAYS", "365"))
EDITORS_NOTIFY_EMAILS = env_list("EDITORS_NOTIFY_EMAILS")
REVIEW_DIGEST_SECONDS = int(os.environ.get("REVIEW_DIGEST_SECONDS", "86400"))

WAGTAIL_SITE_NAME = "BTOB Services"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"avif": "avif", "webp": "webp"}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No third-party requests from the admin either: initials instead of Gravatar.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Page statistics (articles/page_stats.py): with REDIS_URL, the beacon's counts
# wait in Redis until this periodic job adds them to the database; a view
# reaches the reports within this interval plus the worker's poll.
PAGE_STATS_FLUSH_SECONDS = int(os.environ.get("PAGE_STATS_FLUSH_SECONDS", "30"))

# Leads
# Who is mailed about each new enquiry (comma-separated addresses).
LEADS_NOTIFY_EMAILS = env_list("LEADS_NOTIFY_EMAILS")
# Valid enquiries per client address (IPv6: per /64) and period, e.g. 5/10m;
# 0 switches the limit off. The address is articles.client_address's.
LEADS_RATE_LIMIT = os.environ.get("LEADS_RATE_LIMIT", "5/10m")
# Each process keeps the source and thank-you pages its enquiries name, and
# asks the shared cache at most this often whether a page changed since
# (leads/pages.py): a lead sent within that time of a change may name the
# page as it was.
LEADS_PAGES_RECHECK_SECONDS = float(os.environ.get("LEADS_PAGES_RECHECK_SECONDS", "1"))
# How often the worker deletes the counts of windows that have ended.
LEADS_RATE_PRUNE_SECONDS = 60 * 60
# 1: also mail the visitor a short acknowledgement.
LEADS_ACKNOWLEDGE = env_bool("LEADS_ACKNOWLEDGE", False)
# Days after its last change that a won, lost or spam lead's personal data is erased.
LEADS_RETENTION_DAYS = int(os.environ.get("LEADS_RETENTION_DAYS", "730"))
# How often the worker runs erase_expired_leads (leads/jobs.py): daily.
LEADS_RETENTION_JOB_SECONDS = 24 * 60 * 60
# Where this host keeps the enquiries it could not save while the database was
# down (leads/spool.py), and how often its worker replays them.
LEADS_SPOOL_DIR = Path(
    os.environ.get("LEADS_SPOOL_DIR", BASE_DIR / "var" / "lead-spool")
)
LEADS_SPOOL_REPLAY_SECONDS = int(os.environ.get("LEADS_SPOOL_REPLAY_SECONDS", "30"))
# Follow-up (leads/jobs.py): a lead still new this many hours after it came in
# mails one reminder to its owner (or LEADS_NOTIFY_EMAILS); the worker looks
# every LEADS_FOLLOW_UP_CHECK_SECONDS.
LEADS_FOLLOW_UP_HOURS = float(os.environ.get("LEADS_FOLLOW_UP_HOURS", "24"))
LEADS_FOLLOW_UP_CHECK_SECONDS = int(
    os.environ.get("LEADS_FOLLOW_UP_CHECK_SECONDS", "300")
)
# 1: each new lead (not spam) gets an owner, round-robin over the active
# members of the Sales group.
LEADS_AUTO_ASSIGN = env_bool("LEADS_AUTO_ASSIGN", False)

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "BTOB Services <noreply@btobservices.pk>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not EMAIL_HOST
    else "django.core.mail.backends.smtp.EmailBackend"
)
