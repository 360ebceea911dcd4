"""Settings shared by every environment; deployment values come from the environment."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parents[2]
SITE_DIR = BASE_DIR / "site"
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Our apps come first so their templates override Wagtail's and Django's.
    "members",
    "pagecache",
    "home",
    "news",
    "library",
    "school",
    "exams",
    "points",
    "mailbox",
    "notices",
    "surveys",
    "elections",
    "assessment",
    "evaluation",
    "search",
    "notifications",
    "backups",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.table_block",
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
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.humanize",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # Forwarding headers (X-Forwarded-Proto, X-Forwarded-For) count only from
    # PORTAL_TRUSTED_PROXIES: dropped here before anything reads them.
    "members.client_ip.TrustedProxyMiddleware",
    # Anonymous pages are answered from the cache before any middleware below works;
    # a stored page carries the headers they gave it (pagecache/cache.py).
    "pagecache.cache.AnonymousPageCacheMiddleware",
    # Rendered pages compressed once, inside the page cache, which keeps the compressed
    # copy (as nginx's micro-cache does: it asks for gzip). pagecache/compression.py.
    "pagecache.compression.PageGZipMiddleware",
    # Study heartbeats buffered in Redis are answered here, with the session and
    # Django's CSRF check, before the rest does any work (school/middleware.py).
    "school.middleware.HeartbeatMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "pagecache.cache.CachedSiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "members.middleware.CurrentRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "members.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "members.csp.PortalCSPMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
    # Accounts whose password an administrator set change it before anything else.
    "members.accounts.middleware.PasswordChangeRequiredMiddleware",
    # Bad parameters reaching code we do not own (Wagtail's admin) get 400/404.
    "home.middleware.MalformedInputMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# Database: SQLite in var/ by default, anything dj-database-url understands by DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web server read while the task worker writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis by REDIS_URL; otherwise a file cache shared by the web and worker processes.
# "renditions" is Wagtail's image rendition cache. Wagtail writes the renditions it
# found back on every {% picture %}; a file cache lists its whole folder on every
# write, so without Redis each process keeps its own, in memory.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
        },
        "renditions": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal-renditions",
            "TIMEOUT": 3600,
        },
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
        "renditions": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "portal-renditions",
            "TIMEOUT": 600,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
    }

# Rate-limit counters (members.ratelimit): in Redis when there is one, else in the
# database; never in a file or local-memory cache (not atomic across processes).
PORTAL_RATELIMIT_REDIS_URL = REDIS_URL

# Background jobs: one queue for Wagtail's tasks and ours, stored in the database.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "video", "search"],
    }
}

# Authentication and passwords (等保三级: length, character classes, lockout).
AUTHENTICATION_BACKENDS = [
    # axes' lockout with each attempt counted atomically before the password check.
    "members.backends.RateLimitedAxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "members.validators.CharacterClassesValidator",
        "OPTIONS": {"min_classes": 3},
    },
]
LOGIN_URL = "members:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
# Each parameter locks on its own: the account after 5 failures from anywhere,
# the IP after 5 failures against any account.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Attempts refused during a lockout neither count as failures nor extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "members.security.lockout_response"
# Number of reverse proxies in front of the site whose X-Forwarded-For is trusted.
PORTAL_TRUSTED_PROXY_COUNT = env.int("PORTAL_TRUSTED_PROXY_COUNT", default=0)
# The addresses (or networks) those proxies connect from: X-Forwarded-Proto and
# X-Forwarded-For from any other peer are dropped (members.client_ip). gunicorn's
# forwarded_allow_ips reads the same variable (deploy/gunicorn.conf.py).
PORTAL_TRUSTED_PROXIES = env.list(
    "PORTAL_TRUSTED_PROXIES", default=["127.0.0.1", "::1"]
)
AXES_CLIENT_IP_CALLABLE = "members.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "members.security.client_username"
AXES_VERBOSE = False

# A signed-in session ends after this many seconds without a request, on the public
# site as in the admin (等保: 30 minutes); the cookie ends with the browser.
PORTAL_SESSION_IDLE_TIMEOUT = env.int("PORTAL_SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# How long the server keeps a session row after its last write.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # Wagtail overrides it for its preview frames
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Wagtail's admin sets style attributes from its scripts.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
        "worker-src": ["'self'", "blob:"],
    }
}

# Wagtail's admin widgets (date pickers, inline panels) carry inline scripts.
PORTAL_ADMIN_PATH_PREFIX = "/admin/"
PORTAL_ADMIN_CSP_REPLACE = {"script-src": ["'self'", "'unsafe-inline'"]}

# Limits on requests (oversized bodies are refused before any view runs).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o644

# Language and time: a Chinese site.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [SITE_DIR / "locale"]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_DATE_FORMAT = "%Y-%m-%d"
WAGTAIL_DATETIME_FORMAT = "%Y-%m-%d %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"

# Static files and media.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [SITE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))

MEDIA_STORAGE = env("MEDIA_STORAGE", default="local")
if MEDIA_STORAGE == "s3":
    _media_backend = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    _media_backend = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_backend,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# Mail: SMTP when EMAIL_HOST names a server; otherwise (development, `make run`)
# every message is written as a file under var/mail/ (production.py always uses SMTP).
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@dangjian.local")

# The site's own address (scheme://host[:port], no trailing slash), e.g.
# https://dangjian.example.com: canonical links, og:url/og:image, the sitemap, RSS and
# links in e-mails use it instead of the request's Host. Unset, they use the Wagtail
# Site record (manage.py setup_site); production requires it (home.checks, production.py).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="").strip().rstrip("/")

# Wagtail.
WAGTAIL_SITE_NAME = env("PORTAL_SITE_NAME", default="红星集团党建网")
# Links to the admin in Wagtail's and our e-mails; the site's address unless the
# admin is served elsewhere.
WAGTAILADMIN_BASE_URL = env(
    "WAGTAILADMIN_BASE_URL", default=PORTAL_BASE_URL or "http://localhost:8000"
)
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
# Upload limits, enforced by Wagtail's forms (single, multiple and chooser uploads)
# with its Chinese "文件过大" message. nginx's client_max_body_size for /admin/images/
# and /admin/documents/ must be at least these plus 1 MB of form overhead.
WAGTAILIMAGES_MAX_UPLOAD_SIZE = env.int(
    "PORTAL_IMAGE_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024
)
WAGTAILDOCS_MAX_UPLOAD_SIZE = env.int(
    "PORTAL_DOCUMENT_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024
)
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "txt", "xlsx", "pptx", "ofd"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Every document upload (one, several, the chooser's, a replaced file) refuses PDFs
# that carry active content (home.pdf_safety).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "library.forms.PortalDocumentForm"
WAGTAIL_PASSWORD_RESET_ENABLED = False
TAGGIT_CASE_INSENSITIVE = True

# Our own settings.
PORTAL_FIELD_ENCRYPTION_KEY = env("PORTAL_FIELD_ENCRYPTION_KEY", default="")
PORTAL_SEARCH_INDEX_DIR = VAR_DIR / "search"
# Search: the embedded engine unless ELASTICSEARCH_URL names one or more nodes
# (comma-separated). Everything an operator tunes comes from the environment.
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL", default="")
PORTAL_SEARCH_ELASTICSEARCH = {
    "BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
    "URL": ELASTICSEARCH_URL,
    # The alias the site reads and writes; the prefix separates environments
    # (e.g. "staging-") that share a cluster.
    "INDEX": env("ELASTICSEARCH_INDEX_PREFIX", default="")
    + env("ELASTICSEARCH_INDEX", default="portal"),
    "API_KEY": env("ELASTICSEARCH_API_KEY", default=""),
    "CA_CERTS": env("ELASTICSEARCH_CA_CERTS", default=""),
    "SSL_FINGERPRINT": env("ELASTICSEARCH_SSL_FINGERPRINT", default=""),
    "TIMEOUT": env.float("ELASTICSEARCH_TIMEOUT", default=30.0),
    "SEARCH_TIMEOUT": env.float("ELASTICSEARCH_SEARCH_TIMEOUT", default=1.5),
    "MAX_RETRIES": env.int("ELASTICSEARCH_MAX_RETRIES", default=3),
    "SHARDS": env.int("ELASTICSEARCH_SHARDS", default=1),
    "REPLICAS": env.int("ELASTICSEARCH_REPLICAS", default=0),
    "REFRESH_INTERVAL": env("ELASTICSEARCH_REFRESH_INTERVAL", default="1s"),
}
PORTAL_SEARCH_BACKENDS = {
    "default": (
        PORTAL_SEARCH_ELASTICSEARCH
        if ELASTICSEARCH_URL
        else {
            "BACKEND": "search.backends.embedded.EmbeddedBackend",
            "PATH": VAR_DIR / "search" / "index.sqlite3",
        }
    )
}
# Only this many characters of a document's text are indexed and searchable
# (titles and metadata always are); the document itself keeps its whole text.
PORTAL_SEARCH_MAX_BODY_CHARS = env.int("PORTAL_SEARCH_MAX_BODY_CHARS", default=200_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "modelsearch": {"level": "WARNING"},
        "elastic_transport": {"level": "WARNING"},
    },
}

# Periodic jobs run by `manage.py run_schedule`: (command, every N seconds, arguments).
PORTAL_SCHEDULE = [
    ("recover_stalled_videos", 60, []),
    ("flush_read_counts", 60, []),
    # Backstop of the fold the heartbeats schedule themselves (worker busy or down).
    ("fold_study_heartbeats", 5, []),
    ("send_mailbox_reminders", 3600, []),
    ("send_course_reminders", 3600, []),
    ("purge_mailbox_personal_data", 24 * 3600, []),
    ("prune_db_task_results", 24 * 3600, ["--min-age-days", "7", "--queue-name", "*"]),
    ("rebuild_study_summary", 24 * 3600, []),
    ("repair_search_index", 300, []),
    ("expire_activation_codes", 3600, []),
    ("purge_rate_limits", 3600, []),
    ("send_notification_emails", 60, []),
    # Votes and members' surveys: announced when running, reminders before closing.
    ("send_election_reminders", 600, []),
    ("send_survey_reminders", 600, []),
    # 学习积分 from study time and lessons (written without signals): the last 2 days.
    ("recompute_points", 600, ["--days", "2"]),
    ("send_assessment_reminders", 3600, []),
]

# Sections that `manage.py setup_site` (and load_demo) install: each returns its page,
# created if missing, with its role groups' page and collection permissions.
PORTAL_SITE_SECTIONS = [
    "news.services.install_news_section",
    "library.services.install_library_section",
    "school.services.install_school_section",
    "notices.services.install_notice_section",
]

# Site navigation after the home page's menu pages: (title, URL name); a name that
# does not reverse is an error (system check home.E003), never dropped.
PORTAL_NAV_LINKS = [
    ("领导信箱", "mailbox:write"),
    ("留言板", "mailbox:board"),
    ("网上调查", "surveys:index"),
    ("投票", "elections:index"),
]

# school: online party school (video pipeline, study time, appraisal).
PORTAL_VIDEO_MAX_UPLOAD_BYTES = env.int(
    "PORTAL_VIDEO_MAX_UPLOAD_BYTES", default=2 * 1024**3
)
PORTAL_VIDEO_MAX_DURATION = 6 * 60 * 60  # seconds
PORTAL_VIDEO_MAX_PIXELS = 4096 * 2304
PORTAL_VIDEO_FFMPEG_TIMEOUT = env.int("PORTAL_VIDEO_FFMPEG_TIMEOUT", default=4 * 3600)
PORTAL_VIDEO_FFMPEG_NICENESS = 10
PORTAL_VIDEO_FFMPEG_THREADS = env.int("PORTAL_VIDEO_FFMPEG_THREADS", default=0)
# A transcode whose progress has not moved for this long is considered dead.
PORTAL_VIDEO_STALL_SECONDS = 120
# Video sources and transcoded output stay on local disk even with MEDIA_STORAGE=s3
# (ffmpeg reads paths); with several hosts, a volume all web and task hosts share.
PORTAL_VIDEO_ROOT = env("PORTAL_VIDEO_ROOT", default="")
# Behind nginx: the internal location that serves PORTAL_VIDEO_ROOT (e.g.
# "/_videos/"); Django then checks access and nginx sends the bytes.
PORTAL_VIDEO_ACCEL_REDIRECT = env("PORTAL_VIDEO_ACCEL_REDIRECT", default="")
PORTAL_SCHOOL_HEARTBEAT_SECONDS = 10
# The player's 倍速 menu; the fastest is the most study time a member can earn per
# second of server time (school/progress.py).
PORTAL_SCHOOL_PLAYBACK_RATES = [0.75, 1.0, 1.25, 1.5, 2.0]
PORTAL_SCHOOL_MAX_PLAYBACK_RATE = max(PORTAL_SCHOOL_PLAYBACK_RATES)
# A heartbeat this soon after the member's previous credited one earns nothing (the
# player sends its intervals again with the next one).
PORTAL_SCHOOL_MIN_HEARTBEAT_SECONDS = 2.0
# Heartbeats are buffered in Redis and folded into the database in batches when set
# (school/heartbeat_buffer.py); written straight to the database otherwise.
PORTAL_SCHOOL_HEARTBEAT_REDIS_URL = env(
    "PORTAL_SCHOOL_HEARTBEAT_REDIS_URL", default=REDIS_URL
)
PORTAL_SCHOOL_HEARTBEAT_REDIS_PREFIX = "portal:school:"
# The fold runs this long after the first heartbeat it finds waiting.
PORTAL_SCHOOL_FOLD_DELAY_SECONDS = 2
PORTAL_SCHOOL_COMPLETION_RATIO = 0.9
# Default 学时 of a course from its duration: (minimum seconds, 学时), first match wins.
PORTAL_SCHOOL_CREDIT_RULES = [(30 * 60, "1"), (15 * 60, "0.5"), (0, "0.25")]
PORTAL_SCHOOL_YEARLY_TARGET = 32
PORTAL_SCHOOL_SECRETARY_YEARLY_TARGET = 56
# exams: an answer or a hand-in arriving this many seconds after an attempt's
# deadline still counts (a request already on its way when the time ran out).
PORTAL_EXAMS_GRACE_SECONDS = 2
# 结业证书: the issuing organisation printed on certificates (default: the top
# organisation of the member's tree); wrong serial/token look-ups per client IP.
PORTAL_EXAMS_CERTIFICATE_ISSUER = env("PORTAL_EXAMS_CERTIFICATE_ISSUER", default="")
PORTAL_EXAMS_CERTIFICATE_LOOKUPS_PER_IP = (30, 3600)
# Annual appraisal: members by share of their 学时 target reached; branches by the
# share of their members who reached it.
PORTAL_SCHOOL_APPRAISAL = {
    "member_excellent_ratio": 1.25,
    "member_qualified_ratio": 1.0,
    "branch_excellent_rate": 0.9,
    "branch_qualified_rate": 0.6,
}

# mailbox: leader mailbox and message board.
PORTAL_MAILBOX_FILES_ROOT = Path(
    env("PORTAL_MAILBOX_FILES_ROOT", default=str(VAR_DIR / "mailbox-files"))
)
PORTAL_MAILBOX_RETENTION_DAYS = env.int("PORTAL_MAILBOX_RETENTION_DAYS", default=730)
# Each letter attachment (three at most). nginx's client_max_body_size for letter
# writing must be at least three of them plus 2 MB (mailbox.views.max_letter_body).
# assessment: 网上考核 evidence files (checked like letter attachments, served by a view).
PORTAL_ASSESSMENT_FILES_ROOT = Path(
    env("PORTAL_ASSESSMENT_FILES_ROOT", default=str(VAR_DIR / "assessment-files"))
)
PORTAL_MAILBOX_ATTACHMENT_MAX_BYTES = env.int(
    "PORTAL_MAILBOX_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024
)
PORTAL_MAILBOX_REMIND_WORKING_DAYS = 1  # reminder this many working days before due
# (count, seconds) of letters accepted per client IP and per logged-in member.
PORTAL_MAILBOX_LETTERS_PER_IP = (
    env.int("PORTAL_MAILBOX_LETTERS_PER_IP", default=10),
    3600,
)
PORTAL_MAILBOX_LETTERS_PER_MEMBER = (5, 3600)
PORTAL_MAILBOX_TRACK_ATTEMPTS = 5  # wrong tries per client IP and tracking number
PORTAL_MAILBOX_TRACK_ATTEMPTS_PER_IP = 20  # wrong tries per client IP, any numbers
PORTAL_MAILBOX_TRACK_LOCKOUT = 15 * 60  # seconds
# notices: feedback on a public notice per client IP (and per account), per window;
# tracking it uses the mailbox's limits above, counted apart.
PORTAL_NOTICES_FEEDBACK_PER_IP = (
    env.int("PORTAL_NOTICES_FEEDBACK_PER_IP", default=10),
    3600,
)
# surveys: public responses to one survey per client IP, per window (with a cookie).
PORTAL_SURVEYS_PUBLIC_PER_IP = (
    env.int("PORTAL_SURVEYS_PUBLIC_PER_IP", default=20),
    24 * 3600,
)
# evaluation (民主评议): who rated whom is shown only to staff whose scope reaches the
# branch from an organisation of this kind or higher (committee, general_branch,
# branch), and to site admins; everyone else sees tallies and unattributed comments.
PORTAL_EVALUATION_RATERS_LEVEL = env(
    "PORTAL_EVALUATION_RATERS_LEVEL", default="committee"
)
# elections and surveys: members who have not voted / answered are reminded once when a
# vote or a members' survey closes within this many hours.
PORTAL_VOTE_REMINDER_HOURS = env.int("PORTAL_VOTE_REMINDER_HOURS", default=24)
PORTAL_BOARD_POSTS_PER_MEMBER = (5, 3600)
PORTAL_BOARD_REPORTS_PER_IP = (20, 3600)

# news / home: anonymous full-page cache (purged on publish; its middleware is near
# the top of MIDDLEWARE) and read counting.
PORTAL_PAGE_CACHE_SECONDS = env.int("PORTAL_PAGE_CACHE_SECONDS", default=600)
# What pages share whoever reads them (menus, footer, the request's site, home page
# sections, an article's neighbours; pagecache.cache.cached_until_purge), kept per
# process until the next purge. Unset (None): the page cache's time, whatever that is
# (tests turn both off with PORTAL_PAGE_CACHE_SECONDS = 0); set apart, e.g. 0 here with
# the page cache on, or the other way round behind a front cache of its own.
PORTAL_PAGE_DATA_CACHE_SECONDS = env.int("PORTAL_PAGE_DATA_CACHE_SECONDS", default=None)
PORTAL_NEWS_READ_DEDUP_SECONDS = 300  # one read per visitor and article per 5 minutes
PORTAL_NEWS_READ_FLUSH_SECONDS = 60  # pending reads reach the database in batches

# library: limits on attachment text extraction (any field of library.extraction.Limits).
PORTAL_LIBRARY_EXTRACTION = {
    "max_bytes": env.int("PORTAL_LIBRARY_EXTRACT_MAX_BYTES", default=30 * 1024 * 1024),
    "max_pages": env.int("PORTAL_LIBRARY_EXTRACT_MAX_PAGES", default=500),
    "timeout_seconds": env.float("PORTAL_LIBRARY_EXTRACT_TIMEOUT", default=60.0),
}

# members.accounts: activation codes, password reset and change.
PORTAL_ACTIVATION_CODE_DAYS = env.int("PORTAL_ACTIVATION_CODE_DAYS", default=14)
# (tries, seconds): per client address and account, per address, per account.
PORTAL_ACTIVATION_ATTEMPTS = (5, 15 * 60)
PORTAL_ACTIVATION_ATTEMPTS_PER_IP = (20, 15 * 60)
PORTAL_ACTIVATION_ATTEMPTS_PER_ACCOUNT = (30, 24 * 3600)
# Reset e-mails asked for per client address and per e-mail address.
PORTAL_PASSWORD_RESET_PER_IP = (5, 3600)
PORTAL_PASSWORD_RESET_PER_EMAIL = (3, 3600)
# Wrong current passwords on the change form, per account.
PORTAL_PASSWORD_CHANGE_ATTEMPTS = (5, 15 * 60)
# Confirmation mails for a new e-mail address, per account: (count, seconds).
PORTAL_EMAIL_CHANGE_REQUESTS = (3, 3600)
PORTAL_EMAIL_CHANGE_LINK_SECONDS = 2 * 24 * 3600
PASSWORD_RESET_TIMEOUT = 24 * 3600  # a reset link works for a day
# Where a member lands after activating: the first URL name that exists.
PORTAL_ACCOUNT_HOME_URL_NAMES = ["me", "members:me", "me:index", "school:me"]

# notifications: seconds to wait after each failed e-mail try before the next one;
# after the last wait one more try, then the send is marked failed and logged.
PORTAL_NOTIFICATION_EMAIL_RETRY_SECONDS = [60, 5 * 60, 30 * 60, 2 * 3600]
