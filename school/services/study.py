"""Recording study: heartbeats merged into watched intervals, study clocks and days,
and the course completion they lead to.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from wagtail import hooks

from .. import progress, stats
from ..models import (
    CourseCompletion,
    CoursePage,
    LessonPage,
    LessonProgress,
    StudyClock,
    StudyDay,
    Video,
)


@dataclass(frozen=True)
class HeartbeatOutcome:
    """What the player is told after a heartbeat.

    `deferred`: the heartbeat came too soon after the member's previous credited one;
    it earned nothing and the player sends its intervals again with the next one.
    `watched_seconds` is None when the Redis path does not know it yet (no fold and
    no lesson page since the member's last heartbeats).
    """

    watched_seconds: float | None
    duration: float
    last_position: float
    completed: bool
    accruing: bool
    course_completed: bool = False
    deferred: bool = False


@dataclass(frozen=True)
class LessonTarget:
    """What a heartbeat needs to know about a lesson (cached per process).

    `restricted`: the lesson or a page above it has a view restriction other than
    "logged-in users", so each heartbeat checks it against the request.
    """

    pk: int
    path: str
    duration: float
    ready: bool
    course_id: int | None = None
    restricted: bool = False


_TARGETS: dict[int, tuple[float, LessonTarget | None]] = {}
TARGET_CACHE_SECONDS = 60


def lesson_target(lesson_id: int) -> LessonTarget | None:
    """The live lesson with its video's duration and readiness, cached for a minute."""
    now = time.monotonic()
    cached = _TARGETS.get(lesson_id)
    if cached and cached[0] > now:
        return cached[1]
    page = (
        LessonPage.objects.live()
        .filter(pk=lesson_id)
        .select_related("video")
        .only("path", "depth", "video__duration", "video__status")
        .first()
    )
    target = None
    if page is not None:
        target = LessonTarget(
            page.pk,
            page.path,
            float((page.video.duration if page.video else 0) or 0),
            bool(page.video and page.video.status == Video.Status.READY),
            _course_id(page.path),
            any(
                restriction.restriction_type != restriction.LOGIN
                for restriction in page.get_view_restrictions()
            ),
        )
    if len(_TARGETS) > 10_000:
        _TARGETS.clear()
    _TARGETS[lesson_id] = (now + TARGET_CACHE_SECONDS, target)
    return target


def _course_id(lesson_path: str) -> int | None:
    return (
        CoursePage.objects.filter(path=lesson_path[: -LessonPage.steplen])
        .values_list("pk", flat=True)
        .first()
    )


def _target_of(lesson) -> LessonTarget:
    if isinstance(lesson, LessonTarget):
        return lesson
    return LessonTarget(
        lesson.pk,
        lesson.path,
        float(lesson.duration or 0),
        bool(lesson.video and lesson.video.is_ready),
        _course_id(lesson.path),
    )


def clock_rules() -> progress.ClockRules:
    """The admission rules of heartbeats, from the settings."""
    return progress.ClockRules(
        max_rate=float(settings.PORTAL_SCHOOL_MAX_PLAYBACK_RATE),
        min_interval=float(settings.PORTAL_SCHOOL_MIN_HEARTBEAT_SECONDS),
        max_gap=progress.MAX_HEARTBEAT_GAP,
        first_wall=progress.FIRST_HEARTBEAT_WALL_SECONDS,
        accruing_window=settings.PORTAL_SCHOOL_HEARTBEAT_SECONDS * 2.5,
    )


@dataclass(frozen=True)
class Beat:
    """An admitted heartbeat: up to `budget` seconds of new video from `intervals`."""

    member_id: int
    lesson: LessonTarget
    intervals: list
    position: float
    budget: float
    at: datetime.datetime


def record_heartbeat(
    member,
    lesson,
    *,
    intervals: list,
    position: float,
    playing: bool,
    now: datetime.datetime | None = None,
) -> HeartbeatOutcome:
    """Admit a heartbeat against the member's clock and merge it into their progress.

    The database path (no Redis buffer). `member` is a Member or its pk; `lesson` a
    LessonPage or LessonTarget. The member's StudyClock row is locked first (row lock
    on PostgreSQL; SQLite's transactions take the write lock at BEGIN), and the
    server time is read only once the lock is held, so parallel heartbeats of one
    member queue up and each can claim only the time since the one before it.
    Clock, progress, study time and a completion commit together.
    """
    member_id = getattr(member, "pk", member)
    target = _target_of(lesson)
    claims = bool(progress.clean_intervals(intervals, target.duration))
    with transaction.atomic():
        clock = _lock_clock(member_id)
        at = now or timezone.now()
        before = progress.Clock(
            _seconds(clock.last_credit_at),
            clock.accruing_lesson_id,
            _seconds(clock.accruing_until),
        )
        admission = progress.admit_heartbeat(
            before,
            lesson=target.pk,
            now=at.timestamp(),
            claims=claims and target.duration > 0,
            playing=playing,
            rules=clock_rules(),
        )
        after = admission.clock
        if after != before:
            StudyClock.objects.filter(pk=member_id).update(
                last_credit_at=_datetime(after.last_credit),
                accruing_lesson_id=after.lesson,
                accruing_until=_datetime(after.until),
            )
        beat = Beat(
            member_id,
            target,
            intervals if admission.accrues else [],
            position,
            admission.budget,
            at,
        )
        outcome = write_beats([beat])[(member_id, target.pk)]
    return dataclasses.replace(
        outcome, accruing=admission.accrues, deferred=admission.deferred
    )


def _seconds(moment: datetime.datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def _datetime(seconds: float | None) -> datetime.datetime | None:
    if seconds is None:
        return None
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def _lock_clock(member_id: int) -> StudyClock:
    clock = StudyClock.objects.select_for_update().filter(pk=member_id).first()
    if clock is None:
        StudyClock.objects.bulk_create(
            [StudyClock(member_id=member_id)], ignore_conflicts=True
        )
        clock = StudyClock.objects.select_for_update().get(pk=member_id)
    return clock


PROGRESS_FIELDS = ("intervals", "watched_seconds", "last_position", "last_beat_at")


def write_beats(beats: list[Beat]) -> dict[tuple[int, int], HeartbeatOutcome]:
    """Merge admitted heartbeats into the members' progress, in the order given.

    Used by both paths (one beat from `record_heartbeat`, a batch from the Redis
    fold); call inside a transaction. Each beat adds at most its budget of video
    not watched before; the progress rows are locked while they are merged; the
    day's study time, lesson completions and course completions (with 学时 and the
    yearly summary) are written with them. Returns the state of each member and
    lesson after the last of its beats.
    """
    if not beats:
        return {}
    rows = _locked_progress({(b.member_id, b.lesson.pk): b for b in beats})
    changed: dict[int, dict] = {}
    day_seconds: dict[tuple[int, datetime.date], float] = {}
    completed: list[tuple[int, int | None, datetime.datetime, tuple[int, int]]] = []
    ratio = settings.PORTAL_SCHOOL_COMPLETION_RATIO
    for beat in beats:
        key = (beat.member_id, beat.lesson.pk)
        row = rows[key]
        result = progress.apply_heartbeat(
            row["intervals"],
            beat.intervals,
            duration=beat.lesson.duration,
            budget=beat.budget,
            position=beat.position,
            ratio=ratio,
        )
        row["last_position"] = result.position
        row["last_beat_at"] = beat.at
        if result.gained_seconds > 0:
            row["intervals"] = [list(pair) for pair in result.intervals]
            row["watched_seconds"] = result.unique_seconds
            day = (beat.member_id, timezone.localdate(beat.at))
            day_seconds[day] = day_seconds.get(day, 0.0) + result.gained_seconds
        if result.completed and row["completed_at"] is None:
            row["completed_at"] = beat.at
            row["completed_now"] = True
            completed.append((beat.member_id, row["course_id"], beat.at, key))
        row["duration"] = beat.lesson.duration
        changed[row["pk"]] = row
    _save_progress(changed.values())
    _add_study_times(day_seconds)
    course_done = set()
    for member_id, course_id, at, key in completed:
        if complete_course_if_done(member_id, course_id, at):
            course_done.add(key)
    return {
        key: HeartbeatOutcome(
            watched_seconds=row["watched_seconds"],
            duration=row.get("duration", 0.0),
            last_position=row["last_position"],
            completed=row["completed_at"] is not None,
            accruing=True,
            course_completed=key in course_done,
        )
        for key, row in rows.items()
    }


PAIRS_PER_QUERY = 500


def _locked_progress(beats: dict[tuple[int, int], Beat]) -> dict[tuple[int, int], dict]:
    """The progress rows of these members and lessons, created if missing, locked."""
    rows: dict[tuple[int, int], dict] = {}

    def fetch(pairs):
        for start in range(0, len(pairs), PAIRS_PER_QUERY):
            for row in _progress_rows(pairs[start : start + PAIRS_PER_QUERY]):
                rows[(row["member_id"], row["lesson_id"])] = row

    fetch(sorted(beats))
    missing = sorted(set(beats) - set(rows))
    if missing:
        LessonProgress.objects.bulk_create(
            [
                LessonProgress(
                    member_id=member_id,
                    lesson_id=lesson_id,
                    course_id=beats[(member_id, lesson_id)].lesson.course_id,
                    started_at=beats[(member_id, lesson_id)].at,
                )
                for member_id, lesson_id in missing
            ],
            ignore_conflicts=True,
        )
        fetch(missing)
    return rows


def _progress_rows(pairs: list[tuple[int, int]]) -> list[dict]:
    """Rows of these (member, lesson) pairs, locked for update where the database can."""
    fields = ("member_id", "lesson_id", "course_id", "completed_at", *PROGRESS_FIELDS)
    if len(pairs) == 1:
        (member_id, lesson_id), *_ = pairs
        return list(
            LessonProgress.objects.select_for_update()
            .filter(member_id=member_id, lesson_id=lesson_id)
            .values("pk", *fields)
        )
    # One statement for a batch: (member, lesson) IN (VALUES ...), which PostgreSQL and
    # SQLite both read; the ORM would build one OR branch per pair.
    table = connection.ops.quote_name(LessonProgress._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    values = ", ".join(["(%s, %s)"] * len(pairs))
    found = LessonProgress.objects.raw(
        f"SELECT * FROM {table} WHERE (member_id, lesson_id) IN (VALUES {values}) "  # noqa: S608
        f"ORDER BY id{lock}",
        [value for pair in pairs for value in pair],
    )
    return [
        {"pk": row.pk, **{name: getattr(row, name) for name in fields}} for row in found
    ]


def _save_progress(rows) -> None:
    rows = list(rows)
    if len(rows) == 1:
        row = rows[0]
        updates = {name: row[name] for name in PROGRESS_FIELDS}
        if row.get("completed_now"):
            updates["completed_at"] = row["completed_at"]
        LessonProgress.objects.filter(pk=row["pk"]).update(**updates)
        return
    ops = connection.ops
    table = ops.quote_name(LessonProgress._meta.db_table)
    params = [
        (
            row["pk"],
            json.dumps(row["intervals"], separators=(",", ":")),
            row["watched_seconds"],
            row["last_position"],
            ops.adapt_datetimefield_value(row["last_beat_at"]),
            ops.adapt_datetimefield_value(row["completed_at"]),
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f"UPDATE {table} SET intervals = %s, watched_seconds = %s, "  # noqa: S608
                "last_position = %s, last_beat_at = %s, completed_at = %s WHERE id = %s",
                [(*values[1:], values[0]) for values in params],
            )
            return
        for start in range(0, len(params), PAIRS_PER_QUERY):
            chunk = params[start : start + PAIRS_PER_QUERY]
            values = ", ".join(
                ["(%s::bigint, %s::jsonb, %s::float8, %s::float8, %s::timestamptz, "
                 "%s::timestamptz)"] * len(chunk)
            )  # fmt: skip
            cursor.execute(
                f"UPDATE {table} AS p SET intervals = v.intervals, "  # noqa: S608
                "watched_seconds = v.watched, last_position = v.position, "
                "last_beat_at = v.beat_at, completed_at = v.completed_at "
                f"FROM (VALUES {values}) AS v(id, intervals, watched, position, "
                "beat_at, completed_at) WHERE p.id = v.id",
                [value for row in chunk for value in row],
            )


DAYS_PER_QUERY = 300


def _add_study_times(day_seconds: dict[tuple[int, datetime.date], float]) -> None:
    """Add seconds to members' days; a member's first study of a day also counts the
    day in the yearly summary (call inside the heartbeat's transaction)."""
    items = [
        (member_id, day, round(seconds, 2))
        for (member_id, day), seconds in sorted(day_seconds.items())
        if round(seconds, 2) > 0
    ]
    table = connection.ops.quote_name(StudyDay._meta.db_table)
    for start in range(0, len(items), DAYS_PER_QUERY):
        chunk = items[start : start + DAYS_PER_QUERY]
        values = ", ".join(["(%s, %s, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (member_id, day, seconds) VALUES {values} "  # noqa: S608
                "ON CONFLICT (member_id, day) DO UPDATE SET seconds = "
                f"{table}.seconds + excluded.seconds RETURNING member_id, day, seconds",
                [value for item in chunk for value in item],
            )
            returned = cursor.fetchall()
        added = {(member_id, str(day)): seconds for member_id, day, seconds in chunk}
        for member_id, day, seconds in returned:
            # Every stored day holds more than 0 s, so only a new row returns
            # exactly what was inserted.
            if added.get((member_id, str(day))) == seconds:
                stats.count_study_day(member_id, int(str(day)[:4]))


def complete_course_if_done(member_id: int, course_id: int | None, now) -> bool:
    """Record the course completion (and its 学时) once every live lesson is complete
    and every requirement other apps register is met (the hook
    ``school_completion_requirements``: functions of (member_id, course) returning
    whether the member met theirs, e.g. passed the course's 结业考试). Apps whose
    requirement becomes met later call this again; it records a completion once."""
    if course_id is None:
        return False
    course = CoursePage.objects.get(pk=course_id).specific
    lesson_ids = [lesson.pk for lesson in course.lessons]
    done = LessonProgress.objects.filter(
        member_id=member_id, lesson_id__in=lesson_ids, completed_at__isnull=False
    ).count()
    if not lesson_ids or done < len(lesson_ids):
        return False
    for requirement in hooks.get_hooks("school_completion_requirements"):
        if not requirement(member_id, course):
            return False
    year = timezone.localdate(now).year
    with transaction.atomic():
        completion, created = CourseCompletion.objects.get_or_create(
            member_id=member_id,
            course=course,
            defaults={
                "completed_at": now,
                "year": year,
                "credit_hours": course.effective_credit_hours,
            },
        )
        if created:
            stats.count_completion(member_id, course.pk, year, completion.credit_hours)
    return created
