"""A member watches a lesson in real Chromium: nothing of the video loads before play,
HLS plays, progress is saved, reload resumes."""

import pytest

from school import services
from school.models import LessonProgress, Video, video_root
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.steps import sign_in
from tests.members.factories import MemberFactory
from tests.school.conftest import make_clip, wait_for
from tests.school.factories import (
    CoursePageFactory,
    LessonPageFactory,
    SchoolIndexPageFactory,
)

# The clip as the real pipeline transcoded it, per test process: its Video's fields.
# Browser tests flush the database after each test but leave the video folder, so a
# later lesson gets a Video row over the same files instead of transcoding again
# (tests/school/test_video_pipeline.py tests the transcoding itself).
_transcoded: dict[str, dict] = {}


def ready_video(tmp_path) -> Video:
    root = video_root()
    fields = _transcoded.get(str(root))
    if fields and (root / fields["output_dir"] / fields["hls_master"]).is_file():
        return Video.objects.create(**fields)
    clip = make_clip(tmp_path / "lesson.mp4", seconds=30, size="640x360")
    video = services.import_video_file(clip, title="演示")
    video.refresh_from_db()
    assert video.status == Video.Status.READY, video.error
    _transcoded[str(root)] = {
        field.attname: getattr(video, field.attname)
        for field in Video._meta.concrete_fields
        if field.attname not in {"id", "uploaded_by_id", "created_at", "updated_at"}
    }
    return video


@pytest.fixture
def lesson(home_page, tmp_path, settings):
    settings.PORTAL_SCHOOL_HEARTBEAT_SECONDS = 1
    services.study._TARGETS.clear()
    course = CoursePageFactory(
        parent=SchoolIndexPageFactory(parent=home_page), title="党章学习"
    )
    return LessonPageFactory(
        parent=course, title="第一讲 党章的总纲", video=ready_video(tmp_path)
    )


def log_in(page, member):
    sign_in(page, member.user.username)


def open_recording_requests(page, lesson) -> list[str]:
    """Open the lesson and let the network settle; the list returned holds every URL
    the page requests, from now on too."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto(lesson.url)
    page.wait_for_load_state("networkidle")
    return urls


def current_time(page) -> float:
    return page.evaluate("document.getElementById('lesson-video').currentTime")


def press_play(page):
    """What a member does first: the page has loaded nothing of the video until then."""
    page.click("#player-start")
    page.evaluate("() => { document.getElementById('lesson-video').muted = true; }")


def video_requests(urls: list[str]) -> list[str]:
    """Requests for the stream itself: playlists, segments, the MP4 (not the poster)."""
    return [
        url
        for url in urls
        if "/school/videos/" in url
        and url.split("?")[0].endswith((".m3u8", ".ts", ".m4s", ".mp4"))
    ]


def beats(page) -> int:
    return int(page.get_attribute("#player", "data-beats") or 0)


def settle(page, after: int) -> None:
    """Wait until the heartbeat sent after `after` answered and no more are due."""
    wait_for(lambda: beats(page) > after, what="the heartbeat to be answered")
    page.wait_for_timeout(300)


def leave(page) -> None:
    """Stop playback and leave with nothing in flight, so teardown can flush the database."""
    before = beats(page)
    paused = page.evaluate(
        "() => { const v = document.getElementById('lesson-video');"
        " const was = !v.paused && !v.ended; v.pause(); return was; }"
    )
    if paused:
        settle(page, before)
    page.evaluate("() => { navigator.sendBeacon = () => true; }")
    page.goto("about:blank")


def test_member_watches_lesson_progress_is_saved_and_reload_resumes(
    new_page, lesson, screenshot
):
    member = MemberFactory()
    page = new_page(viewport=PHONE)
    log_in(page, member)
    page.goto(lesson.url)
    press_play(page)
    # hls.js is loaded on the press: the engine attaches a moment later.
    wait_for(
        lambda: page.get_attribute("#player", "data-engine") == "hls.js",
        what="hls.js to attach to the player",
    )
    wait_for(lambda: current_time(page) > 5, what="playback to pass 5 s")
    wait_for(lambda: beats(page) >= 1, what="a periodic heartbeat")
    before_pause = beats(page)
    page.evaluate("() => document.getElementById('lesson-video').pause()")
    stopped_at = current_time(page)
    settle(page, before_pause)
    screenshot(page, "lesson-paused")

    # The browser is idle now: read what the server stored.
    row = LessonProgress.objects.get(member=member, lesson=lesson)
    assert row.last_position == pytest.approx(stopped_at, abs=0.5)
    assert row.watched_seconds >= 4
    assert row.completed_at is None
    assert "已学" in page.inner_text("#player-status")

    page.reload()
    press_play(page)
    wait_for(
        lambda: current_time(page) > 0, what="the player to seek to the saved spot"
    )
    assert current_time(page) == pytest.approx(row.last_position, abs=1.5)
    wait_for(
        lambda: current_time(page) > row.last_position + 1, what="playback after resume"
    )


def test_dragging_to_the_end_does_not_complete_the_lesson(new_page, lesson):
    member = MemberFactory()
    page = new_page()
    log_in(page, member)
    page.goto(lesson.url)
    press_play(page)
    wait_for(lambda: current_time(page) > 1, what="playback to start")
    before = beats(page)
    page.evaluate(
        "() => { const v = document.getElementById('lesson-video');"
        " v.currentTime = v.duration - 1; }"
    )
    wait_for(
        lambda: page.evaluate("() => document.getElementById('lesson-video').ended"),
        what="the video to end",
    )
    settle(page, before)
    row = LessonProgress.objects.get(member=member, lesson=lesson)
    assert row.last_position >= 28
    assert row.completed_at is None
    assert row.watched_seconds < 10
    assert "已完成" not in page.inner_text("#player-status")
    leave(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_lesson_page_downloads_no_video_until_the_member_presses_play(
    new_page, lesson, viewport, screenshot
):
    member = MemberFactory()
    page = new_page(viewport=viewport)
    log_in(page, member)
    urls = open_recording_requests(page, lesson)
    screenshot(page, "before-play")
    assert video_requests(urls) == []
    assert not any("hls.min.js" in url for url in urls)
    poster = page.get_attribute("#lesson-video", "poster")
    assert poster and any(url.endswith(poster) for url in urls)
    assert page.is_visible("#player-start")

    with page.expect_request(lambda request: bool(video_requests([request.url]))):
        press_play(page)
    wait_for(lambda: current_time(page) > 2, what="playback to progress")
    assert any(url.endswith(".ts") for url in video_requests(urls))
    assert not page.is_visible("#player-start")
    leave(page)


def test_speed_menu_offers_the_allowed_rates_and_caps_the_browsers_own(
    new_page, lesson, settings
):
    member = MemberFactory()
    page = new_page()
    log_in(page, member)
    page.goto(lesson.url)
    options = page.eval_on_selector_all("#speed option", "os => os.map(o => o.value)")
    assert [float(value) for value in options] == settings.PORTAL_SCHOOL_PLAYBACK_RATES
    press_play(page)
    wait_for(lambda: current_time(page) > 1, what="playback to start")
    page.select_option("#speed", "1.5")
    rate = "() => document.getElementById('lesson-video').playbackRate"
    wait_for(lambda: page.evaluate(rate) == 1.5, what="the chosen speed")
    # The browser's own menu (or a script) asks for 4x: the player keeps to 2x.
    page.evaluate("() => { document.getElementById('lesson-video').playbackRate = 4; }")
    wait_for(lambda: page.evaluate(rate) == 2, what="the speed capped at 2x")
    leave(page)
