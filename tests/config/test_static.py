"""Production static files: collectstatic with the manifest storage succeeds."""

import os
import subprocess
import sys

import pytest

from .test_production_settings import DEPLOY_ENV, ROOT

pytestmark = pytest.mark.own_database


def test_collectstatic_with_manifest_storage_succeeds(tmp_path):
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    base.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={**base, **DEPLOY_ENV, "STATIC_ROOT": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("js/site.*.js"))
