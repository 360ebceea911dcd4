"""The heartbeat endpoint, 我的学习 and transcoded-file serving (the pages' contexts are
in page_context.py)."""

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
from django.db.models import Sum
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from home.params import (
    MAX_ID,
    BadParameter,
    json_body,
    json_int,
    json_number,
    parse_json,
)

from . import heartbeat_buffer
from .models import (
    CourseCompletion,
    CoursePage,
    LessonPage,
    LessonProgress,
    SchoolIndexPage,
    StudyDay,
    Video,
    video_root,
)
from .page_context import member_of
from .progress import clean_intervals
from .required import required_rows
from .services import lesson_target, record_heartbeat
from .stats import member_year_summary

MAX_INTERVALS_PER_BEAT = 200
MAX_BEAT_BYTES = 16 * 1024
MEMBER_SESSION_KEY = "school_member_id"


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


def _beat_and_lesson(request):
    """The posted heartbeat and the lesson it is for, or the error to answer."""
    try:
        beat = parse_beat(request)
    except BadBeat as exc:
        return None, None, _error(f"进度数据格式不正确：{exc}", 400)
    lesson = lesson_target(beat.lesson_id)
    if lesson is None:
        return beat, None, _error("课时不存在。", 404)
    if not lesson.ready:
        return beat, None, _error("视频处理中，暂不记录进度。", 409)
    if lesson.restricted:
        page = LessonPage.objects.get(pk=lesson.pk)
        if not all(r.accept_request(request) for r in page.get_view_restrictions()):
            return beat, None, _error("您无权学习该课时。", 403)
    return beat, lesson, None


# Set in the WSGI environ of an accepted heartbeat: deploy/gunicorn.conf.py leaves
# such requests out of its access log (up to 1,000 lines a second at 10,000 members
# watching; nginx's log still has them).
ROUTINE_REQUEST = "portal.routine"


def outcome_response(request, outcome) -> JsonResponse:
    request.META[ROUTINE_REQUEST] = True
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
    beat, lesson, error = _beat_and_lesson(request)
    if error:
        return error
    outcome = record_heartbeat(
        member_id,
        lesson,
        intervals=beat.intervals,
        position=beat.position,
        playing=beat.playing,
    )
    return outcome_response(request, outcome)


def _buffered_heartbeat(request):
    """The Redis path: the session read and one script; no database query while the
    user's session hash is cached (see school.heartbeat_buffer)."""
    session = request.session
    user_id = session.get(SESSION_KEY)
    session_hash = session.get(HASH_SESSION_KEY)
    if not user_id or not session_hash:
        return _error("请先登录。", 401)
    beat, lesson, error = _beat_and_lesson(request)
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
    return outcome_response(request, outcome)


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
