"""The lesson page's player markup (nothing loads before play, speed menu, transcript,
keyboard hint, progress line) and the pictures of courses in the catalogue and on the
course page (cover rendition, else the first lesson's poster frame)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from school.models import Video
from tests.news.factories import make_image
from tests.school.factories import (
    CoursePageFactory,
    LessonPageFactory,
    LessonProgressFactory,
)

pytestmark = pytest.mark.django_db


def with_poster(video: Video) -> Video:
    video.poster = "poster.jpg"
    video.save(update_fields=["poster"])
    return video


def test_player_loads_nothing_before_play_and_offers_the_speeds(
    member, member_client, course_with_lessons, settings
):
    _, (lesson, _) = course_with_lessons
    with_poster(lesson.video)
    html = member_client.get(lesson.url).content.decode()
    tag = re.search(r"<video [^>]*>", html).group(0)
    assert 'preload="none"' in tag
    assert f'poster="{lesson.video.poster_url}"' in tag
    # No source in the markup: the stream is attached by the script on the first play.
    assert " src=" not in tag and "<source" not in html
    assert f'data-user="{member.user.pk}"' in html
    speeds = re.findall(r'<option value="([\d.]+)"[^>]*>[\d.]+×', html)
    assert [float(value) for value in speeds] == settings.PORTAL_SCHOOL_PLAYBACK_RATES
    assert speeds == ["0.75", "1", "1.25", "1.5", "2"]
    assert (
        'aria-keyshortcuts="Space K ArrowLeft ArrowRight ArrowUp ArrowDown F"' in html
    )
    assert "键盘操作：空格或 K 播放／暂停" in html


def test_progress_line_shows_share_watched_and_the_courses_credit(
    member, member_client, course_with_lessons
):
    _course, (lesson, _) = course_with_lessons
    html = member_client.get(lesson.url).content.decode()
    assert re.search(r'id="player-status"[^>]*>已学 0%<', html)
    assert "课程 0.25 学时" in html  # two 100 s lessons: under 15 minutes
    LessonProgressFactory(member=member, lesson=lesson, watched_seconds=50)
    html = member_client.get(lesson.url).content.decode()
    assert re.search(r'id="player-status"[^>]*>已学 50%<', html)


def test_transcript_is_a_collapsible_panel_beside_the_player(
    client, member_client, course_with_lessons
):
    _, (lesson, second) = course_with_lessons
    lesson.transcript = "<p>同志们，今天我们学习党章的总纲。</p>"
    lesson.save_revision().publish()
    html = member_client.get(lesson.url).content.decode()
    watch = html[html.index('class="lesson__watch') :]
    assert watch.index('id="player"') < watch.index('id="transcript"')
    assert re.search(
        r'<details class="lesson__transcript card" id="transcript" open>', html
    )
    assert "<summary><h2>文字稿</h2></summary>" in html
    assert "今天我们学习党章的总纲" in html
    # Readers who are not logged in read the transcript too (the video asks to log in).
    html = client.get(lesson.url).content.decode()
    assert "今天我们学习党章的总纲" in html and "lesson-video" not in html
    # No transcript, no panel.
    html = member_client.get(second.url).content.decode()
    assert 'id="transcript"' not in html and "lesson__watch--transcript" not in html


def test_catalogue_shows_the_cover_rendition_else_the_first_lessons_poster(
    client, member_client, school_index, course_with_lessons
):
    _course, (_first, second) = course_with_lessons
    # The first lesson's video has no poster frame: the second one's is used.
    with_poster(second.video)
    CoursePageFactory(parent=school_index, title="廉洁从业", cover=make_image())
    CoursePageFactory(parent=school_index, title="没有视频的课")

    html = member_client.get("/school/").content.decode()
    cards = {
        title: card
        for card in re.findall(r'<li class="course-card card">(.*?)</li>', html, re.S)
        for title in ("党章学习", "廉洁从业", "没有视频的课")
        if title in card
    }
    assert f'src="{second.video.poster_url}"' in cards["党章学习"]
    assert "<picture>" in cards["廉洁从业"] and "srcset=" in cards["廉洁从业"]
    assert "fill-960x540" in cards["廉洁从业"] or ".webp" in cards["廉洁从业"]
    assert "course-card__cover--blank" in cards["没有视频的课"]
    # Video files are for logged-in users: anonymous visitors get the blank tile.
    html = client.get("/school/").content.decode()
    assert second.video.poster_url not in html
    assert html.count("course-card__cover--blank") == 2


def test_catalogue_posters_take_one_query_whatever_the_number_of_courses(
    member_client, school_index
):
    def add_course(number):
        course = CoursePageFactory(parent=school_index, title=f"课程{number}")
        LessonPageFactory(parent=course, video__poster="poster.jpg")

    add_course(0)
    member_client.get("/school/")  # warm caches (site root, settings)
    with CaptureQueriesContext(connection) as one:
        member_client.get("/school/")
    for number in range(1, 6):
        add_course(number)
    with CaptureQueriesContext(connection) as six:
        html = member_client.get("/school/").content.decode()
    assert html.count('/poster.jpg"') == 6
    assert len(six.captured_queries) == len(one.captured_queries)


def test_course_page_fills_its_card_with_or_without_a_picture(
    client, member_client, school_index, course_with_lessons
):
    course, (first, _) = course_with_lessons
    html = member_client.get(course.url).content.decode()
    assert 'class="course__head"' in html  # no picture: one column, the text fills it
    with_poster(first.video)
    html = member_client.get(course.url).content.decode()
    assert 'class="course__head course__head--picture"' in html
    assert f'class="course__cover" src="{first.video.poster_url}"' in html
    assert 'class="course__head"' in client.get(course.url).content.decode()
    course.cover = make_image()
    course.save_revision().publish()
    html = client.get(course.url).content.decode()
    assert 'class="course__head course__head--picture"' in html
    assert "<picture>" in html and "poster.jpg" not in html


def test_course_page_leads_to_the_first_lesson_not_completed(
    client, member, member_client, course_with_lessons
):
    course, (first, second) = course_with_lessons
    html = member_client.get(course.url).content.decode()
    assert f'href="{first.url}">开始学习：第1讲</a>' in html
    LessonProgressFactory(
        member=member,
        lesson=first,
        watched_seconds=95,
        completed_at=timezone.now(),
    )
    html = member_client.get(course.url).content.decode()
    assert f'href="{second.url}">继续学习：第2讲</a>' in html
    # Not logged in: what the course earns and the way to log in, no way in.
    html = client.get(course.url).content.decode()
    assert "学完全部课时获得 0.25 学时" in html and "登录后学习" in html
    assert "开始学习" not in html
