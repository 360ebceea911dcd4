"""Catalogue, course, lesson and 我的学习 pages; serving transcoded files."""

import datetime

import pytest
from django.utils import timezone

from school import services
from school.models import (
    Video,
    video_root,
)
from tests.members.factories import MemberFactory, OrganizationFactory
from tests.school.factories import (
    CourseCategoryFactory,
    CourseCompletionFactory,
    CoursePageFactory,
    LessonProgressFactory,
    StudyDayFactory,
)

pytestmark = pytest.mark.django_db


def test_catalogue_lists_courses_with_filters(
    client, school_index, course_with_lessons
):
    _course, _ = course_with_lessons
    theory = CourseCategoryFactory(name="党的理论")
    CoursePageFactory(
        parent=school_index, title="廉洁从业", kind="elective", category=theory
    )
    page = client.get("/school/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "党章学习" in html and "廉洁从业" in html
    html = client.get("/school/?kind=elective").content.decode()
    assert "廉洁从业" in html and "党章学习" not in html
    html = client.get(f"/school/?category={theory.pk}").content.decode()
    assert "廉洁从业" in html and "党章学习" not in html
    assert "没有符合条件的课程" in client.get("/school/?q=不存在的课").content.decode()


def test_catalogue_can_show_only_courses_for_my_branch(
    member, member_client, school_index
):
    other_branch = OrganizationFactory(parent=OrganizationFactory())
    targeted = CoursePageFactory(
        parent=school_index, title="别的支部的课", audience_all=False
    )
    targeted.audience_organizations.set([other_branch])
    targeted.save_revision().publish()
    mine = CoursePageFactory(
        parent=school_index, title="我支部的课", audience_all=False
    )
    mine.audience_organizations.set([member.organization.get_parent()])
    mine.save_revision().publish()
    html = member_client.get("/school/?mine=1").content.decode()
    assert "我支部的课" in html
    assert "别的支部的课" not in html


def test_course_page_shows_lessons_and_member_progress(
    member, member_client, course_with_lessons
):
    course, (first, _) = course_with_lessons
    LessonProgressFactory(
        member=member,
        lesson=first,
        watched_seconds=95,
        completed_at=timezone.now(),
    )
    html = member_client.get(course.url).content.decode()
    assert "第1讲" in html and "第2讲" in html
    assert "已完成 1 / 2 课时" in html


def test_lesson_page_for_anonymous_asks_to_log_in(client, course_with_lessons):
    _, (lesson, _) = course_with_lessons
    html = client.get(lesson.url).content.decode()
    assert "/accounts/login/?next=" in html
    assert "lesson-video" not in html


def test_lesson_page_has_player_with_resume_position_and_external_script(
    member, member_client, course_with_lessons
):
    _course, (lesson, _) = course_with_lessons
    LessonProgressFactory(member=member, lesson=lesson, last_position=42.5)
    response = member_client.get(lesson.url)
    html = response.content.decode()
    assert 'data-resume="42.500000"' in html
    assert "vendor/hls.min.js" in html and "school/player.js" in html
    assert "<script>" not in html.replace("<script src", "")
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_lesson_with_video_not_ready_says_so(member_client, course_with_lessons):
    _, (lesson, _) = course_with_lessons
    Video.objects.filter(pk=lesson.video_id).update(status=Video.Status.PROCESSING)
    html = member_client.get(lesson.url).content.decode()
    assert "视频处理中" in html
    assert "lesson-video" not in html


def test_my_study_shows_year_hours_against_target_and_weekly_chart(
    member, member_client, course_with_lessons
):
    course, _ = course_with_lessons
    today = timezone.localdate()
    CourseCompletionFactory(member=member, course=course, credit_hours=3)
    StudyDayFactory(member=member, day=today, seconds=1800)
    StudyDayFactory(member=member, day=today - datetime.timedelta(days=7), seconds=600)
    response = member_client.get("/school/me/")
    html = response.content.decode()
    assert "<strong>3</strong> / 32 学时" in html
    assert "距年度目标还差 29 学时" in html
    assert html.count("bar-chart__item") == 12
    assert ">30</span>" in html and ">10</span>" in html
    assert "党章学习" in html


def test_branch_secretary_target_is_higher(member_client, member):
    member.party_post = "党支部书记"
    member.save()
    assert "/ 56 学时" in member_client.get("/school/me/").content.decode()


def test_targets_come_from_the_school_settings(member_client, member, admin_client):
    from school.models import SchoolSettings

    row = SchoolSettings.load()
    response = admin_client.post(
        f"/admin/settings/school/schoolsettings/{row.pk}/",
        {"member_yearly_target": "6", "secretary_yearly_target": "12"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SchoolSettings.load().member_yearly_target == 6
    assert "/ 6 学时" in member_client.get("/school/me/").content.decode()
    member.party_post = "党支部书记"
    member.save()
    assert "/ 12 学时" in member_client.get("/school/me/").content.decode()


def test_school_admin_may_edit_the_targets(db):
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="党校管理员")
    assert group.permissions.filter(codename="change_schoolsettings").exists()
    assert not Group.objects.get(name="宣传员").permissions.filter(
        codename="change_schoolsettings"
    )


def test_my_study_requires_login(client):
    response = client.get("/school/me/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.fixture
def transcoded(tiny_clip, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        video = services.import_video_file(tiny_clip, title="文件")
    video.refresh_from_db()
    return video


def test_transcoded_files_are_served_with_fixed_types_to_members_only(
    transcoded, member_client, client
):
    master = transcoded.hls_url
    assert client.get(master).status_code == 302
    response = member_client.get(master)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"#EXTM3U" in b"".join(response.streaming_content)
    segment = master.replace("master.m3u8", "240p/seg0000.ts")
    assert member_client.get(segment)["Content-Type"] == "video/mp2t"
    assert member_client.get(transcoded.poster_url)["Content-Type"] == "image/jpeg"


def test_mp4_fallback_supports_byte_ranges(transcoded, member_client):
    response = member_client.get(transcoded.mp4_url, HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206
    assert response["Content-Length"] == "100"
    assert response["Content-Range"].startswith("bytes 0-99/")
    assert len(b"".join(response.streaming_content)) == 100
    assert (
        member_client.get(transcoded.mp4_url, HTTP_RANGE="bytes=999999999-").status_code
        == 416
    )


def test_behind_nginx_django_checks_access_and_nginx_sends_the_file(
    transcoded, member_client, client, settings
):
    settings.PORTAL_VIDEO_ACCEL_REDIRECT = "/_videos/"
    assert client.get(transcoded.mp4_url).status_code == 302
    response = member_client.get(transcoded.mp4_url, HTTP_RANGE="bytes=0-99")
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"] == "video/mp4"
    target = response["X-Accel-Redirect"]
    assert target == f"/_videos/{transcoded.output_dir}/{transcoded.mp4_fallback}"
    # The internal location maps onto the video root: the file is there.
    assert (video_root() / target.removeprefix("/_videos/")).is_file()


def test_unexpected_names_and_stale_tokens_are_not_served(transcoded, member_client):
    base = transcoded.hls_url.rsplit("/", 1)[0]
    for name in ("../../../../etc/passwd", "x.html", "master.m3u8.html", "MASTER.M3U8"):
        assert member_client.get(f"{base}/{name}").status_code == 404
    stale = transcoded.hls_url.replace(transcoded.output_dir_token, "0-000000000000")
    assert member_client.get(stale).status_code == 404


def test_other_members_do_not_see_each_others_study(
    member_client, member, course_with_lessons
):
    other = MemberFactory()
    course, _ = course_with_lessons
    CourseCompletionFactory(member=other, course=course, credit_hours=5)
    assert "<strong>0</strong>" in member_client.get("/school/me/").content.decode()
