"""Production: every deployment value must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, MIDDLEWARE, STORAGES, env

DEBUG = False


def _require(name: str) -> str:
    value = env(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"缺少环境变量 {name}(missing environment variable {name}); "
            "see README 'Deploying'."
        )
    return value


SECRET_KEY = _require("SECRET_KEY")
ALLOWED_HOSTS = [h.strip() for h in _require("ALLOWED_HOSTS").split(",") if h.strip()]
_require("DATABASE_URL")
# Links the site hands out (canonical, sitemap, RSS, e-mail) must never say localhost;
# its format is checked by home.E002 (home/checks.py).
PORTAL_BASE_URL = _require("PORTAL_BASE_URL").strip().rstrip("/")
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default=PORTAL_BASE_URL)
# Mail goes out by SMTP (EMAIL_HOST, the local MTA by default), never into files.
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend"
)

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
MIDDLEWARE = [
    *MIDDLEWARE[: _security + 1],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[_security + 1 :],
]
STORAGES = {
    **STORAGES,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Behind nginx (deploy/nginx/portal.conf): documents pass Wagtail's privacy check,
# then nginx sends the file from this internal location (e.g. "/_media/", aliased
# to MEDIA_ROOT). Local media only: with MEDIA_STORAGE=s3 Wagtail streams them.
PORTAL_DOCUMENTS_ACCEL_REDIRECT = env("PORTAL_DOCUMENTS_ACCEL_REDIRECT", default="")
if PORTAL_DOCUMENTS_ACCEL_REDIRECT:
    SENDFILE_BACKEND = "home.sendfile"

# SQLite too keeps one connection per worker: opening it and running its PRAGMAs
# (base.py) cost about a millisecond on every request that reads the database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
