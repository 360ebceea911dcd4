"""The picture of a course: its cover image, else the poster frame of its first lesson.

Courses without a cover used to show a blank tile although their lessons' videos have
a poster frame (made by the transcode). Video files are served to logged-in users only
(`school.views.video_file`), so anonymous visitors keep the blank tile rather than a
broken image.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q

from .models import LessonPage, Video


def first_poster(lessons) -> str:
    """The poster URL of the first lesson (in course order) with a ready video."""
    for lesson in lessons:
        video = lesson.video
        if video is not None and video.is_ready and video.poster:
            return video.poster_url
    return ""


def attach_posters(courses, user) -> None:
    """Set `poster_url` on each course: "" where it has a cover (the template shows
    the cover's rendition) or nothing to show, else its first lesson's poster frame.
    One query for all the courses."""
    courses = list(courses)
    for course in courses:
        course.poster_url = ""
    if not user.is_authenticated:
        return
    wanted = {course.path: course for course in courses if not course.cover_id}
    if not wanted:
        return
    lessons = (
        LessonPage.objects.live()
        .filter(reduce(or_, (Q(path__startswith=path) for path in wanted)))
        .filter(video__status=Video.Status.READY)
        .exclude(video__poster="")
        .select_related("video")
        .order_by("path")
    )
    for lesson in lessons:
        course = wanted.get(lesson.path[: -LessonPage.steplen])
        if course is not None and not course.poster_url:
            course.poster_url = lesson.video.poster_url
