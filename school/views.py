"""Pages' contexts, the heartbeat endpoint, 我的学习 and transcoded-file serving."""

from __future__ import annotations

import dataclasses
import datetime
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from wagtail import hooks

from home.params import (
    MAX_ID,
    BadParameter,
    choice_param,
    id_param,
    json_body,
    json_int,
    json_number,
    parse_json,
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
    StudyDay,
    Video,
    video_root,
)
from .progress import clean_intervals
from .required import required_rows, requirements_for
from .services import lesson_target, record_heartbeat
from .stats import member_year_summary

MAX_INTERVALS_PER_BEAT = 200
MAX_BEAT_BYTES = 16 * 1024
MEMBER_SESSION_KEY = "school_member_id"


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


# ---- page contexts ----------------------------------------------------------------


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


# ---- heartbeat --------------------------------------------------------------------


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


class BadBeat(Exception):
    """The heartbeat's payload is unusable: answered 400."""


@dataclass(frozen=True)
class BeatPayload:
    lesson_id: int
    position: float
    intervals: list
    playing: bool

    def clean_intervals(self, duration: float) -> list[list[float]]:
        """The claimed intervals as numbers within the video (what is buffered)."""
        return [list(pair) for pair in clean_intervals(self.intervals, duration)]


def parse_beat(request) -> BeatPayload:
    """The player's heartbeat: JSON (fetch) or form-encoded `data` (sendBeacon)."""
    try:
        if request.content_type == "application/json":
            payload = json_body(request, max_bytes=MAX_BEAT_BYTES, max_depth=3)
        else:
            payload = parse_json(
                request.POST.get("data") or "{}", max_bytes=MAX_BEAT_BYTES, max_depth=3
            )
        if not isinstance(payload, dict):
            raise BadParameter("应为 JSON 对象。")
        lesson_id = json_int(payload, "lesson", minimum=1, maximum=MAX_ID)
        if lesson_id is None:
            raise BadParameter("缺少参数 lesson。")
        position = json_number(payload, "position", default=0.0)
    except BadParameter as exc:
        raise BadBeat(str(exc)) from exc
    intervals = payload.get("intervals") or []
    if not isinstance(intervals, list) or len(intervals) > MAX_INTERVALS_PER_BEAT:
        raise BadBeat("参数 intervals 应为不超过 200 段的列表。")
    return BeatPayload(lesson_id, position, intervals, bool(payload.get("playing")))


def _lesson_for(request, lesson_id: int):
    """The lesson a heartbeat is for, or the error to answer."""
    lesson = lesson_target(lesson_id)
    if lesson is None:
        return None, _error("课时不存在。", 404)
    if not lesson.ready:
        return None, _error("视频处理中，暂不记录进度。", 409)
    if lesson.restricted:
        page = LessonPage.objects.get(pk=lesson.pk)
        if not all(r.accept_request(request) for r in page.get_view_restrictions()):
            return None, _error("您无权学习该课时。", 403)
    return lesson, None


def outcome_response(outcome) -> JsonResponse:
    return JsonResponse(
        {
            "watched_seconds": outcome.watched_seconds,
            "duration": outcome.duration,
            "last_position": outcome.last_position,
            "completed": outcome.completed,
            "accruing": outcome.accruing,
            "course_completed": outcome.course_completed,
            "deferred": outcome.deferred,
        }
    )


