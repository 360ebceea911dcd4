"""School fixtures: tiny clips generated with ffmpeg's lavfi sources, courses, members,
the organisation tree required courses are assigned in."""

import subprocess
import time
from pathlib import Path

import pytest
from django.test import Client

from tests.members.factories import MemberFactory, make_org_tree
from tests.school.factories import (
    CoursePageFactory,
    LessonPageFactory,
    SchoolIndexPageFactory,
)


def wait_for(condition, timeout: float = 20.0, what: str = "condition"):
    """Poll condition() until it returns something true, and return that; fail after
    timeout seconds, saying what was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def make_clip(
    path: Path,
    *,
    seconds: float = 2,
    size: str = "320x240",
    audio: bool = True,
    rate: int = 25,
) -> Path:
    """Write a test clip (testsrc2 picture, sine tone) with ffmpeg."""
    args = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=s={size}:r={rate}:d={seconds}",
    ]
    if audio:
        args += [
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:d={seconds}",
            "-c:a",
            "aac",
            "-shortest",
        ]
    args += [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        str(path),
    ]
    subprocess.run(args, check=True, timeout=120)
    return path


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="session")
def tiny_clip(clip_dir):
    """A 2 s 320x240 H.264/AAC MP4."""
    return make_clip(clip_dir / "tiny.mp4")


@pytest.fixture(scope="session")
def clip_540(clip_dir):
    """A 3 s 960x540 clip: two HLS rungs (360p, 540p)."""
    return make_clip(clip_dir / "c540.mp4", seconds=3, size="960x540")


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def member_client(member):
    """A test client signed in as member."""
    client = Client()
    client.force_login(member.user)
    return client


@pytest.fixture
def tree(db):
    """测试党委 (T) with 甲党支部 ("a", and its 甲一党小组 "a1") and 乙党支部 ("b")."""
    return make_org_tree("T", group=True)


@pytest.fixture
def school_index(home_page):
    return SchoolIndexPageFactory(parent=home_page)


@pytest.fixture
def course_with_lessons(school_index):
    """A required course with two ready 100 s lessons."""
    course = CoursePageFactory(
        parent=school_index, title="党章学习", slug="dangzhang", summary="学习党章"
    )
    lessons = [
        LessonPageFactory(
            parent=course,
            title=f"第{number}讲",
            slug=f"l{number}",
            video__title=f"视频{number}",
        )
        for number in (1, 2)
    ]
    return course, lessons


@pytest.fixture
def course(course_with_lessons):
    """The course with lessons, published with a revision as an editor publishes it."""
    course, _ = course_with_lessons
    course.save_revision().publish()
    return course


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Each test writes uploads and transcodes into its own media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_lesson_cache():
    """Lesson ids repeat across tests; the per-process lesson cache must not leak."""
    from school import services

    services.study._TARGETS.clear()
    yield
    services.study._TARGETS.clear()
