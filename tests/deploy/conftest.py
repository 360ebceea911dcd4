"""The production front as make deploy-check builds it (deploy/check/run).

These tests talk to a running nginx + gunicorn + task worker over HTTPS. They are
collected only when PORTAL_DEPLOY_STACK names the stack description the check writes
(stack.json); a developer's `make test` never collects them. Once named, a stack that
does not answer fails the run: nothing here is ever skipped.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

STACK = os.environ.get("PORTAL_DEPLOY_STACK", "")
ROOT = Path(__file__).resolve().parents[2]
collect_ignore_glob = [] if STACK else ["test_*.py"]

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Stack:
    """The running instance: its URLs, its files and a way into its database."""

    def __init__(self, description: dict):
        self.__dict__.update(description)

    def url(self, path: str) -> str:
        return self.base_url + path

    def session(self) -> requests.Session:
        """A browser-like client that trusts the check's self-signed certificate."""
        session = requests.Session()
        session.verify = self.ca_cert
        # No proxy or CA bundle from the environment (REQUESTS_CA_BUNDLE would win
        # over session.verify): loopback only, this certificate only.
        session.trust_env = False
        return session

    def get(self, path: str, **kwargs) -> requests.Response:
        """One anonymous request: no cookies, redirects not followed."""
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        with self.session() as session:
            return session.get(self.url(path), **kwargs)

    def login(self, session, username: str, password: str, path: str, **headers):
        """Sign in through a real login form, CSRF token and referer included."""
        page = session.get(self.url(path), timeout=30)
        assert page.status_code == 200, page.text[:500]
        token = CSRF_INPUT.search(page.text).group(1)
        response = session.post(
            self.url(path),
            data={
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": password,
            },
            headers={"Referer": self.url(path), **headers},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, response.text[:2000]
        return response

    def shell(self, code: str) -> str:
        """What `code` prints, run by manage.py shell on the stack's database."""
        return self.manage("shell", "--no-imports", "-c", code)

    def manage(self, *args: str) -> str:
        """manage.py against the stack's database, as deploy/portal-manage runs it."""
        result = subprocess.run(
            [str(ROOT / "deploy" / "portal-manage"), *args],
            env={
                **os.environ,
                "PORTAL_USER": pwd.getpwuid(os.getuid()).pw_name,
                "PORTAL_ENV_FILE": self.env_file,
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout


@pytest.fixture(scope="session")
def stack() -> Stack:
    """The stack named by PORTAL_DEPLOY_STACK, once its health check answers."""
    try:
        description = json.loads(Path(STACK).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        pytest.fail(f"PORTAL_DEPLOY_STACK={STACK!r} is not readable: {error}")
    running = Stack(description)
    deadline = time.monotonic() + 30
    problem = "no answer"
    while time.monotonic() < deadline:
        try:
            response = running.get("/healthz", timeout=5)
        except (requests.RequestException, OSError) as error:
            problem = repr(error)
        else:
            if response.status_code == 200:
                return running
            problem = f"HTTP {response.status_code}: {response.text[:200]}"
        time.sleep(0.5)
    pytest.fail(f"the deploy stack at {running.base_url} does not answer: {problem}")


@pytest.fixture(scope="session")
def member_session(stack):
    """A member signed in on the public site. The login claims another client
    address in X-Forwarded-For, which the app must not believe."""
    session = stack.session()
    stack.login(
        session,
        stack.member["username"],
        stack.member["password"],
        "/accounts/login/",
        **{"X-Forwarded-For": "203.0.113.7"},
    )
    return session


@pytest.fixture(scope="session")
def admin_session(stack):
    """The superuser signed in on the admin's own login page."""
    session = stack.session()
    stack.login(
        session, stack.admin["username"], stack.admin["password"], "/admin/login/"
    )
    return session