@never_cache
def heartbeat(request):
    """POST the player's watched intervals; credit is decided on the server's clock.

    With a Redis buffer (PORTAL_SCHOOL_HEARTBEAT_REDIS_URL) the beat is admitted and
    queued in Redis (`school.heartbeat_buffer`); otherwise it is written at once
    (`services.record_heartbeat`).
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if heartbeat_buffer.enabled():
        return _buffered_heartbeat(request)
    if not request.user.is_authenticated:
        return _error("请先登录。", 401)
    member_id = request.session.get(MEMBER_SESSION_KEY)
    if member_id is None:
        member = member_of(request)
        if member is None:
            return _error("只有党员账号记录学习进度。", 403)
        member_id = request.session[MEMBER_SESSION_KEY] = member.pk
    try:
        beat = parse_beat(request)
    except BadBeat as exc:
        return _error(f"进度数据格式不正确：{exc}", 400)
    lesson, error = _lesson_for(request, beat.lesson_id)
    if error:
        return error
    outcome = record_heartbeat(
        member_id,
        lesson,
        intervals=beat.intervals,
        position=beat.position,
        playing=beat.playing,
    )
    return outcome_response(outcome)


def _buffered_heartbeat(request):
    """The Redis path: the session read and one script; no database query while the
    user's session hash is cached (see school.heartbeat_buffer)."""
    session = request.session
    user_id = session.get(SESSION_KEY)
    session_hash = session.get(HASH_SESSION_KEY)
    if not user_id or not session_hash:
        return _error("请先登录。", 401)
    try:
        beat = parse_beat(request)
    except BadBeat as exc:
        return _error(f"进度数据格式不正确：{exc}", 400)
    lesson, error = _lesson_for(request, beat.lesson_id)
    if error:
        return error
    intervals = beat.clean_intervals(lesson.duration)
    member_id = session.get(MEMBER_SESSION_KEY)
    try:
        return _buffer(
            request, lesson, beat, intervals, member_id, user_id, session_hash
        )
    except redis.RedisError:
        return _error("学习进度暂时无法记录，请稍后重试。", 503)


def _buffer(request, lesson, beat, intervals, member_id, user_id, session_hash):
    session = request.session
    buffered = None
    for _attempt in range(2):
        if member_id is not None:
            buffered = heartbeat_buffer.buffer_heartbeat(
                user_id=int(user_id),
                session_hash=session_hash,
                member_id=member_id,
                lesson=lesson,
                intervals=intervals,
                position=beat.position,
                playing=beat.playing,
            )
            if buffered is not None:
                break
        # Not cached (or changed): Django's full check, then cache its answer.
        if not request.user.is_authenticated:
            return _error("请先登录。", 401)
        member = member_of(request)
        if member is None:
            return _error("只有党员账号记录学习进度。", 403)
        if session.get(MEMBER_SESSION_KEY) != member.pk:
            session[MEMBER_SESSION_KEY] = member.pk
        member_id = member.pk
        session_hash = request.user.get_session_auth_hash()
        heartbeat_buffer.remember_auth(request.user.pk, session_hash, member_id)
    if buffered is None:
        return _error("学习进度暂未记录，请稍后重试。", 409)
    if buffered.fold_due:
        heartbeat_buffer.schedule_fold()
    outcome = buffered.outcome(lesson, beat.position)
    if outcome.watched_seconds is None:
        # Not yet told by a fold or the lesson page: the database's figure.
        row = (
            LessonProgress.objects.filter(member_id=member_id, lesson_id=lesson.pk)
            .values_list("watched_seconds", "completed_at")
            .first()
        )
        watched, completed = (row[0], row[1] is not None) if row else (0.0, False)
        outcome = dataclasses.replace(
            outcome, watched_seconds=watched, completed=completed
        )
    return outcome_response(outcome)


# ---- 我的学习 ---------------------------------------------------------------------


@login_required
def my_study(request):
    """The member's courses in progress and completed, 学时 against target, weekly chart."""
    member = member_of(request)
    if member is None:
        return render(request, "school/my_study.html", {"no_member": True}, status=403)
    return render(request, "school/my_study.html", study_context(member))


