"""Factories for the school: ready videos, the school index, courses and lessons.

index = SchoolIndexPageFactory()                 # 网上党校 under the HomePage
course = CoursePageFactory(parent=index, title="党章学习", kind="required")
lesson = LessonPageFactory(parent=course, video__duration=90)
video = VideoFactory(duration=100)               # ready without transcoding
"""

import factory

from school.models import CourseCategory, CoursePage, LessonPage, SchoolIndexPage, Video
from tests.home.factories import SitePageFactory


class VideoFactory(factory.django.DjangoModelFactory):
    """A Video row marked ready without transcoding (for progress rules)."""

    class Meta:
        model = Video

    title = factory.Sequence(lambda n: f"视频{n}")
    source = "school/sources/none.mp4"
    status = Video.Status.READY
    duration = 100.0
    output_dir = "school/videos/x-abc"
    hls_master = "master.m3u8"
    mp4_fallback = "fallback.mp4"


class CourseCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CourseCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"课程分类{n}")


class SchoolIndexPageFactory(SitePageFactory):
    class Meta:
        model = SchoolIndexPage

    title = "网上党校"
    slug = "school"
    show_in_menus = True


class CoursePageFactory(SitePageFactory):
    """A course; give parent= (a SchoolIndexPage)."""

    class Meta:
        model = CoursePage

    title = factory.Sequence(lambda n: f"课程{n}")
    slug = factory.Sequence(lambda n: f"course-{n}")


class LessonPageFactory(SitePageFactory):
    """A lesson with its own ready 100 s video; give parent= (a CoursePage)."""

    class Meta:
        model = LessonPage

    title = factory.Sequence(lambda n: f"第{n}讲")
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    video = factory.SubFactory(VideoFactory)
