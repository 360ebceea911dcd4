"""The course page costs the same number of SQL queries however many lessons it has."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from school.models import CoursePage, LessonPage
from tests.news.factories import make_image
from tests.school.factories import (
    CoursePageFactory,
    LessonPageFactory,
    LessonProgressFactory,
)

pytestmark = pytest.mark.django_db

N = 2


def course_with(school_index, lessons: int, slug: str) -> CoursePage:
    course = CoursePageFactory(
        parent=school_index, title=f"课程{slug}", slug=slug, cover=make_image()
    )
    LessonPageFactory.create_batch(lessons, parent=course)
    return course


def queries_for(client, url: str) -> int:
    client.get(url)  # renditions are created on the first render
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_course_page_queries_do_not_grow_with_lessons(school_index, member):
    few = course_with(school_index, N, "few")
    many = course_with(school_index, 3 * N, "many")
    for course in (few, many):
        for lesson in LessonPage.objects.child_of(course):
            LessonProgressFactory(member=member, lesson=lesson, watched_seconds=50)
    reader, learner = Client(), Client()
    learner.force_login(member.user)
    html = learner.get(many.url).content.decode()
    assert html.count("lesson-list__item") == 3 * N
    assert html.count("已看 50%") == 3 * N
    for client in (reader, learner):
        assert queries_for(client, few.url) == queries_for(client, many.url)
