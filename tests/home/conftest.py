"""The world the malformed-input walker walks (tests/home/hostile_world.py)."""

import pytest


@pytest.fixture
def world(settings, tmp_path):
    """Objects of every kind, a user per role; files in this test's folders."""
    from .hostile_world import build_world

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_MAILBOX_FILES_ROOT = tmp_path / "mailbox-files"
    settings.PORTAL_ASSESSMENT_FILES_ROOT = tmp_path / "assessment-files"
    return build_world()
