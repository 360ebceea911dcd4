"""Local development and `make run`: embedded defaults.

Debug is off unless DEBUG=1: `make run` is also what a newcomer clicks through, and
a missing page must show the site's Chinese 404 page, not Django's debug page listing
every URL pattern. runserver serves static files anyway (`--insecure` in the
Makefile) and media through PORTAL_SERVE_MEDIA; tracebacks still go to the console.
Set DEBUG=1 for Django's debug pages and templates reloaded on every request.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=False)
PORTAL_SERVE_MEDIA = True
SECRET_KEY = env(
    "SECRET_KEY", default="dev-only-insecure-key-7c1b0d3e9a4f4e8b9a2d5c6f0e1a2b3c"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
