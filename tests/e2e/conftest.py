"""Browser tests: the site on a free port (pytest-django's live_server), Debian's Chromium."""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

# Debian's Chromium in its headless build (package chromium-headless-shell, from the
# same source and version as the package chromium): the same Blink and V8 without the
# desktop browser around them, about 40 % of the full browser's CPU in these tests
# (two of them: 34 s against 13 s). The full browser (FULL_CHROMIUM) for what only it
# reads: a profile's preferences (test_news_a11y.py doubles the default font size).
FULL_CHROMIUM = os.environ.get(
    "PORTAL_FULL_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium"
)
CHROMIUM = os.environ.get("PORTAL_CHROMIUM") or (
    shutil.which("chromium-headless-shell") or FULL_CHROMIUM
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests
# make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            # Prepended so it wins over any plain django_db mark of the test itself:
            # the database must be serialized at creation for the rollback to work.
            item.add_marker(
                pytest.mark.django_db(transaction=True, serialized_rollback=True),
                append=False,
            )


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each browser test starts with an empty cache: no login counts or cached
    pages left by the one before."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def branches(db):
    """The company's tree: 中共红星集团委员会 (E) > 制造事业部党总支 (E-Z) > two
    branches, 总装车间党支部 ("a", E-A, with 总装一班党小组 "a1", E-A-1) and
    机加车间党支部 ("b", E-B), for tests of what a branch's staff may reach."""
    from tests.members.factories import OrganizationFactory

    committee = OrganizationFactory(name="中共红星集团委员会", code="E")
    general = OrganizationFactory(
        parent=committee, name="制造事业部党总支", code="E-Z", kind="general_branch"
    )
    a = OrganizationFactory(parent=general, name="总装车间党支部", code="E-A")
    return {
        "committee": committee,
        "general": general,
        "a": a,
        "a1": OrganizationFactory(
            parent=a, name="总装一班党小组", code="E-A-1", kind="group"
        ),
        "b": OrganizationFactory(parent=general, name="机加车间党支部", code="E-B"),
    }


@pytest.fixture
def demo_library(settings, tmp_path):
    """The library's demo documents, indexed by the embedded engine in a file of the
    test's own."""
    from library import demo
    from search.backends.base import reset_backends

    settings.PORTAL_SEARCH_BACKENDS = {
        "default": {
            "BACKEND": "search.backends.embedded.EmbeddedBackend",
            "PATH": tmp_path / "index.sqlite3",
        }
    }
    reset_backends()
    demo.load()
    yield
    reset_backends()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Make pages in fresh browser contexts: new_page(viewport=PHONE)."""
    contexts = []

    def make(viewport=DESKTOP, **options):
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, locale="zh-CN", **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.base_url = live_server.url  # where steps.sign_in sets its cookie
        return page

    yield make
    for context in contexts:
        context.close()
    _wait_for_requests_in_flight()


def _wait_for_requests_in_flight(deadline: float = 10.0) -> None:
    """Let requests that closing pages fired (sendBeacon on pagehide) finish before
    the database is flushed: the live server answers each request in a thread of its
    own (socketserver names it after process_request_thread). Only those count:
    Playwright's event loop keeps executor threads of its own alive."""
    end = time.monotonic() + deadline
    while time.monotonic() < end and any(
        "process_request_thread" in thread.name for thread in threading.enumerate()
    ):
        time.sleep(0.05)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
