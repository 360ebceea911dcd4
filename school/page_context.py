"""What the school's pages show: the context of the catalogue, a course and a lesson
(each page type's get_context reads its own function here), and the member they are
shown to.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.urls import reverse
from wagtail import hooks

from home.params import (
    choice_param,
    id_param,
    text_param,
)

from . import heartbeat_buffer
from .covers import attach_posters, first_poster
from .models import (
    CourseCategory,
    CourseCompletion,
    CoursePage,
    LessonPage,
    LessonProgress,
    SchoolIndexPage,
)
from .required import requirements_for


def member_of(request):
    """The logged-in user's Member profile, or None."""
    user = request.user
    if not user.is_authenticated:
        return None
    try:
        return user.member
    except Exception:
        return None


def login_url_for(request) -> str:
    return f"{settings.WAGTAIL_FRONTEND_LOGIN_URL}?next={request.get_full_path()}"


def catalogue_context(index: SchoolIndexPage, request) -> dict:
    """Courses under the catalogue, filtered by category, kind, text and audience."""
    member = member_of(request)
    courses = (
        CoursePage.objects.child_of(index)
        .live()
        .select_related("category", "cover")
        .prefetch_related("audience_organizations")
        .order_by("-first_published_at", "-pk")
    )
    category = id_param(request.GET, "category")
    kind = choice_param(request.GET, "kind", CoursePage.Kind.values)
    text = text_param(request.GET, "q", max_length=50)
    mine = request.GET.get("mine") == "1"
    if category:
        courses = courses.filter(category_id=category)
    if kind:
        courses = courses.filter(kind=kind)
    if text:
        courses = courses.filter(title__icontains=text)
    courses = list(courses)
    requirements = requirements_for(member)
    if mine and member:
        courses = [
            course
            for course in courses
            if course.is_for(member) or course.pk in requirements
        ]
    lesson_counts: dict[str, int] = {}
    for path in (
        LessonPage.objects.live().descendant_of(index).values_list("path", flat=True)
    ):
        parent = path[: -LessonPage.steplen]
        lesson_counts[parent] = lesson_counts.get(parent, 0) + 1
    completed_ids: set[int] = set()
    started_ids: set[int] = set()
    if member:
        completed_ids = set(
            CourseCompletion.objects.filter(member=member).values_list(
                "course_id", flat=True
            )
        )
        started_ids = set(
            LessonProgress.objects.filter(member=member)
            .values_list("course_id", flat=True)
            .distinct()
        )
    for course in courses:
        course.lesson_count = lesson_counts.get(course.path, 0)
        course.requirement = requirements.get(course.pk)
        if course.pk in completed_ids:
            course.member_state = "已完成"
        elif course.pk in started_ids:
            course.member_state = "学习中"
        else:
            course.member_state = ""
    paginator = Paginator(courses, 12)
    page_obj = paginator.get_page(request.GET.get("page"))
    attach_posters(page_obj.object_list, request.user)
    return {
        "courses": page_obj,
        "categories": CourseCategory.objects.all(),
        "kinds": CoursePage.Kind.choices,
        "filters": {
            "category": str(category or ""),
            "kind": kind,
            "q": text,
            "mine": mine,
        },
        "member": member,
        "my_study_url": reverse("school:me"),
        "extra_links": [
            link
            for hook in hooks.get_hooks("school_index_links")
            if (link := hook(request, member))
        ],
    }


def course_context(course: CoursePage, request) -> dict:
    """Lessons with the member's progress on each."""
    member = member_of(request)
    lessons = course.lessons
    progress_by_lesson = {}
    completion = None
    if member:
        progress_by_lesson = {
            row.lesson_id: row
            for row in LessonProgress.objects.filter(
                member=member, lesson_id__in=[lesson.pk for lesson in lessons]
            ).only("lesson_id", "watched_seconds", "completed_at", "last_position")
        }
        completion = CourseCompletion.objects.filter(
            member=member, course=course
        ).first()
    rows = []
    done = 0
    for lesson in lessons:
        row = progress_by_lesson.get(lesson.pk)
        duration = lesson.duration or 0
        percent = (
            int(min(100, (row.watched_seconds / duration) * 100))
            if row and duration
            else 0
        )
        if row and row.completed_at:
            done += 1
        rows.append({"lesson": lesson, "progress": row, "percent": percent})
    # Where 开始学习/继续学习 leads: the first lesson not completed.
    next_row = next(
        (row for row in rows if not (row["progress"] and row["progress"].completed_at)),
        None,
    )
    course.poster_url = (
        first_poster(lessons)
        if not course.cover_id and request.user.is_authenticated
        else ""
    )
    return {
        "lesson_rows": rows,
        "lessons_done": done,
        "next_row": next_row if member and not completion else None,
        "member": member,
        "completion": completion,
        "course_percent": int(done * 100 / len(lessons)) if lessons else 0,
        "login_url": login_url_for(request),
        "is_for_member": course.is_for(member) if member else None,
        "requirement": requirements_for(member).get(course.pk),
        "extra_panels": extra_panels("school_course_panels", course, request, member),
    }


def lesson_context(lesson: LessonPage, request) -> dict:
    """The player's configuration and where this member left off."""
    member = member_of(request)
    course = lesson.get_parent().specific
    siblings = course.lessons
    ids = [item.pk for item in siblings]
    position = ids.index(lesson.pk) if lesson.pk in ids else -1
    row = None
    if member:
        row = (
            LessonProgress.objects.filter(member=member, lesson=lesson)
            .only("last_position", "watched_seconds", "completed_at")
            .first()
        )
    video = lesson.video
    if member and heartbeat_buffer.enabled():
        heartbeat_buffer.remember_seen(
            member.pk,
            lesson.pk,
            row.watched_seconds if row else 0.0,
            bool(row and row.completed_at),
        )
    return {
        "course": course,
        "member": member,
        "video": video,
        "video_ready": bool(video and video.is_ready),
        "progress": row,
        "resume_at": row.last_position if row else 0,
        "previous_lesson": siblings[position - 1] if position > 0 else None,
        "next_lesson": siblings[position + 1]
        if 0 <= position < len(siblings) - 1
        else None,
        "heartbeat_url": reverse("school:heartbeat"),
        "heartbeat_seconds": settings.PORTAL_SCHOOL_HEARTBEAT_SECONDS,
        "min_heartbeat_seconds": settings.PORTAL_SCHOOL_MIN_HEARTBEAT_SECONDS,
        "playback_rates": [
            format(rate, "g") for rate in settings.PORTAL_SCHOOL_PLAYBACK_RATES
        ],
        "login_url": login_url_for(request),
        "watched_percent": int(min(100, row.watched_seconds * 100 / video.duration))
        if row and video and video.duration
        else 0,
        "extra_panels": extra_panels("school_lesson_panels", lesson, request, member),
    }


def extra_panels(hook_name: str, page, request, member) -> list[str]:
    """HTML that other apps add to a course or lesson page (the hooks
    ``school_course_panels`` and ``school_lesson_panels``: functions of
    (page, request, member) returning safe HTML or an empty string)."""
    return [
        html
        for panel in hooks.get_hooks(hook_name)
        if (html := panel(page, request, member))
    ]
