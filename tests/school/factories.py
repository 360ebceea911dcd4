"""Factories for the school: ready videos, the school index, courses and lessons.

index = SchoolIndexPageFactory()                 # 网上党校 under the HomePage
course = CoursePageFactory(parent=index, title="党章学习", kind="required")
lesson = LessonPageFactory(parent=course, video__duration=90)
video = VideoFactory(duration=100)               # ready without transcoding

Study records, as the heartbeat and completion services leave them:
LessonProgressFactory(member=m, lesson=lesson, completed_at=now)   # course = parent
CourseCompletionFactory(member=m, course=course)                   # this year
StudyDayFactory(member=m, seconds=1800)                            # today
CourseAssignmentFactory(course=course, organizations=[branch])     # due in a week
"""

import datetime

import factory
from django.utils import timezone

from school.models import (
    CourseAssignment,
    CourseCategory,
    CourseCompletion,
    CoursePage,
    LessonPage,
    LessonProgress,
    SchoolIndexPage,
    StudyDay,
    Video,
)
from tests.home.factories import SitePageFactory
from tests.members.factories import MemberFactory


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


class LessonProgressFactory(factory.django.DjangoModelFactory):
    """A member's progress on a lesson; the course is the lesson's parent."""

    class Meta:
        model = LessonProgress

    member = factory.SubFactory(MemberFactory)
    lesson = factory.SubFactory(LessonPageFactory)
    course = factory.LazyAttribute(
        lambda p: CoursePage.objects.get(pk=p.lesson.get_parent().pk)
    )


class CourseCompletionFactory(factory.django.DjangoModelFactory):
    """A course finished now, worth the course's 学时."""

    class Meta:
        model = CourseCompletion

    member = factory.SubFactory(MemberFactory)
    course = factory.SubFactory(CoursePageFactory)
    completed_at = factory.LazyFunction(timezone.now)
    year = factory.LazyAttribute(lambda c: timezone.localtime(c.completed_at).year)
    credit_hours = factory.LazyAttribute(lambda c: c.course.credit_hours)


class StudyDayFactory(factory.django.DjangoModelFactory):
    """Seconds a member studied on a day (today by default)."""

    class Meta:
        model = StudyDay

    member = factory.SubFactory(MemberFactory)
    day = factory.LazyFunction(timezone.localdate)
    seconds = 600


class CourseAssignmentFactory(factory.django.DjangoModelFactory):
    """A required course due in a week; organizations= takes the branches."""

    class Meta:
        model = CourseAssignment
        skip_postgeneration_save = True

    course = factory.SubFactory(CoursePageFactory)
    deadline = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=7)
    )

    @factory.post_generation
    def organizations(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.organizations.add(*extracted)
