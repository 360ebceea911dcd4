"""Courses and lessons are registered with the search registry."""

import pytest

registry = pytest.importorskip("search.registry")
pytestmark = pytest.mark.django_db


def test_course_and_lesson_documents(course_with_lessons):
    course, (lesson, _) = course_with_lessons
    lesson.transcript = "<p>学习<b>党章</b>总纲</p>"
    lesson.save_revision().publish()
    course_doc = registry.source_for_type("course").to_document(course)
    assert course_doc.key == f"course:{course.pk}"
    assert course_doc.title == "党章学习"
    assert "第1讲" in course_doc.body
    assert course_doc.facets["kind"] == "必修"
    lesson_doc = registry.source_for_type("lesson").to_document(lesson.specific)
    assert "学习党章总纲" in lesson_doc.body
    assert lesson_doc.extra["course"] == "党章学习"
    assert lesson_doc.url.endswith("/l1/")
