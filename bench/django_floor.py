"""The Django floor for bench/site_speed.py: one constant view, no middleware, no apps.

This module is at once the settings module, the URLconf and the WSGI application:
gunicorn serves ``django_floor:application`` with ``DJANGO_SETTINGS_MODULE=django_floor``
from the bench/ folder. The body is the file named by BENCH_FLOOR_BODY (site_speed.py
writes the site's home page there), so the floor sends as many bytes as a page does.
"""

import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

SECRET_KEY = "bench-floor-key-not-for-production-0123456789abcdef"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
MIDDLEWARE: list[str] = []
INSTALLED_APPS: list[str] = []
USE_I18N = False

BODY = Path(os.environ["BENCH_FLOOR_BODY"]).read_bytes()


def constant(request):
    return HttpResponse(BODY, content_type="text/html; charset=utf-8")


urlpatterns = [path("", constant)]

application = get_wsgi_application()