def study_context(member) -> dict:
    """What 我的学习 shows (also the 我的学习 section of /me/)."""
    today = timezone.localdate()
    summary = member_year_summary(member, today.year)
    completions = list(
        CourseCompletion.objects.filter(member=member)
        .select_related("course")
        .order_by("-completed_at")
    )
    completed_ids = {item.course_id for item in completions}
    in_progress = []
    started = (
        LessonProgress.objects.filter(member=member)
        .exclude(course_id__in=completed_ids)
        .values("course_id")
        .annotate(done=Sum("watched_seconds"))
    )
    started_ids = [row["course_id"] for row in started]
    courses = CoursePage.objects.live().filter(pk__in=started_ids).specific()
    done_lessons = {}
    for row in LessonProgress.objects.filter(
        member=member, course_id__in=started_ids, completed_at__isnull=False
    ).values_list("course_id", flat=True):
        done_lessons[row] = done_lessons.get(row, 0) + 1
    for course in courses:
        total = len(course.lessons)
        in_progress.append(
            {
                "course": course,
                "done": done_lessons.get(course.pk, 0),
                "total": total,
                "percent": int(done_lessons.get(course.pk, 0) * 100 / total)
                if total
                else 0,
            }
        )
    weeks = weekly_minutes(member, today)
    peak = max((week["minutes"] for week in weeks), default=0) or 1
    for week in weeks:
        week["height"] = round(week["minutes"] * 100 / peak)
    return {
        "member": member,
        "summary": summary,
        "completions": completions,
        "in_progress": in_progress,
        "weeks": weeks,
        "catalogue": SchoolIndexPage.objects.live().first(),
        "required": required_rows(member),
    }


def me_section_context(request) -> dict | None:
    """The 我的学习 section of /me/: for accounts with a member profile only."""
    member = member_of(request)
    return None if member is None else study_context(member)


def weekly_minutes(member, today: datetime.date, weeks: int = 12) -> list[dict]:
    """Minutes studied in each of the last `weeks` weeks (Monday to Sunday)."""
    this_monday = today - datetime.timedelta(days=today.weekday())
    first = this_monday - datetime.timedelta(weeks=weeks - 1)
    totals = [0.0] * weeks
    for day, seconds in StudyDay.objects.filter(
        member=member, day__gte=first
    ).values_list("day", "seconds"):
        totals[(day - first).days // 7] += seconds
    return [
        {
            "start": first + datetime.timedelta(weeks=index),
            "minutes": round(total / 60),
        }
        for index, total in enumerate(totals)
    ]


# ---- transcoded files ---------------------------------------------------------------

SAFE_NAME = re.compile(r"^(?:\d{3,4}p/)?[a-z0-9_-]+\.(m3u8|ts|mp4|jpg)$")
CONTENT_TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "ts": "video/mp2t",
    "mp4": "video/mp4",
    "jpg": "image/jpeg",
}
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024


@login_required
def video_file(request, pk: int, token: str, name: str):
    """Serve one transcoded file with a fixed content type, with byte ranges for seeking."""
    match = SAFE_NAME.match(name)
    if not match:
        raise Http404
    video = Video.objects.filter(pk=pk).only("output_dir", "status").first()
    if video is None or not video.output_dir or video.output_dir_token != token:
        raise Http404
    path = video_root() / video.output_dir / name
    if not path.is_file():
        raise Http404
    content_type = CONTENT_TYPES[match.group(1)] or mimetypes.types_map[".bin"]
    if settings.PORTAL_VIDEO_ACCEL_REDIRECT:
        # nginx sends the file (ranges included) from its internal location.
        response = HttpResponse(content_type=content_type)
        prefix = settings.PORTAL_VIDEO_ACCEL_REDIRECT.rstrip("/")
        response["X-Accel-Redirect"] = quote(f"{prefix}/{video.output_dir}/{name}")
        return _private_inline(response)
    size = path.stat().st_size
    start, end = 0, size - 1
    status = 200
    header = request.headers.get("Range", "")
    range_match = RANGE.match(header) if header else None
    if range_match and (range_match.group(1) or range_match.group(2)):
        first, last = range_match.groups()
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:
            start = max(0, size - int(last))
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        status = 206
    response = StreamingHttpResponse(
        _read_range(path, start, end - start + 1),
        status=status,
        content_type=content_type,
    )
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return _private_inline(response)


def _private_inline(response):
    """Members' browsers may cache a video file; shared caches may not."""
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Disposition"] = "inline"
    return response


def _read_range(path: Path, start: int, length: int):
    with path.open("rb") as handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
