"""The production settings: deploy checks pass, missing values stop start-up clearly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.own_database

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "x7#Lq2!vR9@mT4$wZ8^pN3&kJ6*hF1(bG5)cD0-sA-long-enough-key-for-deploy",
    "ALLOWED_HOSTS": "dangjian.example.cn",
    "DATABASE_URL": "sqlite:////tmp/portal-deploy-check.sqlite3",
    "PORTAL_BASE_URL": "https://dangjian.example.cn",
}


def _manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in DEPLOY_ENV}
    clean.pop("DATABASE_URL", None)
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_zero_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=DEPLOY_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "PORTAL_BASE_URL"]
)
def test_missing_environment_value_names_the_variable(missing):
    env = {k: v for k, v in DEPLOY_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert f"缺少环境变量 {missing}" in result.stderr


def test_a_malformed_site_address_fails_the_deploy_check_by_name():
    env = {**DEPLOY_ENV, "PORTAL_BASE_URL": "https://dangjian.example.cn/portal"}
    result = _manage("check", "--deploy", env=env)
    assert result.returncode != 0
    assert "home.E002" in result.stderr and "PORTAL_BASE_URL" in result.stderr


def test_admin_links_follow_the_site_address_unless_set_apart():
    show = "from django.conf import settings; print(settings.WAGTAILADMIN_BASE_URL)"
    result = _manage("shell", "--no-imports", "-c", show, env=DEPLOY_ENV)
    assert result.stdout.strip() == "https://dangjian.example.cn", result.stderr
    apart = {**DEPLOY_ENV, "WAGTAILADMIN_BASE_URL": "https://admin.example.cn"}
    result = _manage("shell", "--no-imports", "-c", show, env=apart)
    assert result.stdout.strip() == "https://admin.example.cn", result.stderr
