"""X-Forwarded-Proto and X-Forwarded-For count only from PORTAL_TRUSTED_PROXIES.

A client that reaches the application server itself (not through nginx) cannot make
its request look secure (SECURE_PROXY_SSL_HEADER, the page cache's scheme, secure
cookies) or come from another address (lockouts, rate limits, the security log).
"""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from members.client_ip import TrustedProxyMiddleware
from members.models import SecurityEvent

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def behind_proxy(settings):
    """Production's HTTPS settings, nginx on loopback as the one trusted proxy."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.PORTAL_TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    return settings


def test_a_forged_https_header_from_an_untrusted_address_is_not_secure(
    client, home_page, behind_proxy
):
    forged = client.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert forged.status_code == 301
    assert forged["Location"].startswith("https://")
    assert not forged.wsgi_request.is_secure()


def test_the_trusted_proxy_still_says_https(client, home_page, behind_proxy):
    response = client.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response.wsgi_request.is_secure()


def test_proxies_can_be_named_by_network(client, home_page, behind_proxy):
    behind_proxy.PORTAL_TRUSTED_PROXIES = ["10.20.0.0/16"]
    inside = client.get("/", REMOTE_ADDR="10.20.3.4", HTTP_X_FORWARDED_PROTO="https")
    outside = client.get("/", REMOTE_ADDR="10.21.3.4", HTTP_X_FORWARDED_PROTO="https")
    assert inside.status_code == 200
    assert outside.status_code == 301


def test_a_forged_forwarded_for_from_an_untrusted_address_is_ignored(
    client, behind_proxy, db
):
    form = {"username": "nobody", "password": "wrong-Password-1"}
    client.post(
        "/accounts/login/",
        form,
        secure=True,
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    client.post(
        "/accounts/login/",
        form,
        secure=True,
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.5",
    )
    addresses = list(
        SecurityEvent.objects.order_by("pk").values_list("ip_address", flat=True)
    )
    assert addresses == ["203.0.113.9", "198.51.100.5"]


def test_a_malformed_proxy_list_stops_start_up(settings):
    settings.PORTAL_TRUSTED_PROXIES = ["127.0.0.1", "nginx.internal"]
    with pytest.raises(ImproperlyConfigured, match="PORTAL_TRUSTED_PROXIES"):
        TrustedProxyMiddleware(lambda request: None)


def test_gunicorn_and_the_production_settings_read_the_same_proxy_list(monkeypatch):
    proxies = "10.1.2.3,10.9.0.0/16"
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", proxies)
    gunicorn = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert gunicorn["forwarded_allow_ips"] == proxies
    assert gunicorn["secure_scheme_headers"] == {"X-FORWARDED-PROTO": "https"}
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x7#Lq2!vR9@mT4$wZ8^pN3&kJ6*hF1(bG5)cD0-sA-long-enough-key",
        "ALLOWED_HOSTS": "dangjian.example.cn",
        "DATABASE_URL": "sqlite:////tmp/portal-proxy-check.sqlite3",
        "PORTAL_BASE_URL": "https://dangjian.example.cn",
        "PORTAL_TRUSTED_PROXIES": proxies,
    }
    show = (
        "from django.conf import settings; "
        "print(','.join(settings.PORTAL_TRUSTED_PROXIES)); "
        "print(settings.MIDDLEWARE[0]); print(settings.SECURE_PROXY_SSL_HEADER)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", show],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.splitlines() == [
        proxies,
        "members.client_ip.TrustedProxyMiddleware",
        "('HTTP_X_FORWARDED_PROTO', 'https')",
    ], result.stderr
