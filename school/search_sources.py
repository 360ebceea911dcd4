"""Courses and lessons as search documents (registered from SchoolConfig.ready)."""

from __future__ import annotations

from django.utils.html import strip_tags


def register_sources(registry) -> None:
    """Register the course and lesson sources with the search registry."""
    from search.documents import SearchDocument

    from .models import CoursePage, LessonPage

    class CourseSource(registry.SearchSource):
        """A live, public course: title, summary, lecturer, lesson titles."""

        type = "course"
        label = "党校课程"
        model = CoursePage
        facet_labels = {"category": "课程分类", "kind": "类型"}

        def indexable(self):
            return super().indexable().select_related("category")

        def to_document(self, obj):
            lessons = " ".join(lesson.title for lesson in obj.lessons)
            return SearchDocument(
                key=self.key_for(obj.pk),
                type=self.type,
                title=obj.title,
                body=" ".join(filter(None, [obj.summary, obj.lecturer, lessons])),
                url=obj.url or "",
                date=(obj.first_published_at or obj.latest_revision_created_at).date()
                if (obj.first_published_at or obj.latest_revision_created_at)
                else None,
                facets={
                    "category": obj.category.name if obj.category_id else "",
                    "kind": obj.get_kind_display(),
                },
                extra={"lecturer": obj.lecturer},
            )

    class LessonSource(registry.SearchSource):
        """A live, public lesson: title, summary and transcript."""

        type = "lesson"
        label = "党校课时"
        model = LessonPage
        facet_labels: dict[str, str] = {}

        def to_document(self, obj):
            course = obj.get_parent()
            return SearchDocument(
                key=self.key_for(obj.pk),
                type=self.type,
                title=obj.title,
                body=" ".join(filter(None, [obj.summary, strip_tags(obj.transcript)])),
                url=obj.url or "",
                date=obj.first_published_at.date() if obj.first_published_at else None,
                extra={"course": course.title if course else ""},
            )

    registry.register(CourseSource)
    registry.register(LessonSource)
