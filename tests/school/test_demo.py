"""The demo school's figures add up: every number comes from the same watching."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.mark.usefixtures("demo_clips_made_once")
def test_demo_school_figures_add_up(client):
    """One load (ffmpeg makes five clips of several minutes, or they are copied from
    an earlier test's, tests/conftest.py), then every check."""
    from members import demo as members_demo
    from school import demo

    members_demo.load()
    demo.load()
    _check_each_lesson_plays_its_own_clip()
    _check_completions_study_days_and_progress_agree()
    _check_the_demo_member_has_hours_and_a_course_in_progress(client)
    _check_members_and_branches_are_not_all_rated_unqualified()
    _check_the_leader_sees_the_whole_committee()
    # Loading again changes nothing.
    from school.models import CourseCompletion, StudyDay

    before = (CourseCompletion.objects.count(), StudyDay.objects.count())
    demo.load()
    assert (CourseCompletion.objects.count(), StudyDay.objects.count()) == before


def _check_each_lesson_plays_its_own_clip():
    from school.models import LessonPage

    lessons = list(LessonPage.objects.select_related("video"))
    assert len(lessons) == 5
    for lesson in lessons:
        assert lesson.title in lesson.video.title
        assert lesson.video.duration >= 7 * 60
    assert len({lesson.video_id for lesson in lessons}) == len(lessons)


def _check_completions_study_days_and_progress_agree():
    from members.models import Member
    from school.models import CourseCompletion, CoursePage, LessonProgress, StudyDay

    for course in CoursePage.objects.all():
        hours = course.effective_credit_hours
        assert hours > 0
        for completion in CourseCompletion.objects.filter(course=course):
            assert completion.credit_hours == hours
            done = LessonProgress.objects.filter(
                member=completion.member, course=course, completed_at__isnull=False
            ).count()
            assert done == len(course.lessons)
    learners = Member.objects.filter(
        pk__in=LessonProgress.objects.values("member")
    ).distinct()
    assert learners.count() >= 20
    for member in learners:
        watched = LessonProgress.objects.filter(member=member).aggregate(
            s=Sum("watched_seconds")
        )["s"]
        studied = StudyDay.objects.filter(member=member).aggregate(s=Sum("seconds"))[
            "s"
        ]
        assert studied == pytest.approx(watched, abs=0.1)
        assert (
            StudyDay.objects.filter(member=member, day__gt=timezone.localdate()).count()
            == 0
        )


def _check_the_demo_member_has_hours_and_a_course_in_progress(client):
    from django.contrib.auth import get_user_model

    from school import stats
    from school.models import CourseCompletion, LessonProgress

    user = get_user_model().objects.get(username="dangyuan")
    member = user.member
    summary = stats.member_year_summary(member, timezone.localdate().year)
    assert summary.hours == Decimal("0.5") and summary.courses == 1
    watched = LessonProgress.objects.filter(member=member).aggregate(
        s=Sum("watched_seconds")
    )["s"]
    assert summary.minutes == round(watched / 60)
    completed = CourseCompletion.objects.filter(member=member).values("course")
    started = LessonProgress.objects.filter(member=member).exclude(course__in=completed)
    assert started.exists()
    client.force_login(user)
    html = client.get("/school/me/").content.decode()
    assert "<strong>0.50</strong> / 1 学时" in html


def _check_members_and_branches_are_not_all_rated_unqualified():
    from members.models import Organization
    from school import stats

    year = timezone.localdate().year
    ranking = stats.member_ranking(Organization.objects.all(), year)
    appraisals = {row.appraisal for row in ranking[0 : ranking.count()]}
    assert {stats.EXCELLENT, stats.QUALIFIED, stats.UNQUALIFIED} <= appraisals


def _check_the_leader_sees_the_whole_committee():
    from django.contrib.auth import get_user_model

    from members.models import Organization
    from members.scopes import organizations_for

    leader = get_user_model().objects.get(username="lingdao")
    assert organizations_for(leader).count() == Organization.objects.count()
